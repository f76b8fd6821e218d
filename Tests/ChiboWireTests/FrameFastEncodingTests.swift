import ChiboCodec
import ChiboModel
import NIOCore
import Testing

@testable import ChiboWire

/// The hand-written encoding of `Close` and stream-message frames must give the codec's bytes.
@Suite struct FrameFastEncodingTests {
    private static let payloads: [[UInt8]] = [
        [],
        [0x08, 0x01],
        Array(repeating: 0x5A, count: 127),
        Array(repeating: 0x5A, count: 128),
        Array(repeating: 0xC3, count: 20_000),
    ]
    private static let callIDs: [UInt32] = [0, 1, 127, 128, 16_383, 16_384, 2_097_152, .max]

    private func codecBytes(_ frame: Frame) throws -> ByteBuffer {
        let body = try frame.serializedBytes()
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(body.count))
        buffer.writeBytes(body)
        return buffer
    }

    @Test func fastFramesMatchTheCodec() throws {
        for callID in Self.callIDs {
            for payload in Self.payloads {
                let frames = [
                    Frame(callId: callID, body: .close(Close(payload: payload))),
                    Frame(callId: callID, body: .data(StreamMessage(payload: payload))),
                    Frame(callId: callID, body: .data(StreamMessage(payload: payload, end: true))),
                ]
                for frame in frames {
                    var fast = ByteBuffer()
                    #expect(FrameFastEncoding.write(frame, into: &fast))
                    #expect(fast == (try codecBytes(frame)), "\(frame)")
                }
            }
        }
    }

    @Test func otherFramesAreLeftToTheCodec() throws {
        let others = [
            Frame(callId: 1, body: .close(Close(status: Status(code: .internal, message: "x")))),
            Frame(callId: 1, body: .windowUpdate(WindowUpdate(messages: 32))),
            Frame(callId: 0, body: .ping(Ping(opaque: 7))),
            Frame(),
        ]
        for frame in others {
            var buffer = ByteBuffer()
            #expect(!FrameFastEncoding.write(frame, into: &buffer))
            #expect(buffer.readableBytes == 0)
            try FrameEncoding.write(frame, into: &buffer)
            #expect(buffer == (try codecBytes(frame)))
        }
    }
}
