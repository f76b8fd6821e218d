import ChiboModel

/// Caches the matching key of cell values: the same few words ("x", "Nam", "thường kỳ") fill
/// thousands of rows, and folding diacritics goes through Foundation. Bounded.
final class KeyCache {
    private var keys: [String: String] = [:]

    /// The key of `text` (`TextNormalization.key`), with tick marks read as `x`.
    func key(_ text: String) -> String {
        if let key = keys[text] { return key }
        let key = Vocabularies.tickMarks.contains(text) ? "x" : TextNormalization.key(text)
        if keys.count < 4_096 { keys[text] = key }
        return key
    }
}

/// One decoded CSV row being turned into a record: typed access to its cells by field, and the
/// problems found on the way, which become the row's single `RowError`.
struct RowContext {
    /// One problem with the row.
    struct Problem {
        /// The field at fault, or nil for the whole row.
        var field: String?
        /// The header at fault as written, when it is a column past the header.
        var header: String?
        /// The kind of fault.
        var code: RowError.Code
        /// The message, without the column.
        var message: String
    }

    let layout: HeaderLayout
    let cells: [String]
    let row: Int
    let file: String
    let keys: KeyCache
    private(set) var problems: [Problem] = []

    init(layout: HeaderLayout, cells: [String], row: Int, file: String, keys: KeyCache) {
        self.layout = layout
        self.cells = cells
        self.row = row
        self.file = file
        self.keys = keys
    }

    /// Whether the file has a column for `field`.
    func has(_ field: String) -> Bool { layout.has(field) }

    /// The cell of `field` (NFC, trimmed), or empty when the file has no such column.
    func text(_ field: String) -> String {
        guard let index = layout.index(field), index < cells.count else { return "" }
        return cells[index]
    }

    /// Records a problem.
    mutating func fail(_ field: String?, _ code: RowError.Code, _ message: String) {
        problems.append(Problem(field: field, code: code, message: message))
    }

    /// Records a problem found before the cells were read (encoding, extra cells).
    mutating func fail(header: String?, _ code: RowError.Code, _ message: String) {
        problems.append(Problem(field: nil, header: header, code: code, message: message))
    }

    /// The cell of a field that must be filled.
    mutating func required(_ field: String, _ what: String? = nil) -> String {
        let value = text(field)
        if value.isEmpty { fail(field, .missingRequired, "is empty; \(what ?? "a value") is required") }
        return value
    }

    /// A date, or nil when the cell is empty or wrong (then a problem is recorded).
    mutating func date(_ field: String, required: Bool = false) -> CalendarDate? {
        let value = text(field)
        if value.isEmpty {
            if required { fail(field, .missingRequired, "is empty; a date is required") }
            return nil
        }
        switch ValueParsers.date(value) {
        case .success(let date): return date
        case .failure(let fault):
            fail(field, .badDate, fault.message)
            return nil
        }
    }

    /// A time of day in minutes, or nil.
    mutating func time(_ field: String) -> Int32? {
        let value = text(field)
        guard !value.isEmpty else { return nil }
        switch ValueParsers.time(value) {
        case .success(let minutes): return minutes
        case .failure(let fault):
            fail(field, .badTime, fault.message)
            return nil
        }
    }

    /// A whole number in `range`, or nil.
    mutating func integer(_ field: String, in range: ClosedRange<Int>, required: Bool = false) -> Int? {
        let value = text(field)
        if value.isEmpty {
            if required { fail(field, .missingRequired, "is empty; a number is required") }
            return nil
        }
        switch ValueParsers.integer(value, in: range) {
        case .success(let number): return number
        case .failure(let fault):
            fail(field, .badNumber, fault.message)
            return nil
        }
    }

    /// A number in `range`, or nil.
    mutating func decimal(_ field: String, in range: ClosedRange<Double>) -> Double? {
        let value = text(field)
        guard !value.isEmpty else { return nil }
        switch ValueParsers.decimal(value, in: range) {
        case .success(let number): return number
        case .failure(let fault):
            fail(field, .badNumber, fault.message)
            return nil
        }
    }

