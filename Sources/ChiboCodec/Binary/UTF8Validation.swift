/// UTF-8 validation that reports where the input goes wrong.
///
/// Hand-written: the standard library validates UTF-8 (`String(validating:)`) but cannot say at
/// which byte it failed, and libprotobuf-c does not validate at all. Follows the Unicode table of
/// well-formed byte sequences (no overlong forms, no surrogates, nothing above U+10FFFF) and
/// also rejects U+0000, which a C string would silently cut at.
enum UTF8Validation {
    /// What is wrong with a byte sequence.
    enum Fault: Equatable {
        /// A byte that cannot start or continue a well-formed sequence, at this index.
        case invalid(Int)
        /// A U+0000 byte at this index.
        case nul(Int)
    }

    /// The first fault in `count` bytes at `start`, or nil when they are valid UTF-8 without NUL.
    static func firstFault(_ start: UnsafeRawPointer, count: Int) -> Fault? {
        var i = 0
        // ASCII fast path, eight bytes at a time: no high bit and no zero byte.
        while i + 8 <= count {
            let word = start.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let highBits: UInt64 = 0x8080_8080_8080_8080
            let hasZeroByte = (word &- 0x0101_0101_0101_0101) & ~word & highBits
            if word & highBits != 0 || hasZeroByte != 0 { break }
            i += 8
        }
        let bytes = start.assumingMemoryBound(to: UInt8.self)
        while i < count {
            let lead = bytes[i]
            if lead < 0x80 {
                if lead == 0 { return .nul(i) }
                i += 1
                continue
            }
            let length: Int
            var secondRange: ClosedRange<UInt8> = 0x80...0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0:
                length = 3
                secondRange = 0xA0...0xBF
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED:
                length = 3
                secondRange = 0x80...0x9F
            case 0xF0:
                length = 4
                secondRange = 0x90...0xBF
            case 0xF1...0xF3: length = 4
            case 0xF4:
                length = 4
                secondRange = 0x80...0x8F
            default: return .invalid(i)
            }
            guard i + 1 < count, secondRange.contains(bytes[i + 1]) else { return .invalid(i) }
            var k = 2
            while k < length {
                guard i + k < count, (0x80...0xBF).contains(bytes[i + k]) else { return .invalid(i) }
                k += 1
            }
            i += length
        }
        return nil
    }
}
