import ChiboModel
import ChiboTesting
import ChiboWire
import NIOCore
import NIOEmbedded
import Testing

@testable import ChiboServer

/// The server's timers (handshake, idle and call deadlines) on a test event loop whose time
/// moves only when the test advances it: each timer is checked just before and at its limit,
/// whatever the speed of the machine.
@Suite struct ServerTimerTests {
    static let limits = ConnectionLimits(idleTimeout: .seconds(30), handshakeTimeout: .seconds(10))

    /// A connection handler on a test channel, active as if a peer had connected.
    static func connection(registry: MethodRegistry = MethodRegistry()) async throws -> NIOAsyncTestingChannel {
        let channel = NIOAsyncTestingChannel()
        try await channel.testingEventLoop.executeInContext {
            try channel.pipeline.syncOperations.addHandler(
                ServerConnectionHandler(
                    limits: limits,
                    serverName: "timer-test",
                    registry: registry,
                    logger: TestServer.quietLogger
                )
            )
        }
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 4000))
        return channel
    }

    /// The frames the handler has written so far.
    static func written(_ channel: NIOAsyncTestingChannel) async throws -> [Frame] {
        var frames: [Frame] = []
        while var buffer = try await channel.readOutbound(as: ByteBuffer.self) {
            while let length = buffer.readInteger(as: UInt32.self) {
                guard let bytes = buffer.readBytes(length: Int(length)) else {
                    Issue.record("a frame cut short")
                    break
                }
                frames.append(try Frame(serializedBytes: bytes))
            }
        }
        return frames
    }

    static func hello(_ channel: NIOAsyncTestingChannel) async throws {
        try await channel.writeInbound(Frame(callId: 0, body: .hello(Hello(protocolVersion: 1, clientName: "timer"))))
        let frames = try await written(channel)
        guard case .welcome? = frames.first?.body else {
            Issue.record("expected a welcome, got \(frames)")
            return
        }
    }

    static func goAwayCode(_ frames: [Frame]) -> StatusCode? {
        for frame in frames {
            if case .goAway(let goAway)? = frame.body { return goAway.status?.code }
        }
        return nil
    }

    @Test func aPeerThatSendsNoHelloIsClosedAtTheHandshakeTimeout() async throws {
        let channel = try await Self.connection()
        await channel.testingEventLoop.advanceTime(by: .milliseconds(9_999))
        #expect(try await Self.written(channel).isEmpty)
        #expect(channel.isActive, "closed before the handshake timeout")
        await channel.testingEventLoop.advanceTime(by: .milliseconds(1))
        #expect(Self.goAwayCode(try await Self.written(channel)) == .deadlineExceeded)
        try await channel.closeFuture.get()
    }

    @Test func anIdleConnectionIsClosedAtTheIdleTimeoutCountedFromItsLastFrame() async throws {
        let channel = try await Self.connection()
        try await Self.hello(channel)
        // A ping at 20 s restarts the count.
        await channel.testingEventLoop.advanceTime(by: .seconds(20))
        try await channel.writeInbound(Frame(callId: 0, body: .ping(Ping(opaque: 7))))
        _ = try await Self.written(channel)
        await channel.testingEventLoop.advanceTime(by: .seconds(29))
        #expect(try await Self.written(channel).isEmpty)
        #expect(channel.isActive, "closed before 30 s without a frame")
        await channel.testingEventLoop.advanceTime(by: .seconds(1))
        #expect(Self.goAwayCode(try await Self.written(channel)) != nil)
        try await channel.closeFuture.get()
    }

    @Test func aCallPastItsDeadlineEndsWithDeadlineExceeded() async throws {
        var registry = MethodRegistry()
        // A handler that would run for an hour: the server must end the call at its deadline.
        registry.registerUnary(.membersGet) { (_: GetMemberRequest, _) -> MemberResponse in
            try await Task.sleep(for: .seconds(3600))
            return MemberResponse()
        }
        let channel = try await Self.connection(registry: registry)
        try await Self.hello(channel)
        let payload = try GetMemberRequest(id: "m-1").serializedBytes()
        try await channel.writeInbound(
            Frame(callId: 1, body: .open(Open(method: .membersGet, timeoutMs: 100, payload: payload)))
        )
        await channel.testingEventLoop.advanceTime(by: .milliseconds(99))
        #expect(try await Self.written(channel).isEmpty)
        await channel.testingEventLoop.advanceTime(by: .milliseconds(1))
        let frames = try await Self.written(channel)
        let close = frames.compactMap { frame -> Status? in
            if case .close(let close)? = frame.body, frame.callId == 1 { return close.status }
            return nil
        }
        #expect(close.map(\.code) == [.deadlineExceeded], "\(frames)")
        #expect(channel.isActive, "the connection outlives the call")
        _ = try? await channel.finish()
    }
}