    /// The value of a word from `vocabulary`, or nil when the cell is empty or unknown.
    mutating func choice<Value>(_ field: String, _ vocabulary: Vocabulary<Value>, required: Bool = false) -> Value? {
        let value = text(field)
        if value.isEmpty {
            if required { fail(field, .missingRequired, "is empty; one of \(Self.list(vocabulary)) is required") }
            return nil
        }
        if let found = lookup(value, vocabulary) { return found }
        fail(field, .unknownValue, "\"\(value)\" is not one of \(Self.list(vocabulary))")
        return nil
    }

    /// Looks a cell's text up in a vocabulary without recording anything.
    func lookup<Value>(_ text: String, _ vocabulary: Vocabulary<Value>) -> Value? {
        vocabulary.value(forKey: keys.key(text))
    }

    /// A yes/no cell: empty is no.
    mutating func boolean(_ field: String) -> Bool {
        choice(field, Vocabularies.boolean) ?? false
    }

    /// The unit named by the `cell`, `cell_code` and `cell_name` columns.
    func cellRef() -> UnitRef {
        UnitRef(code: text("cell_code"), name: text("cell_name"), codeOrName: text("cell"))
    }

    /// The member named by the `party_card_number`, `citizen_id` and `full_name` columns, with
    /// the IDs checked for what spreadsheets do to numbers.
    mutating func memberRef() -> MemberRef {
        MemberRef(
            partyCardNumber: identifier("party_card_number"),
            citizenId: identifier("citizen_id"),
            fullName: text("full_name")
        )
    }

    /// A member written as a name or as a key: a cell of digits alone (spaces allowed) is a
    /// party card number or citizen ID for the server to look up; anything else is a name.
    func memberNameOrKey(_ field: String) -> MemberRef {
        let value = text(field)
        let digits = value.filter { $0 != " " && $0 != "\u{00A0}" }
        if !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) {
            return MemberRef(cardOrCitizenId: digits)
        }
        return MemberRef(fullName: value)
    }

    /// An identifier: spaces dropped; refused when a spreadsheet has turned it into a number
    /// (scientific notation) or, for a citizen ID, dropped its leading zero.
    mutating func identifier(_ field: String) -> String {
        let cell = text(field)
        // Most identifiers have no space to drop and no "+" of scientific notation: they are
        // taken as they are, without a copy.
        let spaced = UTF8Bytes.contains(cell, where: { $0 == 0x20 || $0 == 0xA0 })
        let value = spaced ? cell.filter { $0 != " " && $0 != "\u{00A0}" } : cell
        if UTF8Bytes.contains(value, where: { $0 == UInt8(ascii: "+") }), value.uppercased().contains("E+") {
            fail(
                field,
                .badNumber,
                "\"\(value)\" was turned into a number by the spreadsheet: format the column as text"
            )
            return value
        }
        if field == "citizen_id", value.count == 11 || value.count == 8, value.allSatisfy(\.isNumber) {
            fail(
                field,
                .badNumber,
                "\"\(value)\" has \(value.count) digits: the spreadsheet probably dropped a leading 0; "
                    + "format the column as text"
            )
        }
        return value
    }

    private static func list<Value>(_ vocabulary: Vocabulary<Value>) -> String {
        vocabulary.shown.joined(separator: ", ")
    }

    /// The problems in the order they are reported: those of the row as a whole (encoding)
    /// first, then by column from left to right.
    func sortedProblems() -> [Problem] {
        problems.enumerated().sorted { left, right in
            let leftIndex = left.element.field.flatMap { layout.index($0) } ?? -1
            let rightIndex = right.element.field.flatMap { layout.index($0) } ?? -1
            return (leftIndex, left.offset) < (rightIndex, right.offset)
        }.map(\.element)
    }

    /// The row's error, or nil when it has no problem: the first problem, with the others
    /// appended to its message.
    func rowError() -> RowError? {
        let problems = sortedProblems()
        guard let first = problems.first else { return nil }
        func column(_ problem: Problem) -> String? {
            problem.header ?? problem.field.map { layout.header($0) }
        }
        var message = first.message
        if problems.count > 1 {
            let others = problems.dropFirst().map { problem in
                (column(problem).map { "\($0): " } ?? "") + problem.message
            }
            message += " (also: " + others.joined(separator: "; ") + ")"
        }
        return RowError(file: file, row: row, column: column(first), code: first.code, message: message)
    }
}
