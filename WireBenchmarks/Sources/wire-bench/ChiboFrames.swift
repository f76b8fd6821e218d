import BenchSupport
import ChiboCodec
import ChiboModel
import ChiboWire
import NIOCore

/// The Chibo frames of the load generator. Connection setup uses the real codec; the unary hot
/// path writes `Open` frames and reads server frames by hand (checked against the codec at
/// start-up), so that the client spends as little CPU as possible beside the server.
enum ChiboFrames {
    /// What the load generator needs to know of a server frame.
    enum ServerFrame: Equatable {
        case welcome
        case close(callID: UInt32, payloadBytes: Int, failed: Bool)
        case data(callID: UInt32, payloadBytes: Int)
        case goAway
        case other
    }

    /// The hello frame, length-prefixed.
    static func hello() -> ByteBuffer {
        let hello = Hello(protocolVersion: WireVersion.current, clientName: "wire-bench/1", token: "")
        return try! FrameEncoding.buffer(for: Frame(callId: 0, body: .hello(hello)))
    }

    /// A whole frame built by the codec, length-prefixed.
    static func encode(_ frame: Frame) -> ByteBuffer {
        try! FrameEncoding.buffer(for: frame)
    }

    /// Appends a length-prefixed `Frame{call_id, open{method, payload}}` with no deadline.
    static func writeOpen(callID: UInt32, method: Int32, payload: [UInt8], into buffer: inout ByteBuffer) {
        let methodBytes = varintSize(UInt64(method))
        let openLength = 1 + methodBytes + 1 + varintSize(UInt64(payload.count)) + payload.count
        let frameLength = 1 + varintSize(UInt64(callID)) + 1 + varintSize(UInt64(openLength)) + openLength
        buffer.writeInteger(UInt32(frameLength))
        buffer.writeInteger(UInt8(0x08))
        writeVarint(UInt64(callID), into: &buffer)
        buffer.writeInteger(UInt8(0x22))
        writeVarint(UInt64(openLength), into: &buffer)
        buffer.writeInteger(UInt8(0x08))
        writeVarint(UInt64(method), into: &buffer)
        buffer.writeInteger(UInt8(0x1a))
        writeVarint(UInt64(payload.count), into: &buffer)
        buffer.writeBytes(payload)
    }

    /// Appends a length-prefixed window update granting `messages` on `callID`.
    static func writeWindowUpdate(callID: UInt32, messages: UInt32, into buffer: inout ByteBuffer) {
        var body = ByteBuffer()
        body.writeInteger(UInt8(0x08))
        writeVarint(UInt64(callID), into: &body)
        body.writeInteger(UInt8(0x5a))
        writeVarint(UInt64(1 + varintSize(UInt64(messages))), into: &body)
        body.writeInteger(UInt8(0x08))
        writeVarint(UInt64(messages), into: &body)
        buffer.writeInteger(UInt32(body.readableBytes))
        buffer.writeBuffer(&body)
    }

    /// Reads one whole frame off `buffer`, or nil if it holds only part of one.
    static func read(from buffer: inout ByteBuffer) throws -> ServerFrame? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self),
            buffer.readableBytes >= 4 + Int(length)
        else { return nil }
        let frame = try buffer.withUnsafeReadableBytes { bytes in
            try parse(bytes, range: 4..<(4 + Int(length)))
        }
        buffer.moveReaderIndex(forwardBy: 4 + Int(length))
        return frame
    }

    private static func parse(_ bytes: UnsafeRawBufferPointer, range: Range<Int>) throws -> ServerFrame {
        var reader = ProtoReader(bytes, range: range)
        var callID: UInt32 = 0
        var frame = ServerFrame.other
        while let (number, wireType) = try reader.nextField() {
            switch (number, wireType) {
            case (1, 0):
                callID = UInt32(truncatingIfNeeded: try reader.varint())
            case (3, 2):
                _ = try reader.lengthDelimited()
                frame = .welcome
            case (5, 2):
                let (payload, _) = try message(bytes, reader.lengthDelimited())
                frame = .data(callID: 0, payloadBytes: payload)
            case (6, 2):
                let (payload, failed) = try message(bytes, reader.lengthDelimited())
                frame = .close(callID: 0, payloadBytes: payload, failed: failed)
            case (10, 2):
                _ = try reader.lengthDelimited()
                frame = .goAway
            default:
                try reader.skip(wireType: wireType)
            }
        }
        switch frame {
        case .close(_, let payload, let failed): return .close(callID: callID, payloadBytes: payload, failed: failed)
        case .data(_, let payload): return .data(callID: callID, payloadBytes: payload)
        default: return frame
        }
    }

    /// The payload size of a `Close` or `StreamMessage` (field 1), and whether field 2 (a
    /// `Close`'s status) is present.
    private static func message(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) throws -> (Int, Bool) {
        var reader = ProtoReader(bytes, range: range)
        var payload = 0
        var second = false
        while let (number, wireType) = try reader.nextField() {
            if number == 1, wireType == 2 {
                payload = try reader.lengthDelimited().count
            } else {
                second = second || number == 2
                try reader.skip(wireType: wireType)
            }
        }
        return (payload, second)
    }

    static func varintSize(_ value: UInt64) -> Int {
        var size = 1
        var rest = value >> 7
        while rest != 0 {
            size += 1
            rest >>= 7
        }
        return size
    }

    static func writeVarint(_ value: UInt64, into buffer: inout ByteBuffer) {
        var rest = value
        while rest >= 0x80 {
            buffer.writeInteger(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        buffer.writeInteger(UInt8(rest))
    }

    /// Checks the hand-written frames against the codec; stops the run if they disagree.
    static func selfCheck() {
        let payload = BenchWork.unaryRequestBytes
        for id: UInt32 in [1, 200, 20_000, 3_000_000] {
            var mine = ByteBuffer()
            writeOpen(callID: id, method: Method.membersGet.rawValue, payload: payload, into: &mine)
            let codec = encode(Frame(callId: id, body: .open(Open(method: .membersGet, payload: payload))))
            precondition(mine == codec, "hand-written Open frame differs from the codec's for call \(id)")
            var update = ByteBuffer()
            writeWindowUpdate(callID: id, messages: 32, into: &update)
            precondition(
                update == encode(Frame(callId: id, body: .windowUpdate(WindowUpdate(messages: 32)))),
                "hand-written window update differs from the codec's"
            )
            let response = try! MemberResponse(member: Member(id: BenchWork.requestID)).serializedBytes()
            var close = encode(Frame(callId: id, body: .close(Close(payload: response))))
            precondition(
                try! read(from: &close) == .close(callID: id, payloadBytes: response.count, failed: false),
                "the frame reader misreads a Close"
            )
            var failed = encode(ServerConnectionStateMachine.close(id, .internal, "x"))
            precondition(try! read(from: &failed) == .close(callID: id, payloadBytes: 0, failed: true))
        }
    }
}
