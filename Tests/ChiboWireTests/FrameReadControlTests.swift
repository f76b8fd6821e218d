import ChiboCodec
import ChiboModel
import NIOCore
import NIOEmbedded
import Testing

@testable import ChiboWire

/// A decoder under a `FrameReadControl`: the small limit before authentication, the hold while
/// a token is checked, the bytes of an unfinished frame reported.
@Suite struct FrameReadControlTests {
    private func bytes(_ frame: Frame) throws -> ByteBuffer {
        var buffer = ByteBuffer()
        try FrameEncoding.write(frame, into: &buffer)
        return buffer
    }

    @Test func aLargeFrameBeforeAuthenticationIsRefusedAsSuch() throws {
        let control = FrameReadControl(maxFrameBytes: 64 << 10, authenticated: false)
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(control: control)))
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(4 << 20))
        #expect(throws: WireError.frameTooLargeBeforeAuthentication(length: 4 << 20, maximum: 64 << 10)) {
            try channel.writeInbound(buffer)
        }
        let status = WireError.frameTooLargeBeforeAuthentication(length: 4 << 20, maximum: 64 << 10).status
        #expect(status.code == .resourceExhausted)
        #expect(status.message.contains("65536 bytes"))
    }

    @Test func theLimitRisesWhenTheConnectionAuthenticates() throws {
        let control = FrameReadControl(maxFrameBytes: 1024, authenticated: false)
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(control: control)))
        control.maxFrameBytes = 4096
        control.authenticated = true
        let frame = Frame(callId: 3, body: .data(StreamMessage(payload: Array(repeating: 1, count: 2000))))
        try channel.writeInbound(try bytes(frame))
        #expect(try channel.readInbound(as: Frame.self) == frame)
    }

    @Test func heldBytesWaitAndAreReportedUntilReleased() throws {
        let control = FrameReadControl(maxFrameBytes: 1024, authenticated: true)
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(control: control)))
        let ping = Frame(callId: 0, body: .ping(Ping(opaque: 9)))
        control.holding = true
        try channel.writeInbound(try bytes(ping))
        #expect(try channel.readInbound(as: Frame.self) == nil)
        control.holding = false
        // An empty read makes the decoder try the bytes it holds.
        try channel.writeInbound(ByteBuffer())
        #expect(try channel.readInbound(as: Frame.self) == ping)
        #expect(control.bufferedBytes == 0)

        var partial = try bytes(ping)
        partial.moveWriterIndex(to: partial.writerIndex - 2)
        try channel.writeInbound(partial)
        #expect(control.bufferedBytes >= partial.readableBytes)
    }

    @Test func theWelcomeAnnouncesTheFrameLimitOfTheConnection() {
        let limits = ConnectionLimits(maxFrameBytes: 4 << 20, anonymousMaxFrameBytes: 64 << 10, maxCallsPerToken: 64)
        #expect(limits.wire(authenticated: false).maxFrameBytes == 64 << 10)
        #expect(limits.wire(authenticated: true).maxFrameBytes == 4 << 20)
        #expect(limits.wire.maxCallsPerToken == 64)
        #expect(ConnectionLimits(wire: limits.wire) == limits)
        var machine = ServerConnectionStateMachine(limits: limits, serverName: "test", methods: [:])
        let hello = Frame(callId: 0, body: .hello(Hello(protocolVersion: 1)))
        guard case .send(let frame) = machine.receive(hello), case .welcome(let welcome)? = frame.body else {
            Issue.record("expected a welcome")
            return
        }
        #expect(welcome.limits?.maxFrameBytes == 64 << 10)
        #expect(welcome.limits?.anonymousMaxFrameBytes == 64 << 10)
        #expect(welcome.limits?.maxCallsPerToken == 64)
    }
}
