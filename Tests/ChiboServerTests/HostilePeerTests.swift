import ChiboClient
import ChiboModel
import ChiboServer
import ChiboWire
import Logging
import Synchronization
import Testing

/// Misbehaving clients cost themselves a status or their connection, never the server: after
/// each test a well-behaved client on another connection is still served.
@Suite struct HostilePeerTests {
    /// Small limits; the timeouts are long enough for a loaded machine, except where a test
    /// is about them.
    static let limits = ConnectionLimits(
        maxFrameBytes: 1024,
        maxConcurrentCalls: 4,
        initialWindow: 8,
        idleTimeout: .seconds(60),
        handshakeTimeout: .seconds(60)
    )

    /// Runs `body` against a server with small limits, then checks the server still serves.
    private func withServer(
        limits: ConnectionLimits = Self.limits,
        _ body: @Sendable (Int) async throws -> Void
    ) async throws {
        try await ServerClientTests.withServer(limits: limits) { _, address in
            let port = address.port!
            try await body(port)
            // With a handshake timeout of a few hundred milliseconds, a client on a loaded machine
            // may itself be too slow to say hello in time and be cut off (DEADLINE_EXCEEDED):
            // that proves nothing about the server, so such attempts are made again.
            var status: ServingStatus?
            for _ in 0..<20 where status == nil {
                let client = ChiboClient(host: "127.0.0.1", port: port)
                do {
                    status =
                        try await client.unary(
                            .healthCheck,
                            HealthCheckRequest(),
                            as: HealthCheckResponse.self,
                            options: CallOptions(idempotent: true)
                        ).status
                } catch let error as ClientError where error.code == .deadlineExceeded {
                    await client.close()
                    continue
                }
                await client.close()
            }
            #expect(status == .serving, "the server must go on serving other clients")
        }
    }

    private func goAwayStatus(_ frames: [Frame]) -> Status? {
        for frame in frames {
            if case .goAway(let goAway)? = frame.body { return goAway.status }
        }
        return nil
    }

    private func closeStatus(_ frame: Frame) -> Status? {
        if case .close(let close)? = frame.body { return close.status }
        return nil
    }

    @Test func garbageBeforeTheHelloIsRefusedAtTheLengthPrefix() async throws {
        try await withServer { port in
            let connection = try await RawConnection.connect(port: port)
            // An HTTP request: "GET " read as a length is 1,195,725,856 bytes.
            try await connection.send(Array("GET / HTTP/1.1\r\nHost: chibo\r\n\r\n".utf8))
            let status = goAwayStatus(try await connection.framesUntilClosed())
            #expect(status?.code == .resourceExhausted)
            #expect(status?.message.contains("above the maximum of 1024") == true)
        }
    }

    @Test func aMalformedFrameBodyEndsTheConnectionWithItsOffset() async throws {
        try await withServer { port in
            let connection = try await RawConnection.connect(port: port)
            try await connection.send([0, 0, 0, 3, 0x08, 0xFF, 0xFF])
            let status = goAwayStatus(try await connection.framesUntilClosed())
            #expect(status?.code == .invalidArgument)
            // The truncated varint starts at byte 1 of the body, byte 5 of the connection.
            #expect(status?.message.contains("frame at byte 5") == true, "\(status?.message ?? "")")
        }
    }

    @Test func aLengthAboveTheMaximumAfterTheHandshakeEndsTheConnection() async throws {
        try await withServer { port in
            let connection = try await RawConnection.connect(port: port)
            _ = try await connection.handshake()
            try await connection.send([0, 0, 0x04, 0x01])
            #expect(goAwayStatus(try await connection.framesUntilClosed())?.code == .resourceExhausted)
        }
    }

    @Test func nothingAfterConnectingHitsTheHandshakeTimeout() async throws {
        var limits = Self.limits
        limits.handshakeTimeout = .milliseconds(300)
        try await withServer(limits: limits) { port in
            let connection = try await RawConnection.connect(port: port)
            #expect(goAwayStatus(try await connection.framesUntilClosed())?.code == .deadlineExceeded)
        }
    }

    @Test func aTruncatedFrameThenSilenceHitsTheIdleTimeout() async throws {
        // The idle timeout must pass after the truncated frame is sent: on a machine too busy to
        // shake hands and send it within the timeout, the attempt proves nothing, and the next
        // one doubles the timeout (1.5 s, 3 s, … 24 s), so the test does not depend on speed.
        for attempt in 0..<5 {
            var limits = Self.limits
            limits.idleTimeout = .milliseconds(1500 << attempt)
            let proved = Mutex(false)
            try await withServer(limits: limits) { port in
                let connection = try await RawConnection.connect(port: port)
                do {
                    _ = try await connection.handshake()
                    try await connection.send([0, 0, 0, 100, 0x08, 0x01])
                } catch {
                    return
                }
                let status = goAwayStatus(try await connection.framesUntilClosed())
                #expect(status?.code == .unavailable)
                proved.withLock { $0 = true }
            }
            if proved.withLock({ $0 }) { return }
        }
        Issue.record("the truncated frame could not be sent within a 24-second idle timeout")
    }

