/// What the reader made of a file's header: which columns it matched to which fields, which it
/// ignores, and the mappings it applied. Shown to the user before anything is imported.
public struct HeaderReport: Hashable, Sendable {
    /// How a column was matched.
    public enum Match: String, Hashable, Sendable {
        /// By the field's English name (`full_name`, `fullName`, `FULL NAME`).
        case fieldName = "field_name"
        /// By one of the Vietnamese labels (`Họ và tên`, `ho va ten`).
        case label
        /// By a `column=field` mapping the user gave.
        case mapping
    }

    /// One column of the header.
    public struct Column: Hashable, Sendable {
        /// Position in the row, from 0.
        public var index: Int
        /// The header as written (NFC, trimmed).
        public var header: String
        /// The field it fills; nil for a column the importer does not know, which is ignored.
        public var field: String?
        /// How it was matched; nil when ignored.
        public var match: Match?

        /// Creates a column.
        public init(index: Int, header: String, field: String?, match: Match?) {
            self.index = index
            self.header = header
            self.field = field
            self.match = match
        }
    }

    /// The file described.
    public var file: String
    /// Its format.
    public var format: ImportFormat
    /// The encoding it was read with (CSV only).
    public var encoding: TextEncoding?
    /// The delimiter used (CSV only).
    public var delimiter: CSVDelimiter?
    /// The sheet read, for a workbook.
    public var sheet: String?
    /// The row the header was found on (CSV only; 0 otherwise).
    public var headerRow: Int
    /// Rows above the header that were skipped (a title such as "DANH SÁCH ĐẢNG VIÊN").
    public var skippedRows: [Int]
    /// Every column of the header, in order (CSV only).
    public var columns: [Column]
    /// The user's mappings, each of which matched a column.
    public var mappingsApplied: [ColumnMapping]

    /// Creates a report.
    public init(
        file: String,
        format: ImportFormat,
        encoding: TextEncoding? = nil,
        delimiter: CSVDelimiter? = nil,
        sheet: String? = nil,
        headerRow: Int = 0,
        skippedRows: [Int] = [],
        columns: [Column] = [],
        mappingsApplied: [ColumnMapping] = []
    ) {
        self.file = file
        self.format = format
        self.encoding = encoding
        self.delimiter = delimiter
        self.sheet = sheet
        self.headerRow = headerRow
        self.skippedRows = skippedRows
        self.columns = columns
        self.mappingsApplied = mappingsApplied
    }

    /// The columns matched to a field.
    public var matched: [Column] { columns.filter { $0.field != nil } }

    /// The columns the importer does not know and ignores, each listed once (`STT`, the row
    /// number, is the usual one).
    public var ignored: [Column] { columns.filter { $0.field == nil } }
}

/// Where each field's column is in a CSV row.
struct HeaderLayout {
    /// Column index by field.
    let indexByField: [String: Int]
    /// The headers as written, by index.
    let headers: [String]

    /// The index of `field`'s column, or nil when the file does not have it.
    func index(_ field: String) -> Int? { indexByField[field] }

    /// Whether the file has a column for `field`.
    func has(_ field: String) -> Bool { indexByField[field] != nil }

    /// The header of `field`'s column as written, or the field's name when absent.
    func header(_ field: String) -> String {
        indexByField[field].map { headers[$0] } ?? field
    }

    /// The header of column `index`, or `column N` past the header.
    func header(at index: Int) -> String {
        index < headers.count && !headers[index].isEmpty ? headers[index] : "column \(index + 1)"
    }
}

/// Matches a header row to an entity's columns.
struct HeaderMatcher {
    private let columns: [ImportColumn]
    private let byKey: [String: (field: String, match: HeaderReport.Match)]
    private let mappingByKey: [String: ColumnMapping]

