/// The kind of a parsed JSON value.
enum JSONKind: Equatable {
    case object, array, string, number, bool, null

    /// How an error message names the kind.
    var name: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }
}

/// A parsed JSON text: every value as one entry of a flat array, linked to its parent so that an
/// error can name the path of the value at fault (`attendance[3].reason`).
final class JSONDocument {
    struct Entry {
        var kind: JSONKind
        /// Byte offset of the value's first byte in the input.
        var offset: Int
        /// Index of the enclosing object or array; -1 for the root.
        var parent: Int
        /// The member name, for a value inside an object.
        var key: String?
        /// The position, for a value inside an array.
        var arrayIndex: Int
        /// First child of an object or array; -1 when empty.
        var firstChild: Int = -1
        /// Next member or element of the same parent; -1 at the end.
        var nextSibling: Int = -1
        /// Decoded string value, or the literal text of a number.
        var text: String?
        /// The value of a boolean.
        var boolValue: Bool = false
    }

    var entries: [Entry] = []

    /// The top-level value.
    var root: JSONNode { JSONNode(document: self, index: 0) }

    /// The field path of an entry: member names joined by dots, array positions in brackets.
    func path(of index: Int) -> String? {
        var components: [String] = []
        var current = index
        while current > 0 {
            let entry = entries[current]
            if let key = entry.key {
                components.append(key)
            } else {
                components.append("[\(entry.arrayIndex)]")
            }
            current = entry.parent
        }
        guard !components.isEmpty else { return nil }
        var path = ""
        for component in components.reversed() {
            if !path.isEmpty && !component.hasPrefix("[") { path += "." }
            path += component
        }
        return path
    }
}
