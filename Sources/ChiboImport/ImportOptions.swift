import Foundation

/// What kind of record an import file holds. One file holds one kind.
public enum ImportEntity: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Org units (`OrgUnit`): the cells and committees of the tree.
    case orgUnits = "org_units"
    /// Members (`Member`): a roster.
    case members
    /// Status events (`StatusEvent`) of members named by their natural key.
    case statusEvents = "status_events"
    /// Meetings (`Meeting`) with their attendance.
    case meetings
    /// Resolutions (`Resolution`) naming the meeting that adopted them.
    case resolutions
    /// Yearly evaluations (`Evaluation`) of cells and members.
    case evaluations

    /// The name used in options and documents, for example `status_events`.
    public var description: String { rawValue }

    /// Looks an entity up by name, accepting `-` for `_` (`status-events`).
    public init?(name: String) {
        self.init(rawValue: name.lowercased().replacingOccurrences(of: "-", with: "_"))
    }
}

/// The layout of an import file.
public enum ImportFormat: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Comma-, semicolon- or tab-separated values with a header row.
    case csv
    /// JSON Lines: one proto3 JSON message per line.
    case jsonLines = "jsonl"
    /// Varint-delimited protobuf: each message preceded by its length as a varint
    /// (protobuf's `writeDelimitedTo` convention).
    case delimitedProtobuf = "delimited"
    /// An Excel workbook (Office Open XML, `.xlsx`): one sheet of it, read like a CSV file.
    case xlsx

    /// The name used in options, for example `jsonl`.
    public var description: String { rawValue }

    /// The format a file name's extension implies: `.csv`, `.tsv`, `.txt` are CSV; `.jsonl`,
    /// `.ndjson` JSON Lines; `.binpb`, `.pb`, `.delimited` delimited protobuf; `.xlsx`, `.xlsm` a
    /// workbook. Nil for any other.
    public init?(fileExtensionOf path: String) {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        self.init(name: String(name[name.index(after: dot)...]))
    }

    /// Parses a `--format` value or an extension: `csv`, `tsv`, `txt`, `jsonl`, `ndjson`,
    /// `binpb`, `pb`, `delimited`, `xlsx`, `xlsm`; case does not matter.
    public init?(name: String) {
        switch name.lowercased() {
        case "csv", "tsv", "txt": self = .csv
        case "jsonl", "ndjson", "json-lines", "jsonlines": self = .jsonLines
        case "binpb", "pb", "delimited", "protobuf": self = .delimitedProtobuf
        case "xlsx", "xlsm": self = .xlsx
        default: return nil
        }
    }
}

/// How the bytes of a CSV file map to characters. JSON Lines is always UTF-8 and delimited
/// protobuf carries UTF-8 strings by definition.
public enum TextEncoding: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// UTF-8, with or without a byte order mark. The default.
    case utf8 = "utf-8"
    /// Windows code page 1258, what Excel on a Vietnamese Windows writes as "CSV (Comma
    /// delimited)". Tone marks may come as combining characters; text is normalised to NFC.
    case windows1258 = "windows-1258"
    /// TCVN3 (the ABC standard, TCVN 5712 VN3), text typed with the legacy `.Vn` fonts such as
    /// `.VnTime`: raw bytes, or the same bytes already passed through UTF-8 by a spreadsheet.
    case tcvn3

    /// The name used in options, for example `windows-1258`.
    public var description: String { rawValue }

    /// Parses an `--encoding` value: `utf-8`/`utf8`, `windows-1258`/`cp1258`, `tcvn3`/`abc`.
    public init?(name: String) {
        switch name.lowercased().replacingOccurrences(of: "_", with: "-") {
        case "utf-8", "utf8": self = .utf8
        case "windows-1258", "cp1258", "cp-1258", "windows1258": self = .windows1258
        case "tcvn3", "tcvn", "abc", "tcvn-3", "tcvn5712": self = .tcvn3
        default: return nil
        }
    }
}

