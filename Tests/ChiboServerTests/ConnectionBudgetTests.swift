import ChiboClient
import ChiboCodec
import ChiboModel
import ChiboServer
import ChiboWire
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Testing

/// The server-wide limits on what peers may hold: frames before authentication, the memory
/// budget, connections per address and in total, the per-token call limit announced and applied
/// at once. After each hostile case a well-behaved client is still served.
@Suite struct ConnectionBudgetTests {
    /// The token the test gate accepts.
    static let goodToken = "good-token"

    /// A gate that admits every call, knows one valid token, and gives it `slots`.
    final class TestGate: CallGate {
        let slots: CountingSlots

        init(callsPerToken: Int) {
            slots = CountingSlots(limit: callsPerToken)
        }

        func admit<Request: ProtoMessage>(_ request: Request, context: inout CallContext) async throws -> Request {
            request
        }

        func admitStream(context: inout CallContext) async throws {}

        func finished(context: CallContext, error: (any Error)?) {}

        func authenticate(helloToken token: String) async -> (any TokenCallSlots)? {
            token == ConnectionBudgetTests.goodToken ? slots : nil
        }

        func announce(into limits: inout ConnectionLimits) {
            limits.maxCallsPerToken = slots.limit
        }
    }

    /// A token's call slots, counted.
    final class CountingSlots: TokenCallSlots {
        let limit: Int
        let taken = NIOLockedValueBox(0)

        init(limit: Int) {
            self.limit = limit
        }

        func begin() -> CallError? {
            taken.withLockedValue { taken in
                guard taken < limit else {
                    return CallError(.resourceExhausted, "the token has \(limit) calls in flight (max_calls_per_token)")
                }
                taken += 1
                return nil
            }
        }

        func end() { taken.withLockedValue { $0 -= 1 } }
    }

    /// Runs `body` against a gated server whose `Members.Get` never finishes, then checks that a
    /// client is still served.
    static func withServer(
        limits: ConnectionLimits = ConnectionLimits(handshakeTimeout: .seconds(30)),
        memoryBudgetBytes: Int = 32 << 20,
        maxConnections: Int = 4096,
        maxConnectionsPerAddress: Int = 256,
        callsPerToken: Int = 64,
        _ body: @Sendable (ChiboServer, Int) async throws -> Void
    ) async throws {
        var logger = Logger(label: "chibo.test")
        logger.logLevel = .critical
        var registry = MethodRegistry(gate: TestGate(callsPerToken: callsPerToken))
        registry.registerUnary(.membersGet) { (_: GetMemberRequest, _) -> Member in
            // Runs until the server stops it.
            let (never, _) = AsyncStream<Void>.makeStream()
            for await _ in never {}
            return Member()
        }
        let server = ChiboServer(
            configuration: ServerConfiguration(
                port: 0,
                limits: limits,
                shutdownGracePeriod: .milliseconds(200),
                memoryBudgetBytes: memoryBudgetBytes,
                maxConnections: maxConnections,
                maxConnectionsPerAddress: maxConnectionsPerAddress
            ),
            registry: registry,
            logger: logger
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            let port = try #require(try await server.listeningAddress.port)
            try await body(server, port)
            try await expectServed(port: port)
            group.cancelAll()
        }
    }

    /// A health check from a fresh client succeeds.
    static func expectServed(port: Int) async throws {
        let client = ChiboClient(host: "127.0.0.1", port: port)
        let health = try await client.unary(
            .healthCheck,
            HealthCheckRequest(),
            as: HealthCheckResponse.self,
            options: CallOptions(idempotent: true)
        )
        #expect(health.status == .serving, "the server must go on serving other clients")
        await client.close()
    }