    /// Prepares matching for `columns` with the user's `mappings`; throws `badOptions` for a
    /// mapping to a field the entity does not have.
    init(columns: [ImportColumn], mappings: [ColumnMapping], file: String) throws(ImportError) {
        self.columns = columns
        var byKey: [String: (field: String, match: HeaderReport.Match)] = [:]
        for column in columns {
            for label in column.labels { byKey[TextNormalization.key(label)] = (column.field, .label) }
        }
        for column in columns { byKey[TextNormalization.key(column.field)] = (column.field, .fieldName) }
        self.byKey = byKey
        let fields = Set(columns.map(\.field))
        var mappingByKey: [String: ColumnMapping] = [:]
        for mapping in mappings {
            guard fields.contains(mapping.field) else {
                throw ImportError(
                    code: .badOptions,
                    message: "the mapping \(mapping) names no field of this file; the fields are: "
                        + columns.map(\.field).joined(separator: ", "),
                    file: file
                )
            }
            mappingByKey[TextNormalization.key(mapping.column)] = mapping
        }
        self.mappingByKey = mappingByKey
    }

    /// How many cells of a candidate header row match a column (to find the header below a
    /// title).
    func matchCount(_ cells: [String]) -> Int {
        cells.count { cell in
            let key = TextNormalization.key(cell)
            return !key.isEmpty && (byKey[key] != nil || mappingByKey[key] != nil)
        }
    }

    /// Matches a header row: the report's columns, mappings applied and the layout. Throws when
    /// two columns fill one field, a needed column is missing, or a mapping matches no column.
    func match(
        _ cells: [String],
        file: String
    ) throws(ImportError) -> (
        columns: [HeaderReport.Column], mappings: [ColumnMapping], layout: HeaderLayout
    ) {
        var reportColumns: [HeaderReport.Column] = []
        var indexByField: [String: Int] = [:]
        var used: [ColumnMapping] = []
        for (index, header) in cells.enumerated() {
            let key = TextNormalization.key(header)
            var field: String?
            var match: HeaderReport.Match?
            if !key.isEmpty, let mapping = mappingByKey[key] {
                field = mapping.field
                match = .mapping
                if !used.contains(mapping) { used.append(mapping) }
            } else if !key.isEmpty, let found = byKey[key] {
                field = found.field
                match = found.match
            }
            if let field {
                if let earlier = indexByField[field] {
                    throw ImportError(
                        code: .duplicateColumns,
                        message: "the columns \"\(cells[earlier])\" and \"\(header)\" both fill \(field): "
                            + "remove one, or map one elsewhere with column=field",
                        file: file
                    )
                }
                indexByField[field] = index
            }
            reportColumns.append(HeaderReport.Column(index: index, header: header, field: field, match: match))
        }
        let unused = mappingByKey.values.filter { !used.contains($0) }.map(\.description).sorted()
        if !unused.isEmpty {
            throw ImportError(
                code: .badOptions,
                message: "no column matches the mapping \(unused.joined(separator: ", ")); the columns are: "
                    + cells.joined(separator: ", "),
                file: file
            )
        }
        var missing: [String] = []
        var groups: [String] = []
        for column in columns {
            switch column.requirement {
            case .required where indexByField[column.field] == nil:
                missing.append(Self.describe(column))
            case .oneOf(let group) where !groups.contains(group):
                groups.append(group)
                let members = columns.filter { $0.requirement == .oneOf(group) }
                if !members.contains(where: { indexByField[$0.field] != nil }) {
                    missing.append(group)
                }
            default:
                break
            }
        }
        if !missing.isEmpty {
            throw ImportError(
                code: .missingColumns,
                message: "the header lacks \(missing.joined(separator: "; ")); it has: "
                    + cells.filter { !$0.isEmpty }.joined(separator: ", "),
                file: file
            )
        }
        return (reportColumns, used, HeaderLayout(indexByField: indexByField, headers: cells))
    }

    private static func describe(_ column: ImportColumn) -> String {
        guard let label = column.labels.first else { return column.field }
        return "\(column.field) (\(label))"
    }
}