    @Test func theFirstFrameMustBeAHello() async throws {
        try await withServer { port in
            let connection = try await RawConnection.connect(port: port)
            try await connection.send(Frame(callId: 1, body: .open(Open(method: .healthCheck))))
            #expect(goAwayStatus(try await connection.framesUntilClosed())?.code == .invalidArgument)
        }
    }

    @Test func unknownMethodsAndCallIDsGetAStatusAndTheConnectionGoesOn() async throws {
        try await withServer { port in
            let connection = try await RawConnection.connect(port: port)
            _ = try await connection.handshake()
            try await connection.send(Frame(callId: 1, body: .open(Open(method: Method(rawValue: 4242)))))
            #expect(closeStatus(try await connection.readFrame())?.code == .unimplemented)
            try await connection.send(Frame(callId: 99, body: .data(StreamMessage(payload: [1, 2, 3]))))
            let refused = try await connection.readFrame()
            #expect(refused.callId == 99)
            #expect(closeStatus(refused)?.code == .failedPrecondition)
            // Cancels and window updates for unknown calls are ignored; the connection still works.
            try await connection.send(Frame(callId: 77, body: .cancel(Cancel())))
            try await connection.send(Frame(callId: 78, body: .windowUpdate(WindowUpdate(messages: 5))))
            try await connection.send(Frame(callId: 100, body: .open(Open(method: .healthCheck))))
            let answer = try await connection.readFrame()
            #expect(answer.callId == 100)
            #expect(closeStatus(answer) == nil)
            await connection.close()
        }
    }

    @Test func callsBeyondTheConcurrencyLimitAreRefused() async throws {
        try await withServer { port in
            let connection = try await RawConnection.connect(port: port)
            _ = try await connection.handshake()
            // Handlers that sleep ten seconds: on a loaded machine none ends before the fifth open.
            let slow = try GetMemberRequest(id: "10000").serializedBytes()
            for id in UInt32(1)...5 {
                try await connection.send(Frame(callId: id, body: .open(Open(method: .membersGet, payload: slow))))
            }
            let refused = try await connection.readFrame()
            #expect(refused.callId == 5)
            #expect(closeStatus(refused)?.code == .resourceExhausted)
            await connection.close()
        }
    }

    @Test func aStreamNobodyReadsStopsAtTheWindow() async throws {
        try await withServer { port in
            let connection = try await RawConnection.connect(port: port)
            _ = try await connection.handshake()
            let request = try ListMembersRequest(page: PageRequest(pageSize: 1_000_000)).serializedBytes()
            try await connection.send(Frame(callId: 1, body: .open(Open(method: .membersList, payload: request))))
            // The client grants nothing: the server may send the initial window and no more.
            for _ in 0..<Self.limits.initialWindow {
                guard case .data? = try await connection.readFrame().body else {
                    Issue.record("expected stream messages")
                    return
                }
            }
            #expect(try await connection.framesBeforePong().isEmpty, "the server sent past the window")
            // A grant of three lets exactly three more through.
            try await connection.send(Frame(callId: 1, body: .windowUpdate(WindowUpdate(messages: 3))))
            for _ in 0..<3 { _ = try await connection.readFrame() }
            #expect(try await connection.framesBeforePong().isEmpty)
            try await connection.send(Frame(callId: 1, body: .cancel(Cancel())))
            #expect(closeStatus(try await connection.readFrame())?.code == .cancelled)
            await connection.close()
        }
    }

    @Test func aClientStreamPastTheWindowIsStopped() async throws {
        try await withServer { port in
            let connection = try await RawConnection.connect(port: port)
            _ = try await connection.handshake()
            try await connection.send(Frame(callId: 1, body: .open(Open(method: .meetingsRecord))))
            // Twenty messages at once against a window of eight: the handler has not consumed
            // them all, so the server ends the call.
            var burst: [UInt8] = []
            for _ in 0..<20 {
                let frame = Frame(callId: 1, body: .data(StreamMessage(payload: [])))
                let body = try frame.serializedBytes()
                burst += withUnsafeBytes(of: UInt32(body.count).bigEndian, Array.init) + body
            }
            try await connection.send(burst)
            let frames = try await readUntilClose(connection, callID: 1)
            #expect(closeStatus(frames.last!)?.code == .resourceExhausted)
            await connection.close()
        }
    }

    private func readUntilClose(_ connection: RawConnection, callID: UInt32) async throws -> [Frame] {
        var frames: [Frame] = []
        while true {
            let frame = try await connection.readFrame()
            frames.append(frame)
            if frame.callId == callID, case .close? = frame.body { return frames }
        }
    }

    @Test func manyMisbehavingConnectionsAtOnce() async throws {
        // Half send garbage, half send nothing and wait for the handshake timeout.
        var limits = Self.limits
        limits.handshakeTimeout = .milliseconds(500)
        try await withServer(limits: limits) { port in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        // On a loaded machine the handshake timeout may close a connection before
                        // the client has even set it up; either way the server closes it, and
                        // must go on serving (checked after the body).
                        guard let connection = try? await RawConnection.connect(port: port) else { return }
                        if index % 2 == 0 {
                            try? await connection.send((0..<64).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ index) })
                        }
                        _ = try? await connection.framesUntilClosed()
                    }
                }
                try await group.waitForAll()
            }
        }
    }
}
