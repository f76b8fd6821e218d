/// Why one row (a CSV row, a JSON line, a protobuf message) could not become a record. The
/// row is left out and the import goes on; every row read ends up either in a record or in
/// exactly one `RowError`.
public struct RowError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A short, stable name for the kind of fault, for scripts and summaries.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The code as written in reports, for example `bad_date`.
        public var rawValue: String

        /// Wraps a code.
        public init(rawValue: String) { self.rawValue = rawValue }

        /// A date that is not dd/MM/yyyy, d/M/yyyy or yyyy-MM-dd, or does not exist (31/02/2020).
        public static let badDate = Code(rawValue: "bad_date")
        /// A time of day that is not `19:30`, `19h30` or `19h`.
        public static let badTime = Code(rawValue: "bad_time")
        /// A number that does not parse or is out of range.
        public static let badNumber = Code(rawValue: "bad_number")
        /// A value that is not one of the words the column accepts (an unknown grade, gender…).
        public static let unknownValue = Code(rawValue: "unknown_value")
        /// A required value is empty.
        public static let missingRequired = Code(rawValue: "missing_required")
        /// Two values contradict each other (two attendance marks; a meeting's columns that
        /// differ between its rows; a grade and a score that disagree).
        public static let conflictingValues = Code(rawValue: "conflicting_values")
        /// Text typed with a legacy Vietnamese font encoding (TCVN3/ABC or VNI).
        public static let legacyEncoding = Code(rawValue: "legacy_encoding")
        /// Bytes that are not valid in the file's encoding (invalid UTF-8, an unassigned
        /// windows-1258 byte).
        public static let badEncoding = Code(rawValue: "bad_encoding")
        /// A row has values in cells past the last header.
        public static let extraCells = Code(rawValue: "extra_cells")
        /// The rows of one meeting are not next to each other in the file.
        public static let meetingNotContiguous = Code(rawValue: "meeting_not_contiguous")
        /// The row is fine, but another row of the same meeting is not, so the whole meeting
        /// is left out (a meeting is imported whole or not at all).
        public static let meetingRejected = Code(rawValue: "meeting_rejected")
        /// An attendance row names a meeting key the meetings file does not have.
        public static let unknownMeeting = Code(rawValue: "unknown_meeting")
        /// A key that must be unique in the file appears again (a meeting key in the meetings
        /// file of the two-file form).
        public static let duplicateKey = Code(rawValue: "duplicate_key")
        /// A meeting has more attendance rows than the limit allows.
        public static let tooManyRows = Code(rawValue: "too_many_rows")
        /// A JSON line or protobuf message that the codec rejects.
        public static let decodeFailed = Code(rawValue: "decode_failed")
        /// A JSON line or protobuf message larger than the limit.
        public static let tooLarge = Code(rawValue: "too_large")

        /// The code, for example `bad_date`.
        public var description: String { rawValue }
    }

    /// The file the row is in (the path or name of the source).
    public var file: String
    /// The row: in CSV the spreadsheet's row number (the header row counts, so the first data
    /// row under a header on row 1 is row 2); in JSON Lines the line number; in delimited
    /// protobuf the message's position, from 1.
    public var row: Int
    /// The column at fault as its header is written in the file, or for JSON the field path;
    /// nil when the fault is the whole row.
    public var column: String?
    /// The byte offset of the fault: into the file for delimited protobuf, into the line for
    /// JSON Lines; nil for CSV.
    public var offset: Int?
    /// The kind of fault.
    public var code: Code
    /// What is wrong and how to fix it, for a person.
    public var message: String

    /// Creates a row error.
    public init(file: String, row: Int, column: String? = nil, offset: Int? = nil, code: Code, message: String) {
        self.file = file
        self.row = row
        self.column = column
        self.offset = offset
        self.code = code
        self.message = message
    }

    /// One line: `file row N, column C: message [code]`.
    public var description: String {
        var text = "\(file) row \(row)"
        if let column { text += ", column \(column)" }
        if let offset { text += ", byte \(offset)" }
        return text + ": \(message) [\(code)]"
    }
}

/// Why a whole file cannot be read: it does not open, its header does not fit the entity, its
/// encoding is wrong, or its structure breaks so that no later row can be trusted (a quote
/// never closed, a corrupt length prefix). Thrown; no row error stands in for it.
public struct ImportError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The code as written in reports, for example `missing_columns`.
        public var rawValue: String

        /// Wraps a code.
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The file cannot be opened or read.
        public static let unreadable = Code(rawValue: "unreadable")
        /// The options do not fit (no format for the extension, an attendance file for
        /// another entity, a mapping to an unknown field).
        public static let badOptions = Code(rawValue: "bad_options")
        /// The file has no header row.
        public static let noHeader = Code(rawValue: "no_header")
        /// The header lacks a column the entity needs.
        public static let missingColumns = Code(rawValue: "missing_columns")
        /// Two columns of the header map to the same field.
        public static let duplicateColumns = Code(rawValue: "duplicate_columns")
        /// The file is not in the encoding it was read with.
        public static let badEncoding = Code(rawValue: "bad_encoding")
        /// The header is typed in a legacy Vietnamese font encoding (TCVN3/ABC or VNI).
        public static let legacyEncoding = Code(rawValue: "legacy_encoding")
        /// A quoted CSV field is never closed, or grows past the row size limit.
        public static let unterminatedQuote = Code(rawValue: "unterminated_quote")
        /// The framing of a delimited protobuf file is broken (a bad varint, a cut message),
        /// so the messages after it cannot be found.
        public static let malformed = Code(rawValue: "malformed")
        /// A part of a workbook inflates past a limit (`XLSXLimits`), or a line or row past the
        /// size limit.
        public static let tooLarge = Code(rawValue: "too_large")
        /// The sheet asked for (`--sheet`) is not in the workbook.
        public static let noSheet = Code(rawValue: "no_sheet")
        /// The file holds bytes that are no text at all (a program, an image, random data).
        public static let binary = Code(rawValue: "binary")

        /// The code, for example `missing_columns`.
        public var description: String { rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// What is wrong and how to fix it, for a person.
    public var message: String
    /// The file at fault.
    public var file: String
    /// The row where the failure was found, when there is one.
    public var row: Int?
    /// The byte offset in the file where the failure was found, when known.
    public var offset: Int?

    /// Creates an import error.
    public init(code: Code, message: String, file: String, row: Int? = nil, offset: Int? = nil) {
        self.code = code
        self.message = message
        self.file = file
        self.row = row
        self.offset = offset
    }

    /// One line: `file row N: message [code]`.
    public var description: String {
        var text = file
        if let row { text += " row \(row)" }
        if let offset { text += " byte \(offset)" }
        return text + ": \(message) [\(code)]"
    }
}