    /// Polls `condition` every few milliseconds for up to `timeout`: a bound, not a pace.
    static func eventually(
        timeout: Duration = .seconds(30),
        _ condition: () async throws -> Bool
    ) async throws -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return try await condition()
    }

    static func hello(token: String) -> Frame {
        Frame(callId: 0, body: .hello(Hello(protocolVersion: 1, clientName: "budget-test", token: token)))
    }

    /// Says hello with `token` and returns the welcome.
    static func handshake(_ connection: RawConnection, token: String) async throws -> Welcome {
        try await connection.send(hello(token: token))
        let frame = try await connection.readFrame(timeout: .seconds(30))
        guard case .welcome(let welcome)? = frame.body else {
            Issue.record("expected a welcome, got \(frame)")
            throw RawConnection.ReadFailure.closed(received: 0)
        }
        return welcome
    }

    static func goAway(_ frames: [Frame]) -> Status? {
        for frame in frames {
            if case .goAway(let goAway)? = frame.body { return goAway.status }
        }
        return nil
    }

    /// A 4-byte length prefix.
    static func prefix(_ length: Int) -> [UInt8] {
        withUnsafeBytes(of: UInt32(length).bigEndian) { Array($0) }
    }

    @Test func theWelcomeAnnouncesTheLimitsInForce() async throws {
        try await Self.withServer(callsPerToken: 7) { _, port in
            let anonymous = try await RawConnection.connect(port: port)
            let anonymousLimits = try #require(try await Self.handshake(anonymous, token: "").limits)
            #expect(anonymousLimits.maxFrameBytes == 64 << 10)
            #expect(anonymousLimits.anonymousMaxFrameBytes == 64 << 10)
            #expect(anonymousLimits.maxCallsPerToken == 7)
            await anonymous.close()

            let signedIn = try await RawConnection.connect(port: port)
            let limits = try #require(try await Self.handshake(signedIn, token: Self.goodToken).limits)
            #expect(limits.maxFrameBytes == 4 << 20)
            #expect(limits.maxConcurrentCalls == 100)
            #expect(limits.maxCallsPerToken == 7)
            await signedIn.close()
        }
    }

    @Test func anonymousPeersDeclaringLargeFramesAreRefusedBeforeBuffering() async throws {
        try await Self.withServer { server, port in
            var peers: [RawConnection] = []
            for index in 0..<20 {
                let peer = try await RawConnection.connect(port: port)
                if index % 2 == 0 {
                    // No hello at all: the first frame announces 4 MiB.
                    try await peer.send(Self.prefix(4 << 20) + [UInt8](repeating: 0x0a, count: 32 << 10))
                } else {
                    // A hello with a bad token, then 4 MiB announced.
                    _ = try await Self.handshake(peer, token: "not-a-token")
                    try await peer.send(Self.prefix(4 << 20) + [UInt8](repeating: 0x0a, count: 32 << 10))
                }
                peers.append(peer)
            }
            for peer in peers {
                let status = Self.goAway(try await peer.framesUntilClosed(timeout: .seconds(30)))
                #expect(status?.code == .resourceExhausted)
                #expect(status?.message.contains("before the connection has authenticated") == true)
            }
            #expect(try await Self.eventually { server.heldBytes == 0 })

            // After authenticating, a frame above the anonymous limit is accepted.
            let signedIn = try await RawConnection.connect(port: port)
            _ = try await Self.handshake(signedIn, token: Self.goodToken)
            let open = Open(method: Method(rawValue: 99_999), payload: [UInt8](repeating: 7, count: 200 << 10))
            try await signedIn.send(Frame(callId: 1, body: .open(open)))
            let answer = try await signedIn.readFrame(timeout: .seconds(30))
            guard case .close(let close)? = answer.body else {
                Issue.record("expected a close, got \(answer)")
                return
            }
            #expect(close.status?.code == .unimplemented)
            await signedIn.close()
        }
    }

    @Test func framesSentBehindTheHelloWaitForItsTokenCheck() async throws {
        try await Self.withServer { _, port in
            let connection = try await RawConnection.connect(port: port)
            // The hello and a 200 KiB open in one write: the open is read once the token has
            // proved valid, under the full frame limit.
            var bytes = ByteBuffer()
            try FrameEncoding.write(Self.hello(token: Self.goodToken), into: &bytes)
            let open = Open(method: Method(rawValue: 99_999), payload: [UInt8](repeating: 7, count: 200 << 10))
            try FrameEncoding.write(Frame(callId: 1, body: .open(open)), into: &bytes)
            try await connection.send(Array(bytes.readableBytesView))
            let welcome = try await connection.readFrame(timeout: .seconds(30))
            guard case .welcome(let accepted)? = welcome.body else {
                Issue.record("expected a welcome, got \(welcome)")
                return
            }
            #expect(accepted.limits?.maxFrameBytes == 4 << 20)
            let answer = try await connection.readFrame(timeout: .seconds(30))
            guard case .close(let close)? = answer.body else {
                Issue.record("expected a close, got \(answer)")
                return
            }
            #expect(close.status?.code == .unimplemented)
            await connection.close()
        }
    }

    @Test func partialFramesOverTheBudgetCloseTheLargestHolder() async throws {
        let budget = 600 << 10
        try await Self.withServer(memoryBudgetBytes: budget) { server, port in
            var peers: [RawConnection] = []
            for _ in 0..<3 {
                let peer = try await RawConnection.connect(port: port)
                _ = try await Self.handshake(peer, token: Self.goodToken)
                // 1 MiB announced, 150 KiB sent: the rest never comes.
                try await peer.send(Self.prefix(1 << 20) + [UInt8](repeating: 0x0a, count: 150 << 10))
                peers.append(peer)
                #expect(server.heldBytes <= budget)
            }
            #expect(try await Self.eventually { peers.contains { $0.isClosed } })
            let closed = try #require(peers.first { $0.isClosed })
            let status = Self.goAway(try await closed.framesUntilClosed())
            #expect(status?.code == .resourceExhausted)
            #expect(status?.message.contains("memory budget") == true)
            #expect(peers.contains { !$0.isClosed }, "only the largest holders are closed")
            #expect(server.heldBytes <= budget)
            for peer in peers { await peer.close() }
            #expect(try await Self.eventually { server.heldBytes == 0 })
        }
    }

    @Test func refusedCallsGiveTheirSlotBackAtOnce() async throws {
        try await Self.withServer(
            limits: ConnectionLimits(maxConcurrentCalls: 8, handshakeTimeout: .seconds(30)),
            callsPerToken: 3
        ) { _, port in
            let connection = try await RawConnection.connect(port: port)
            _ = try await Self.handshake(connection, token: Self.goodToken)
            // Twelve opens in one write: three run (and never finish), nine are refused at once by
            // the token's limit, none by the connection's limit of eight.
            var bytes = ByteBuffer()
            for index in 0..<12 {
                let open = Open(method: .membersGet, payload: try GetMemberRequest(id: "m").serializedBytes())
                try FrameEncoding.write(Frame(callId: UInt32(2 * index + 1), body: .open(open)), into: &bytes)
            }
            try await connection.send(Array(bytes.readableBytesView))
            for _ in 0..<9 {
                let frame = try await connection.readFrame(timeout: .seconds(30))
                guard case .close(let close)? = frame.body else {
                    Issue.record("expected a close, got \(frame)")
                    return
                }
                #expect(close.status?.code == .resourceExhausted)
                #expect(close.status?.message.contains("max_calls_per_token") == true)
            }
            await connection.close()
        }
    }

    @Test func connectionsOverTheCapPerAddressGetAGoAway() async throws {
        try await Self.withServer(maxConnectionsPerAddress: 2) { server, port in
            var held: [RawConnection] = []
            for _ in 0..<2 {
                let peer = try await RawConnection.connect(port: port)
                _ = try await Self.handshake(peer, token: "")
                held.append(peer)
            }
            let refused = try await RawConnection.connect(port: port)
            let status = Self.goAway(try await refused.framesUntilClosed(timeout: .seconds(30)))
            #expect(status?.code == .resourceExhausted)
            #expect(status?.message.contains("limit per address") == true)
            for peer in held { await peer.close() }
            #expect(try await Self.eventually { server.openConnections == 0 })
        }
    }

    @Test func connectionsOverTheTotalCapGetAGoAway() async throws {
        try await Self.withServer(maxConnections: 3) { server, port in
            var held: [RawConnection] = []
            for _ in 0..<3 {
                let peer = try await RawConnection.connect(port: port)
                _ = try await Self.handshake(peer, token: "")
                held.append(peer)
            }
            let refused = try await RawConnection.connect(port: port)
            let status = Self.goAway(try await refused.framesUntilClosed(timeout: .seconds(30)))
            #expect(status?.code == .resourceExhausted)
            #expect(status?.message.contains("3 connections open") == true)
            for peer in held { await peer.close() }
            #expect(try await Self.eventually { server.openConnections == 0 })
        }
    }
}
