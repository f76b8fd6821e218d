import ChiboCodec
import Foundation

/// The output formats of `-o`.
public enum OutputFormat: String, CaseIterable, Sendable {
    /// Columns aligned for people; the default when standard output is a terminal. Cells
    /// longer than 48 columns are cut with "…".
    case table
    /// A table whose cells are never cut.
    case wide
    /// Canonical proto3 JSON: an object for one record, an array for a list; the default
    /// otherwise. The change feed with `--follow` writes one object per line (JSON Lines).
    case json
    /// RFC 4180 CSV with a header of stable column keys.
    case csv
    /// YAML of the same tree as JSON.
    case yaml
}

/// Where output goes: data to standard output, messages to standard error.
public struct Console: Sendable {
    /// Writes to standard output.
    public var out: @Sendable (String) -> Void
    /// Writes to standard error.
    public var err: @Sendable (String) -> Void

    /// Creates a console.
    public init(out: @escaping @Sendable (String) -> Void, err: @escaping @Sendable (String) -> Void) {
        self.out = out
        self.err = err
    }

    /// The process's standard output and standard error.
    /// A closed pipe on standard output ends the process quietly with status 0 (see
    /// `StandardStreams`).
    public static let standard = Console(
        out: { text in StandardStreams.out(text) },
        err: { text in StandardStreams.err(text) }
    )

    /// Whether standard output is a terminal.
    public static var stdoutIsTerminal: Bool { isatty(1) == 1 }
}

/// Renders records in the chosen format and writes them to the console.
public struct Printer: Sendable {
    /// The format.
    public var format: OutputFormat
    /// Labels and values for people.
    public var language: Language
    /// Terminal colours.
    public var style: TerminalStyle
    /// Where text goes.
    public var console: Console

    /// Creates a printer.
    public init(format: OutputFormat, language: Language, style: TerminalStyle, console: Console) {
        self.format = format
        self.language = language
        self.style = style
        self.console = console
    }

    /// The presenter for the format: labels for tables, stable values otherwise.
    public var presenter: Presenter { Presenter(language: language, raw: !isTable) }

    /// Whether the format is a table for people (`table` or `wide`).
    public var isTable: Bool { format == .table || format == .wide }

    /// A table renderer for the format: cells cut at `maxWidth` columns, or never with `-o wide`.
    public func renderer(rightAligned: Set<Int> = [], maxWidth: Int = 48) -> TableRenderer {
        TableRenderer(
            style: style,
            maxColumnWidth: format == .wide ? Int.max / 2 : maxWidth,
            rightAligned: rightAligned
        )
    }

    /// A list of records.
    public func list<Row: ProtoMessage>(_ rows: [Row], columns: [Column<Row>]) {
        console.out(renderList(rows, columns: columns))
    }

    /// One record: a two-column FIELD/VALUE table, or a JSON object, a YAML mapping, a CSV file
    /// of one row.
    public func single<Row: ProtoMessage>(_ row: Row, columns: [Column<Row>]) {
        console.out(renderSingle(row, columns: columns))
    }

    /// Messages of any type (for `chibo call`): JSON and YAML as usual, tables and CSV with a
    /// column for each top-level field that any of them sets.
    public func generic(_ values: [JSONValue], single: Bool) {
        switch format {
        case .json:
            console.out((single && values.count == 1 ? values[0] : .array(values)).serialized(pretty: true) + "\n")
        case .yaml:
            console.out(YAMLEmitter.emit(single && values.count == 1 ? values[0] : .array(values)))
        case .csv, .table, .wide:
            var keys: [String] = []
            for value in values {
                for (key, _) in value.members where !keys.contains(key) { keys.append(key) }
            }
            let rows = values.map { value in keys.map { Self.flatText(value[$0]) } }
            if format == .csv {
                console.out(CSV.record(keys) + rows.map { CSV.record($0) }.joined())
            } else {
                let renderer = renderer()
                console.out(renderer.render(headers: keys, rows: rows.map { $0.map { TableCell($0) } }))
            }
        }
    }

    /// Renders a list.
    public func renderList<Row: ProtoMessage>(_ rows: [Row], columns all: [Column<Row>]) -> String {
        let presenter = self.presenter
        let columns = all.filter { $0.isShown(inTable: isTable) }
        switch format {
        case .json:
            return JSONValue.array(rows.map(Self.tree)).serialized(pretty: true) + "\n"
        case .yaml:
            return YAMLEmitter.emit(.array(rows.map(Self.tree)))
        case .csv:
            return CSV.record(columns.map(\.key))
                + rows.map { row in CSV.record(columns.map { $0.value(row, presenter).text }) }.joined()
        case .table, .wide:
            let numeric = Set(columns.indices.filter { columns[$0].numeric })
            let renderer = renderer(rightAligned: numeric)
            return renderer.render(
                headers: columns.map { $0.header(language) },
                rows: rows.map { row in columns.map { $0.value(row, presenter) } }
            )
        }
    }

    /// Renders one record.
    public func renderSingle<Row: ProtoMessage>(_ row: Row, columns: [Column<Row>]) -> String {
        let presenter = self.presenter
        switch format {
        case .json: return Self.tree(row).serialized(pretty: true) + "\n"
        case .yaml: return YAMLEmitter.emit(Self.tree(row))
        case .csv: return renderList([row], columns: columns)
        case .table, .wide:
            let renderer = renderer(maxWidth: 100)
            return renderer.render(
                headers: [presenter.text("FIELD", "TRƯỜNG"), presenter.text("VALUE", "GIÁ TRỊ")],
                rows: columns.filter { $0.isShown(inTable: true) }.map {
                    [TableCell($0.header(language)), $0.value(row, presenter)]
                }
            )
        }
    }

    /// A message's canonical proto3 JSON as a tree.
    public static func tree<Row: ProtoMessage>(_ row: Row) -> JSONValue {
        // The codec writes valid JSON; parsing it back cannot fail.
        (try? JSONValue.parse(row.jsonString())) ?? .null
    }

    /// A JSON value in one cell: scalars as text, dates as YYYY-MM-DD, anything else as compact JSON.
    static func flatText(_ value: JSONValue?) -> String {
        guard let value else { return "" }
        if let text = value.scalarText { return text }
        if case .object = value, let year = value["year"]?.intValue, value.members.count <= 3,
            value.members.allSatisfy({ ["year", "month", "day"].contains($0.0) })
        {
            let date = CalendarDateText(
                year: year,
                month: value["month"]?.intValue ?? 0,
                day: value["day"]?.intValue ?? 0
            )
            return date.text
        }
        if case .null = value { return "" }
        return value.serialized()
    }
}

/// A date from JSON parts, as YYYY-MM-DD.
struct CalendarDateText {
    var year: Int
    var month: Int
    var day: Int

    var text: String {
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(year)-\(two(month))-\(two(day))"
    }
}