/// The field separator of a CSV file.
public enum CSVDelimiter: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// `,`
    case comma = ","
    /// `;`, what Excel writes where the decimal separator is a comma.
    case semicolon = ";"
    /// A tab character (`.tsv`).
    case tab = "\t"

    /// The delimiter's byte.
    var byte: UInt8 { rawValue.utf8.first! }

    /// A readable name: `comma`, `semicolon` or `tab`.
    public var description: String {
        switch self {
        case .comma: "comma"
        case .semicolon: "semicolon"
        case .tab: "tab"
        }
    }

    /// Parses `,`, `;`, `\t`, `tab`, `comma` or `semicolon`.
    public init?(name: String) {
        switch name.lowercased() {
        case ",", "comma": self = .comma
        case ";", "semicolon": self = .semicolon
        case "\t", "\\t", "tab": self = .tab
        default: return nil
        }
    }
}

/// A user's mapping of one header, as written in the file, to a field of the entity:
/// `"Số thẻ=party_card_number"`. Headers are compared ignoring case, spaces, punctuation and
/// diacritics, as every header is.
public struct ColumnMapping: Hashable, Sendable, CustomStringConvertible {
    /// The header as the user typed it.
    public var column: String
    /// The field's English name, for example `party_card_number`.
    public var field: String

    /// Creates a mapping.
    public init(column: String, field: String) {
        self.column = column
        self.field = field
    }

    /// Parses `column=field`; nil when there is no `=` or either side is empty.
    public init?(parsing text: String) {
        guard let equals = text.lastIndex(of: "=") else { return nil }
        let column = text[..<equals].trimmingCharacters(in: .whitespaces)
        let field = text[text.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        guard !column.isEmpty, !field.isEmpty else { return nil }
        self.init(column: column, field: field)
    }

    /// `column=field`.
    public var description: String { "\(column)=\(field)" }
}

/// Where an import file's bytes come from.
public enum ImportSource: Hashable, Sendable, CustomStringConvertible {
    /// A file on disk, read in chunks.
    case file(path: String)
    /// Bytes already in memory (tests, uploads), with a name for messages.
    case bytes(name: String, [UInt8])

    /// The path or name, as messages show it.
    public var name: String {
        switch self {
        case .file(let path): path
        case .bytes(let name, _): name
        }
    }

    /// The path or name.
    public var description: String { name }
}

/// How to read an import file.
public struct ImportOptions: Hashable, Sendable {
    /// What the file holds.
    public var entity: ImportEntity
    /// The layout; nil to take it from the file name's extension.
    public var format: ImportFormat?
    /// The character encoding of a CSV file.
    public var encoding: TextEncoding
    /// The CSV delimiter; nil to detect it from the first lines (`.tsv` files default to tab).
    public var delimiter: CSVDelimiter?
    /// The user's `column=field` mappings, applied before the built-in names.
    public var columnMappings: [ColumnMapping]
    /// For meetings only: a second CSV file holding the attendance, one row per member per
    /// meeting, joined to the meetings file by the `meeting_key` column. Nil when attendance
    /// rows repeat the meeting's columns in one file.
    public var attendance: ImportSource?
    /// Bytes read from the file at a time.
    public var chunkSize: Int
    /// Largest CSV row, JSON line or protobuf message accepted, in bytes. A CSV row that grows
    /// past it (usually a quote that is never closed) stops the import.
    public var maxRecordBytes: Int
    /// Most attendance rows one meeting may have; a meeting with more is rejected row by row.
    public var maxRowsPerMeeting: Int
    /// The sheet of a workbook to read: its name, or its number from 1; nil for the first.
    public var sheet: String?
    /// What a workbook may make the reader inflate and hold.
    public var xlsxLimits = XLSXLimits()

    /// Creates options: UTF-8, format from the extension, delimiter detected.
    public init(
        entity: ImportEntity,
        format: ImportFormat? = nil,
        encoding: TextEncoding = .utf8,
        delimiter: CSVDelimiter? = nil,
        columnMappings: [ColumnMapping] = [],
        attendance: ImportSource? = nil,
        chunkSize: Int = 64 << 10,
        maxRecordBytes: Int = 4 << 20,
        maxRowsPerMeeting: Int = 5_000
    ) {
        self.entity = entity
        self.format = format
        self.encoding = encoding
        self.delimiter = delimiter
        self.columnMappings = columnMappings
        self.attendance = attendance
        self.chunkSize = chunkSize
        self.maxRecordBytes = maxRecordBytes
        self.maxRowsPerMeeting = maxRowsPerMeeting
    }
}
