import ChiboCodec
import ChiboModel
import Testing

@testable import ChiboWire

/// The hand-written reading of `Open` frames must agree with the codec on every input it accepts.
@Suite struct FrameFastDecodingTests {
    private func codecFrame(_ body: [UInt8]) -> Frame? {
        try? body.withUnsafeBytes { try Frame(serializedBytes: $0, limits: .default) }
    }

    private func fastFrame(_ body: [UInt8]) -> Frame? {
        body.withUnsafeBytes { FrameFastDecoding.decodeOpen($0) }
    }

    private static let opens: [Frame] = {
        var frames: [Frame] = []
        for callID: UInt32 in [0, 1, 127, 128, 16_384, .max] {
            for method in [Method(rawValue: 0), .healthCheck, .membersGet, Method(rawValue: .max)] {
                for timeout: UInt32 in [0, 1, 5_000, .max] {
                    for payload: [UInt8] in [[], [0x0a, 0x01, 0x41], Array(repeating: 7, count: 300)] {
                        let open = Open(method: method, timeoutMs: timeout, payload: payload)
                        frames.append(Frame(callId: callID, body: .open(open)))
                    }
                }
            }
        }
        return frames
    }()

    @Test func canonicalOpensAreReadLikeTheCodec() throws {
        for frame in Self.opens {
            let body = try frame.serializedBytes()
            #expect(fastFrame(body) == frame)
            #expect(codecFrame(body) == frame)
        }
    }

    @Test func otherFramesAreLeftToTheCodec() throws {
        let others = [
            Frame(callId: 1, body: .ping(Ping(opaque: 3))),
            Frame(callId: 1, body: .data(StreamMessage(payload: [1, 2]))),
            Frame(callId: 1, body: .windowUpdate(WindowUpdate(messages: 32))),
            Frame(callId: 0, body: .hello(Hello(protocolVersion: 1, clientName: "x"))),
            Frame(),
        ]
        for frame in others {
            #expect(fastFrame(try frame.serializedBytes()) == nil)
        }
        // Valid for the codec, but not in the canonical layout: fields out of order, a repeated
        // field, an unknown field, an over-long varint.
        let unusual: [[UInt8]] = [
            [0x22, 0x02, 0x08, 0x01, 0x08, 0x05],
            [0x22, 0x04, 0x10, 0x01, 0x08, 0x01],
            [0x22, 0x02, 0x08, 0x01, 0x08, 0x01, 0x08, 0x02],
            [0x08, 0x01, 0x22, 0x02, 0x08, 0x01, 0x30, 0x01],
            [0x08, 0x81, 0x80, 0x80, 0x80, 0x80, 0x00, 0x22, 0x00],
        ]
        for body in unusual {
            #expect(fastFrame(body) == nil)
        }
    }

    /// Random corruptions of valid opens: whatever the fast path reads, the codec reads the same.
    @Test func corruptedOpensNeverDisagreeWithTheCodec() throws {
        var random = SplitMix64(seed: 0x00C4_1B0F)
        var accepted = 0
        for _ in 0..<20_000 {
            let frame = Self.opens[Int(random.next() % UInt64(Self.opens.count))]
            var body = try frame.serializedBytes()
            switch random.next() % 3 {
            case 0:
                body[Int(random.next() % UInt64(body.count))] = UInt8(truncatingIfNeeded: random.next())
            case 1:
                body.removeLast(Int(random.next() % UInt64(body.count)))
            default:
                body.insert(UInt8(truncatingIfNeeded: random.next()), at: Int(random.next() % UInt64(body.count + 1)))
            }
            if let fast = fastFrame(body) {
                accepted += 1
                #expect(codecFrame(body) == fast, "\(body)")
            }
        }
        #expect(accepted > 0)
    }
}

/// A small deterministic generator for the corruption test.
private struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
