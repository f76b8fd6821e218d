/// Comma-separated values as RFC 4180 describes them: CRLF line ends, fields that hold a comma,
/// a double quote, CR or LF are enclosed in double quotes, and a double quote inside is doubled.
public enum CSV {
    /// One record, ending with CRLF.
    public static func record(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }

    /// One field, quoted when RFC 4180 requires it. A field starting with a space is quoted too,
    /// so spreadsheets keep the space.
    public static func field(_ text: String) -> String {
        let needsQuotes =
            text.contains { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
            || text.hasPrefix(" ") || text.hasSuffix(" ")
        guard needsQuotes else { return text }
        var quoted = "\""
        for character in text {
            if character == "\"" { quoted += "\"\"" } else { quoted.append(character) }
        }
        return quoted + "\""
    }

    /// Parses CSV text (RFC 4180, CRLF or LF line ends) into records; a trailing empty line is
    /// ignored. Throws on a quote that is never closed.
    public static func parse(_ text: String) throws(CSVSyntaxError) -> [[String]] {
        var records: [[String]] = []
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var afterQuote = false
        var line = 1
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let value = pending {
                pending = nil
                return value
            }
            return iterator.next()
        }
        var sawAnything = false
        while let scalar = next() {
            sawAnything = true
            if inQuotes {
                if scalar == "\"" {
                    if let following = next() {
                        if following == "\"" {
                            field.unicodeScalars.append("\"")
                        } else {
                            inQuotes = false
                            afterQuote = true
                            pending = following
                        }
                    } else {
                        inQuotes = false
                        afterQuote = true
                    }
                } else {
                    if scalar == "\n" { line += 1 }
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"" where field.isEmpty && !afterQuote:
                inQuotes = true
            case ",":
                fields.append(field)
                field = ""
                afterQuote = false
            case "\r":
                continue
            case "\n":
                fields.append(field)
                records.append(fields)
                fields = []
                field = ""
                afterQuote = false
                line += 1
            default:
                field.unicodeScalars.append(scalar)
            }
        }
        if inQuotes { throw CSVSyntaxError(line: line, message: "a quoted field is never closed") }
        if sawAnything && (!field.isEmpty || !fields.isEmpty || afterQuote) {
            fields.append(field)
            records.append(fields)
        }
        return records
    }
}

/// A CSV input that cannot be read.
public struct CSVSyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Line where the problem was found.
    public var line: Int
    /// What is wrong.
    public var message: String

    /// "invalid CSV at line N: …".
    public var description: String { "invalid CSV at line \(line): \(message)" }
}
