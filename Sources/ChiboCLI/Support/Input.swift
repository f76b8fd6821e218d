import ChiboCodec
import ChiboModel
import Foundation

/// Reads request data: JSON given inline, `@FILE`, or `-` for standard input, and files of
/// records in JSON, JSON Lines or CSV.
public enum Input {
    /// The text of `-d`: the argument itself, the file after `@`, or standard input for `-`.
    public static func text(_ argument: String) throws(CLIFailure) -> String {
        if argument == "-" { return readStandardInput() }
        if argument.hasPrefix("@") { return try file(String(argument.dropFirst())) }
        return argument
    }

    /// All of standard input.
    public static func readStandardInput() -> String {
        String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
    }

    /// The contents of a file (`-` for standard input).
    public static func file(_ path: String) throws(CLIFailure) -> String {
        if path == "-" { return readStandardInput() }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIFailure.local("cannot read \(path)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The records of a file as JSON trees of the message `messageName`: a JSON object or array,
    /// JSON Lines (`.jsonl`), or CSV (`.csv`, a header of field names, see `csvRecords`).
    public static func records(path: String, messageName: String) throws(CLIFailure) -> [JSONValue] {
        let text = try file(path)
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") { return try csvRecords(text, messageName: messageName, source: path) }
        do {
            if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") { return try JSONValue.parseLines(text) }
            let tree = try JSONValue.parse(text)
            if case .array(let items) = tree { return items }
            return [tree]
        } catch {
            throw CLIFailure.local("\(path): \(error)")
        }
    }

    /// CSV rows as JSON trees of `messageName`. The header names fields by proto or JSON name,
    /// with dots for sub-messages (`valid.from`); dates are YYYY-MM-DD; enum values may be given
    /// by short name ("official"); repeated scalar fields take values separated by ";"; empty
    /// cells are left out.
    public static func csvRecords(_ text: String, messageName: String, source: String) throws(CLIFailure) -> [JSONValue]
    {
        let rows: [[String]]
        do {
            rows = try CSV.parse(text)
        } catch {
            throw CLIFailure.local("\(source): \(error)")
        }
        guard let header = rows.first else { return [] }
        guard let message = SchemaDescription.message(named: messageName) else {
            throw CLIFailure.local("unknown message \(messageName)")
        }
        var records: [JSONValue] = []
        for (index, row) in rows.dropFirst().enumerated() where !(row.count == 1 && row[0].isEmpty) {
            var tree = JSONValue.object([])
            for (column, name) in header.enumerated() where column < row.count && !row[column].isEmpty {
                let path = name.trimmingSpaces.split(separator: ".").map(String.init)
                do {
                    try set(&tree, path: path[...], text: row[column], message: message)
                } catch {
                    throw CLIFailure.local("\(source) line \(index + 2), column \(name): \(error.text)")
                }
            }
            records.append(tree)
        }
        return records
    }

    /// A CSV cell that does not fit its field.
    struct CellError: Error {
        var text: String
    }

    private static func set(
        _ tree: inout JSONValue,
        path: ArraySlice<String>,
        text: String,
        message: MessageDescription
    ) throws(CellError) {
        guard let name = path.first, let field = message.field(named: name) else {
            throw CellError(text: "\(message.name) has no field \(path.first ?? "")")
        }
        let value: JSONValue
        if path.count > 1 {
            guard field.type == "message", !field.repeated, let sub = SchemaDescription.message(named: field.typeName)
            else { throw CellError(text: "\(field.name) has no sub-fields") }
            var inner = tree[field.jsonName] ?? .object([])
            try set(&inner, path: path.dropFirst(), text: text, message: sub)
            value = inner
        } else if field.repeated {
            let parts = text.split(separator: ";").map { String($0).trimmingSpaces }
            var items: [JSONValue] = []
            for part in parts { items.append(try scalar(part, field: field)) }
            value = .array(items)
        } else {
            value = try scalar(text, field: field)
        }
        var members = tree.members.filter { $0.0 != field.jsonName }
        members.append((field.jsonName, value))
        tree = .object(members)
    }

    private static func scalar(_ text: String, field: FieldDescription) throws(CellError) -> JSONValue {
        switch field.type {
        case "message" where field.typeName == "chibo.v1.Date":
            do {
                let date = try Values.date(text, option: field.name)
                return .object([
                    ("year", .number("\(date.year)")), ("month", .number("\(date.month)")),
                    ("day", .number("\(date.day)")),
                ])
            } catch {
                throw CellError(text: "expected a date as YYYY-MM-DD, got \"\(text)\"")
            }
        case "message":
            do {
                return try JSONValue.parse(text)
            } catch {
                throw CellError(text: "expected a JSON object: \(error)")
            }
        case "enum":
            do {
                let number = try Values.enumNumber(text, enumName: field.typeName, option: field.name)
                let name = SchemaDescription.enumType(named: field.typeName)?.values.first { $0.number == number }?.name
                return name.map(JSONValue.string) ?? .number(String(number))
            } catch {
                throw CellError(text: error.lines.joined().replacing("error: ", with: ""))
            }
        case "bool":
            switch text.lowercased().trimmingSpaces {
            case "true", "yes", "1", "có", "x": return .bool(true)
            case "false", "no", "0", "không", "": return .bool(false)
            default: throw CellError(text: "expected true or false, got \"\(text)\"")
            }
        case "string", "bytes":
            return .string(text)
        default:
            let trimmed = text.trimmingSpaces
            guard Double(trimmed) != nil else { throw CellError(text: "expected a number, got \"\(text)\"") }
            return .number(trimmed)
        }
    }

    /// Decodes a message from a JSON tree, naming the source on failure.
    public static func message<M: ProtoMessage>(
        _ type: M.Type,
        from tree: JSONValue,
        source: String
    ) throws(CLIFailure) -> M {
        do {
            return try M(jsonString: tree.serialized())
        } catch {
            throw CLIFailure.local("\(source): not a valid \(M.protoMessageName): \(error)")
        }
    }
}
