import ChiboCodec
import ChiboModel
import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing

@testable import ChiboWire

/// The frame decoder, through NIO's `ByteToMessageDecoderVerifier` (every split of the input,
/// byte by byte and all at once, must give the same frames) and with hostile lengths.
@Suite struct FrameCodecTests {
    private func frames() -> [Frame] {
        [
            Frame(callId: 0, body: .hello(Hello(protocolVersion: 1, clientName: "chibo-test/1", token: "tòken"))),
            Frame(callId: 1, body: .open(Open(method: .healthCheck, timeoutMs: 250, payload: []))),
            Frame(callId: 3, body: .data(StreamMessage(payload: Array(repeating: 0xAB, count: 300)))),
            Frame(callId: 3, body: .data(StreamMessage(end: true))),
            Frame(callId: 0, body: .ping(Ping(opaque: .max))),
            Frame(callId: 7, body: .cancel(Cancel())),
            Frame(),
        ]
    }

    private func wireBytes(_ frames: [Frame]) throws -> ByteBuffer {
        var buffer = ByteBuffer()
        for frame in frames {
            try FrameEncoding.write(frame, into: &buffer)
        }
        return buffer
    }

    @Test func decoderHandlesEverySplit() throws {
        let frames = frames()
        var inputs: [(ByteBuffer, [Frame])] = []
        for frame in frames {
            inputs.append((try wireBytes([frame]), [frame]))
        }
        inputs.append((try wireBytes(frames), frames))
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: inputs,
            decoderFactory: { FrameDecoder(maxFrameBytes: 1024) }
        )
    }

    @Test func lengthAboveTheMaximumFailsBeforeBuffering() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maxFrameBytes: 1024)))
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(1025))
        // Only the length has arrived, none of the body: the decoder must already refuse it.
        #expect(throws: WireError.frameTooLarge(length: 1025, maximum: 1024, offset: 0)) {
            try channel.writeInbound(buffer)
        }
    }

    @Test func malformedBodyNamesTheOffset() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maxFrameBytes: 1024)))
        var buffer = try wireBytes([Frame(callId: 1, body: .ping(Ping(opaque: 1)))])
        // A second frame whose body is a truncated varint field.
        buffer.writeInteger(UInt32(2))
        buffer.writeBytes([0x08, 0xFF])
        do {
            try channel.writeInbound(buffer)
            Issue.record("a malformed frame was accepted")
        } catch let error as WireError {
            guard case .malformedFrame(let codecError, let offset) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(codecError.messageType == "chibo.v1.Frame")
            // The first frame takes 10 bytes; the bad varint starts 1 byte into the second body.
            #expect(offset == 10 + 4 + 1)
        }
        #expect(try channel.readInbound(as: Frame.self)?.callId == 1)
    }

    @Test func truncatedFrameAtEndOfStreamIsReported() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maxFrameBytes: 1024)))
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(10))
        buffer.writeBytes([0x08, 0x01])
        try channel.writeInbound(buffer)
        #expect(throws: WireError.truncatedFrame(bufferedBytes: 6)) {
            try channel.finish()
        }
    }

    @Test func encoderWritesLengthThenBody() throws {
        let frame = Frame(callId: 1, body: .close(Close(payload: [8, 1])))
        let buffer = try FrameEncoding.buffer(for: frame)
        let body = try frame.serializedBytes()
        #expect(buffer.getInteger(at: 0, as: UInt32.self) == UInt32(body.count))
        #expect(buffer.getBytes(at: 4, length: body.count) == body)
        // call_id 1, close { payload 0801 }: 08 01 32 04 0a 02 08 01
        #expect(body == [0x08, 0x01, 0x32, 0x04, 0x0A, 0x02, 0x08, 0x01])
    }
}
