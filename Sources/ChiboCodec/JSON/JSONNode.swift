/// One value of a parsed JSON document, with typed accessors that apply the proto3 JSON rules
/// and throw a `CodecError` naming the value's path and byte offset.
struct JSONNode {
    let document: JSONDocument
    let index: Int

    private var entry: JSONDocument.Entry { document.entries[index] }

    var kind: JSONKind { entry.kind }
    var isNull: Bool { entry.kind == .null }
    /// Byte offset of the value in the input.
    var offset: Int { entry.offset }
    /// Path of the value from the top-level object, for example `attendance[3].reason`.
    var path: String? { document.path(of: index) }

    /// An error about this value.
    func error(_ code: CodecError.Code, _ message: String) -> CodecError {
        CodecError(code: code, message: message, messageType: "", field: path, offset: offset)
    }

    private func mismatch(_ expected: String) -> CodecError {
        error(.invalidValue, "expected \(expected), found \(kind.name)")
    }

    /// Members of an object, in input order.
    func objectMembers() throws(CodecError) -> [(String, JSONNode)] {
        guard kind == .object else { throw mismatch("an object") }
        var members: [(String, JSONNode)] = []
        var child = entry.firstChild
        while child >= 0 {
            members.append((document.entries[child].key ?? "", JSONNode(document: document, index: child)))
            child = document.entries[child].nextSibling
        }
        return members
    }

    /// Elements of an array, in order. Nulls are not allowed in repeated fields.
    func arrayElements() throws(CodecError) -> [JSONNode] {
        guard kind == .array else { throw mismatch("an array") }
        var elements: [JSONNode] = []
        var child = entry.firstChild
        while child >= 0 {
            let element = JSONNode(document: document, index: child)
            if element.isNull { throw element.error(.invalidValue, "null is not allowed in a repeated field") }
            elements.append(element)
            child = document.entries[child].nextSibling
        }
        return elements
    }

    func string() throws(CodecError) -> String {
        guard kind == .string, let text = entry.text else { throw mismatch("a string") }
        return text
    }

    func bool() throws(CodecError) -> Bool {
        guard kind == .bool else { throw mismatch("true or false") }
        return entry.boolValue
    }

    func int32() throws(CodecError) -> Int32 { try integer(Int32.self) }
    func uint32() throws(CodecError) -> UInt32 { try integer(UInt32.self) }
    func int64() throws(CodecError) -> Int64 { try integer(Int64.self) }
    func uint64() throws(CodecError) -> UInt64 { try integer(UInt64.self) }

    /// An integer from a JSON number or a string holding one (proto3 JSON accepts both, and
    /// exponent forms such as `1e3` when the value is integral).
    private func integer<Value: FixedWidthInteger>(_ type: Value.Type) throws(CodecError) -> Value {
        guard kind == .number || kind == .string, let text = entry.text else { throw mismatch("an integer") }
        if kind == .string && !Self.isJSONNumber(text) {
            throw error(.invalidValue, "\"\(text)\" is not an integer")
        }
        if let exact = Value(text, radix: 10) {
            return exact
        }
        // Not a plain integer literal: it is either out of range or has a fraction or exponent.
        let isPlainInteger = text.utf8.allSatisfy { $0 == UInt8(ascii: "-") || ($0 >= 0x30 && $0 <= 0x39) }
        if !isPlainInteger, let value = Double(text), value.isFinite, value == value.rounded(.towardZero),
            let exact = Value(exactly: value)
        {
            return exact
        }
        if !isPlainInteger, let value = Double(text), value != value.rounded(.towardZero) {
            throw error(.invalidValue, "\(text) is not an integer")
        }
        throw error(.invalidValue, "\(text) is out of range for \(Value.self)")
    }

    func double() throws(CodecError) -> Double {
        guard let text = entry.text, kind == .number || kind == .string else { throw mismatch("a number") }
        if kind == .string {
            switch text {
            case "NaN": return .nan
            case "Infinity": return .infinity
            case "-Infinity": return -.infinity
            default:
                guard Self.isJSONNumber(text) else { throw error(.invalidValue, "\"\(text)\" is not a number") }
            }
        }
        guard let value = Double(text), value.isFinite else {
            throw error(.invalidValue, "\(text) is out of range for a double")
        }
        return value
    }

    func float() throws(CodecError) -> Float {
        let value = try double()
        if value.isFinite && abs(value) > Double(Float.greatestFiniteMagnitude) {
            throw error(.invalidValue, "\(value) is out of range for a float")
        }
        return Float(value)
    }

    /// A `bytes` field: base64, standard or URL-safe, padded or not.
    func bytes() throws(CodecError) -> [UInt8] {
        guard kind == .string, let text = entry.text else { throw mismatch("a base64 string") }
        switch Base64.decode(text.utf8) {
        case .success(let bytes):
            return bytes
        case .failure(let failure):
            throw CodecError(
                code: .invalidValue,
                message: "invalid base64 at character \(failure.index)",
                messageType: "",
                field: path,
                offset: offset + 1 + failure.index
            )
        }
    }

    /// An enum value by name (looked up with `lookup`) or by number. Unknown numbers are kept,
    /// as proto3 enums are open; unknown names are an error.
    func enumNumber(options: JSONDecodingOptions, lookup: (String) -> Int32?) throws(CodecError) -> Int32 {
        if kind == .string, let name = entry.text {
            guard let number = lookup(name) else { throw error(.invalidValue, "unknown enum value \"\(name)\"") }
            return number
        }
        guard kind == .number else { throw mismatch("an enum name or number") }
        return try int32()
    }

    /// Whether `text` is a JSON number literal, as proto3 JSON allows inside quotes.
    private static func isJSONNumber(_ text: String) -> Bool {
        let result = Array(text.utf8).withUnsafeBytes { buffer -> Bool in
            guard let document = try? JSONParser.parse(buffer, maxDepth: 1) else { return false }
            return document.entries.count == 1 && document.entries[0].kind == .number && buffer.first != 0x20
                && buffer.last != 0x20
        }
        return result
    }
}

/// Tracks the members of one JSON object while a message reads it: a field given twice (for
/// example once as `memberId` and once as `member_id`) or two members of one oneof are errors.
struct JSONFieldTracker {
    let messageName: String
    private var seenNumbers: [Int32] = []
    private var seenOneofs: [(name: String, key: String)] = []

    init(messageName: String) {
        self.messageName = messageName
    }

    mutating func mark(_ number: Int32, key: String, node: JSONNode, oneof: String? = nil) throws(CodecError) {
        if seenNumbers.contains(number) {
            throw node.error(.duplicateField, "field \"\(key)\" of \(messageName) is given more than once")
        }
        seenNumbers.append(number)
        guard let oneof, !node.isNull else { return }
        if let other = seenOneofs.first(where: { $0.name == oneof }) {
            throw node.error(
                .duplicateField,
                "\"\(key)\" and \"\(other.key)\" both set oneof \(oneof) of \(messageName)"
            )
        }
        seenOneofs.append((oneof, key))
    }

    func unknown(key: String, node: JSONNode, options: JSONDecodingOptions) throws(CodecError) {
        if options.ignoreUnknownFields { return }
        throw node.error(.unknownField, "\(messageName) has no field \"\(key)\"")
    }
}
