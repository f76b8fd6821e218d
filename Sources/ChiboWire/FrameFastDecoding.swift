import ChiboModel

/// Reads the frame a busy server receives most, an `Open` in the canonical layout every client
/// writes (call id, then the open with method, deadline and payload, each at most once and in
/// field order), without the codec. Anything else, valid or not, is left to the codec, which
/// gives the same frame for every input read here.
enum FrameFastDecoding {
    /// The frame in `body` if it is a canonically laid out `Open`; nil otherwise.
    static func decodeOpen(_ body: UnsafeRawBufferPointer) -> Frame? {
        var reader = Reader(bytes: body, index: 0, end: body.count)
        var callID: UInt32 = 0
        if reader.peek == 0x08 {  // field 1 (call_id), varint
            reader.index += 1
            guard let value = reader.uint32() else { return nil }
            callID = value
        }
        guard reader.peek == 0x22 else { return nil }  // field 4 (open), length-delimited
        reader.index += 1
        guard let length = reader.uint32(), Int(length) == reader.end - reader.index else { return nil }

        var open = Open()
        if reader.peek == 0x08 {  // Open field 1 (method), varint
            reader.index += 1
            guard let value = reader.uint32(), value <= UInt32(Int32.max) else { return nil }
            open.method = Method(rawValue: Int32(value))
        }
        if reader.peek == 0x10 {  // Open field 2 (timeout_ms), varint
            reader.index += 1
            guard let value = reader.uint32() else { return nil }
            open.timeoutMs = value
        }
        if reader.peek == 0x1a {  // Open field 3 (payload), length-delimited
            reader.index += 1
            guard let count = reader.uint32(), Int(count) <= reader.end - reader.index else { return nil }
            open.payload = Array(UnsafeRawBufferPointer(rebasing: body[reader.index..<(reader.index + Int(count))]))
            reader.index += Int(count)
        }
        guard reader.index == reader.end else { return nil }
        return Frame(callId: callID, body: .open(open))
    }

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var index: Int
        let end: Int

        /// The next byte, or nil at the end.
        var peek: UInt8? { index < end ? bytes[index] : nil }

        /// A varint of at most five bytes whose value fits in 32 bits; nil for anything else.
        mutating func uint32() -> UInt32? {
            var value: UInt64 = 0
            for shift in stride(from: 0, to: 35, by: 7) {
                guard index < end else { return nil }
                let byte = bytes[index]
                index += 1
                value |= UInt64(byte & 0x7f) << UInt64(shift)
                if byte < 0x80 { return value <= UInt64(UInt32.max) ? UInt32(value) : nil }
            }
            return nil
        }
    }
}
