/// Appends proto3 JSON tokens to a byte buffer.
///
/// Hand-written because no listed library writes JSON without Foundation and with the proto3
/// rules (64-bit integers as strings, `NaN`/`Infinity` as strings, bytes as base64).
struct JSONWriter {
    /// The JSON written so far, as UTF-8.
    private(set) var bytes: [UInt8] = []
    private let prettyPrinted: Bool
    /// One entry per open object or array: whether it already holds a member or element.
    private var containerHasContent: [Bool] = []

    init(prettyPrinted: Bool) {
        self.prettyPrinted = prettyPrinted
        bytes.reserveCapacity(256)
    }

    mutating func beginObject() {
        bytes.append(UInt8(ascii: "{"))
        containerHasContent.append(false)
    }

    mutating func endObject() {
        closeContainer(UInt8(ascii: "}"))
    }

    mutating func beginArray() {
        bytes.append(UInt8(ascii: "["))
        containerHasContent.append(false)
    }

    mutating func endArray() {
        closeContainer(UInt8(ascii: "]"))
    }

    /// Starts an object member: separator, quoted key and colon.
    mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        if prettyPrinted { bytes.append(UInt8(ascii: " ")) }
    }

    /// Starts an array element.
    mutating func arrayElement() {
        separate()
    }

    mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x08: bytes.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0..<0x20:
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func int32(_ value: Int32) { raw(String(value)) }
    mutating func uint32(_ value: UInt32) { raw(String(value)) }
    /// 64-bit integers are strings in proto3 JSON, so that JavaScript keeps every digit.
    mutating func int64(_ value: Int64) { string(String(value)) }
    mutating func uint64(_ value: UInt64) { string(String(value)) }
    mutating func bool(_ value: Bool) { raw(value ? "true" : "false") }

    mutating func double(_ value: Double) {
        if value.isNaN {
            string("NaN")
        } else if value.isInfinite {
            string(value < 0 ? "-Infinity" : "Infinity")
        } else if value == value.rounded(), abs(value) < 1e15 {
            // Integral values print without the ".0" Swift's description adds.
            raw(String(Int64(value)) == "0" && value.sign == .minus ? "-0" : String(Int64(value)))
        } else {
            raw(value.description)
        }
    }

    mutating func float(_ value: Float) {
        if value.isNaN || value.isInfinite || (value == value.rounded() && abs(value) < 1e7) {
            double(Double(value))
        } else {
            raw(value.description)
        }
    }

    /// Bytes are standard base64 with padding.
    mutating func bytes(_ value: [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        Base64.encode(value, into: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// An enum by its name, or by its number when this build does not know the number.
    mutating func enumValue(_ number: Int32, name: String?) {
        if let name { string(name) } else { int32(number) }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private mutating func raw(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    private mutating func separate() {
        guard let hasContent = containerHasContent.last else { return }
        if hasContent { bytes.append(UInt8(ascii: ",")) }
        containerHasContent[containerHasContent.count - 1] = true
        newline()
    }

    private mutating func closeContainer(_ byte: UInt8) {
        let hadContent = containerHasContent.removeLast()
        if hadContent { newline() }
        bytes.append(byte)
    }

    private mutating func newline() {
        guard prettyPrinted else { return }
        bytes.append(0x0A)
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * containerHasContent.count))
    }
}
