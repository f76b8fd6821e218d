/// A strict RFC 8259 parser producing a `JSONDocument`.
///
/// Hand-written: Foundation's JSONSerialization reports neither byte offsets nor the path of a
/// bad value, and no listed package parses JSON. Rejects what proto3 JSON readers must reject
/// (bad UTF-8, lone surrogates, trailing data) and U+0000, which libprotobuf-c's C strings
/// cannot carry, and bounds nesting depth.
struct JSONParser {
    private let bytes: UnsafeRawBufferPointer
    private let maxDepth: Int
    private var position = 0
    private let document = JSONDocument()

    private init(bytes: UnsafeRawBufferPointer, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    /// Parses one JSON value filling the whole input (an initial UTF-8 byte order mark is skipped).
    static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int) throws(CodecError) -> JSONDocument {
        var parser = JSONParser(bytes: bytes, maxDepth: maxDepth)
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF {
            parser.position = 3
        }
        parser.skipWhitespace()
        _ = try parser.parseValue(parent: -1, key: nil, arrayIndex: 0, depth: 0)
        parser.skipWhitespace()
        if parser.position != bytes.count {
            throw parser.failure("unexpected data after the JSON value")
        }
        return parser.document
    }

    private func failure(_ message: String, at offset: Int? = nil, code: CodecError.Code = .invalidJSON) -> CodecError {
        CodecError(code: code, message: message, messageType: "", offset: offset ?? position)
    }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
            position += 1
        }
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws(CodecError) {
        guard current == byte else {
            throw failure(current == nil ? "unexpected end of input, expected \(what)" : "expected \(what)")
        }
        position += 1
    }

    private mutating func append(_ entry: JSONDocument.Entry, previousSibling: Int?) -> Int {
        let index = document.entries.count
        document.entries.append(entry)
        if let previousSibling {
            document.entries[previousSibling].nextSibling = index
        } else if entry.parent >= 0 {
            document.entries[entry.parent].firstChild = index
        }
        return index
    }

    /// Parses the value at the current position; returns its entry index. Siblings are linked by
    /// the caller through `append`.
    private mutating func parseValue(
        parent: Int,
        key: String?,
        arrayIndex: Int,
        depth: Int,
        previousSibling: Int? = nil
    ) throws(CodecError) -> Int {
        let start = position
        var entry = JSONDocument.Entry(kind: .null, offset: start, parent: parent, key: key, arrayIndex: arrayIndex)
        guard let byte = current else { throw failure("unexpected end of input, expected a value") }
        switch byte {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard depth < maxDepth else { throw failure("JSON nests deeper than \(maxDepth) levels") }
            entry.kind = byte == UInt8(ascii: "{") ? .object : .array
            let index = append(entry, previousSibling: previousSibling)
            if entry.kind == .object {
                try parseObjectBody(index, depth: depth + 1)
            } else {
                try parseArrayBody(index, depth: depth + 1)
            }
            return index
        case UInt8(ascii: "\""):
            entry.kind = .string
            entry.text = try parseString()
        case UInt8(ascii: "t"):
            try literal("true")
            entry.kind = .bool
            entry.boolValue = true
        case UInt8(ascii: "f"):
            try literal("false")
            entry.kind = .bool
        case UInt8(ascii: "n"):
            try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            entry.kind = .number
            entry.text = try parseNumber()
        default:
            throw failure("unexpected character '\(Unicode.Scalar(byte))', expected a value")
        }
        return append(entry, previousSibling: previousSibling)
    }

    private mutating func parseObjectBody(_ index: Int, depth: Int) throws(CodecError) {
        position += 1
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            position += 1
            return
        }
        var previous: Int?
        var count = 0
        while true {
            guard current == UInt8(ascii: "\"") else { throw failure("expected a member name in quotes") }
            let key = try parseString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':' after a member name")
            skipWhitespace()
            previous = try parseValue(
                parent: index,
                key: key,
                arrayIndex: count,
                depth: depth,
                previousSibling: previous
            )
            count += 1
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                position += 1
                skipWhitespace()
                continue
            }
            try expect(UInt8(ascii: "}"), "',' or '}' in an object")
            return
        }
    }

    private mutating func parseArrayBody(_ index: Int, depth: Int) throws(CodecError) {
        position += 1
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            position += 1
            return
        }
        var previous: Int?
        var count = 0
        while true {
            previous = try parseValue(
                parent: index,
                key: nil,
                arrayIndex: count,
                depth: depth,
                previousSibling: previous
            )
            count += 1
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                position += 1
                skipWhitespace()
                continue
            }
            try expect(UInt8(ascii: "]"), "',' or ']' in an array")
            return
        }
    }

    private mutating func literal(_ word: StaticString) throws(CodecError) {
        let count = word.utf8CodeUnitCount
        let matches = word.withUTF8Buffer { expected in
            position + count <= bytes.count && (0..<count).allSatisfy { bytes[position + $0] == expected[$0] }
        }
        guard matches else { throw failure("invalid literal, expected \(word)") }
        position += count
    }

    private mutating func parseNumber() throws(CodecError) -> String {
        let start = position
        if current == UInt8(ascii: "-") { position += 1 }
        guard let first = current, isDigit(first) else { throw failure("expected a digit") }
        position += 1
        if first != UInt8(ascii: "0") {
            while let byte = current, isDigit(byte) { position += 1 }
        }
        if current == UInt8(ascii: ".") {
            position += 1
            guard let byte = current, isDigit(byte) else { throw failure("expected a digit after '.'") }
            while let byte = current, isDigit(byte) { position += 1 }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard let byte = current, isDigit(byte) else { throw failure("expected a digit in the exponent") }
            while let byte = current, isDigit(byte) { position += 1 }
        }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// Parses a quoted string at the current position, resolving escapes.
    private mutating func parseString() throws(CodecError) -> String {
        let quote = position
        position += 1
        let contentStart = position
        var decoded: [UInt8] = []
        var hasNonASCII = false
        while true {
            guard let byte = current else { throw failure("unterminated string", at: quote) }
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                if hasNonASCII {
                    let raw = UnsafeRawBufferPointer(rebasing: bytes[contentStart..<(position - 1)])
                    if case .invalid(let index)? = UTF8Validation.firstFault(raw.baseAddress!, count: raw.count) {
                        throw failure("string is not valid UTF-8", at: contentStart + index, code: .invalidUTF8)
                    }
                }
                return String(decoding: decoded, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape(into: &decoded)
            case 0..<0x20:
                throw failure(
                    "control character U+00\(byte < 16 ? "0" : "")\(String(byte, radix: 16)) must be escaped in a string"
                )
            default:
                if byte >= 0x80 { hasNonASCII = true }
                decoded.append(byte)
                position += 1
            }
        }
    }

    private mutating func parseEscape(into decoded: inout [UInt8]) throws(CodecError) {
        let escapeStart = position
        position += 1
        guard let byte = current else { throw failure("unterminated escape") }
        position += 1
        switch byte {
        case UInt8(ascii: "\""): decoded.append(0x22)
        case UInt8(ascii: "\\"): decoded.append(0x5C)
        case UInt8(ascii: "/"): decoded.append(0x2F)
        case UInt8(ascii: "b"): decoded.append(0x08)
        case UInt8(ascii: "f"): decoded.append(0x0C)
        case UInt8(ascii: "n"): decoded.append(0x0A)
        case UInt8(ascii: "r"): decoded.append(0x0D)
        case UInt8(ascii: "t"): decoded.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hexQuad()
            if (0xD800..<0xDC00).contains(scalar) {
                guard current == UInt8(ascii: "\\"), position + 1 < bytes.count,
                    bytes[position + 1] == UInt8(ascii: "u")
                else { throw failure("lone high surrogate in \\u escape", at: escapeStart, code: .invalidUTF8) }
                position += 2
                let low = try hexQuad()
                guard (0xDC00..<0xE000).contains(low) else {
                    throw failure("high surrogate not followed by a low surrogate", at: escapeStart, code: .invalidUTF8)
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw failure("lone low surrogate in \\u escape", at: escapeStart, code: .invalidUTF8)
            }
            if scalar == 0 {
                throw failure(
                    "string holds U+0000, which Chibo strings cannot carry",
                    at: escapeStart,
                    code: .embeddedNUL
                )
            }
            decoded.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
        default:
            throw failure("invalid escape '\\\(Unicode.Scalar(byte))'", at: escapeStart)
        }
    }

    private mutating func hexQuad() throws(CodecError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current else { throw failure("unterminated \\u escape") }
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw failure("expected a hexadecimal digit in \\u escape")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }
}
