/// Reads protobuf fields from raw bytes: just enough to walk a Chibo `Frame` on the load
/// generator's hot path without building model values.
struct ProtoReader {
    /// A malformed encoding.
    struct Malformed: Error {}

    private let bytes: UnsafeRawBufferPointer
    private(set) var index: Int
    private let end: Int

    init(_ bytes: UnsafeRawBufferPointer, range: Range<Int>? = nil) {
        self.bytes = bytes
        self.index = range?.lowerBound ?? 0
        self.end = range?.upperBound ?? bytes.count
    }

    /// The next field's number and wire type, or nil at the end.
    mutating func nextField() throws -> (number: Int, wireType: Int)? {
        guard index < end else { return nil }
        let tag = try varint()
        return (Int(tag >> 3), Int(tag & 7))
    }

    mutating func varint() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while index < end, shift < 64 {
            let byte = bytes[index]
            index += 1
            value |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        throw Malformed()
    }

    /// The range of a length-delimited field's contents.
    mutating func lengthDelimited() throws -> Range<Int> {
        let length = Int(try varint())
        guard length <= end - index else { throw Malformed() }
        defer { index += length }
        return index..<(index + length)
    }

    /// Skips a field of the given wire type.
    mutating func skip(wireType: Int) throws {
        switch wireType {
        case 0: _ = try varint()
        case 1: index += 8
        case 2: _ = try lengthDelimited()
        case 5: index += 4
        default: throw Malformed()
        }
        guard index <= end else { throw Malformed() }
    }
}
