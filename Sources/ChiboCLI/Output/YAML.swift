/// Writes a JSON tree as YAML 1.2 block style: mappings and sequences indented by two spaces,
/// strings quoted whenever a plain scalar could be read back as something else.
public enum YAMLEmitter {
    /// The document for `value`, ending with a newline.
    public static func emit(_ value: JSONValue) -> String {
        var out = ""
        write(value, indent: 0, into: &out, inSequence: false)
        if !out.hasSuffix("\n") { out += "\n" }
        return out
    }

    private static func write(_ value: JSONValue, indent: Int, into out: inout String, inSequence: Bool) {
        let pad = String(repeating: "  ", count: indent)
        switch value {
        case .array(let values) where !values.isEmpty:
            for (index, element) in values.enumerated() {
                let prefix = (index == 0 && inSequence) ? "" : pad
                switch element {
                case .object(let members) where !members.isEmpty:
                    out += prefix + "- "
                    write(element, indent: indent + 1, into: &out, inSequence: true)
                case .array(let inner) where !inner.isEmpty:
                    out += prefix + "- "
                    write(element, indent: indent + 1, into: &out, inSequence: true)
                default:
                    out += prefix + "- " + scalar(element) + "\n"
                }
            }
        case .object(let members) where !members.isEmpty:
            for (index, (key, member)) in members.enumerated() {
                let prefix = (index == 0 && inSequence) ? "" : pad
                switch member {
                case .object(let inner) where !inner.isEmpty:
                    out += prefix + quoteIfNeeded(key) + ":\n"
                    write(member, indent: indent + 1, into: &out, inSequence: false)
                case .array(let inner) where !inner.isEmpty:
                    out += prefix + quoteIfNeeded(key) + ":\n"
                    write(member, indent: indent + 1, into: &out, inSequence: false)
                default:
                    out += prefix + quoteIfNeeded(key) + ": " + scalar(member) + "\n"
                }
            }
        default:
            out += (inSequence ? "" : pad) + scalar(value) + "\n"
        }
    }

    private static func scalar(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): flag ? "true" : "false"
        case .number(let text): text
        case .string(let text): quoteIfNeeded(text)
        case .array: "[]"
        case .object: "{}"
        }
    }

    /// Plain when safe, otherwise double-quoted with JSON escapes (valid YAML too).
    static func quoteIfNeeded(_ text: String) -> String {
        if text.isEmpty { return "\"\"" }
        let reserved: Set<String> = ["true", "false", "null", "yes", "no", "on", "off", "~", "y", "n"]
        let special: Set<Character> = [
            ":", "#", "{", "}", "[", "]", ",", "&", "*", "!", "|", ">", "'", "\"", "%", "@", "`", "\\",
        ]
        let first = text.first!
        let needsQuotes =
            reserved.contains(text.lowercased())
            || Double(text) != nil
            || text.contains(where: { special.contains($0) || $0.isNewline || $0 == "\t" })
            || first == "-" || first == "?" || first == " " || text.last == " "
            || text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
        return needsQuotes ? JSONValue.quoted(text) : text
    }
}
