import ChiboStore
import Foundation

/// Statements over the records of a subtree read the subtree's unit ids first, then bind them as
/// one list argument. PostgreSQL cannot estimate how many units a recursive query returns: joined
/// with a large table, it guessed a fifth of the tree and scanned the table (the year's
/// attendance, for one commune's overview). With the ids bound, it sees the list and reads each
/// unit's rows by index; SQLite plans the same statements by index too.
extension SQLStore {
    /// The ids of a unit and of every unit that was ever below it (`everSubtree`), as the
    /// argument of `SQLDatabase.isOneOf`.
    static func everSubtreeIDs(_ db: any SQLDatabase, rootID: String) throws -> String {
        try db.idList(try String.fetchAll(db, sql: "\(everSubtree(db)) SELECT id FROM ever", arguments: [rootID]))
    }

    /// The ids of a unit and of its descendants in today's tree (`currentSubtree`), as the
    /// argument of `SQLDatabase.isOneOf`.
    static func currentSubtreeIDs(_ db: any SQLDatabase, rootID: String) throws -> String {
        try db.idList(try String.fetchAll(db, sql: "\(currentSubtree(db)) SELECT id FROM subtree", arguments: [rootID]))
    }
}

extension SQLDatabase {
    /// A condition that `column` is one of the ids of a list bound as one argument (`idList`):
    /// a JSON array read with `json_each` on SQLite, a text array on PostgreSQL. One argument
    /// whatever the list's length, so a province's or the nation's units fit. On PostgreSQL the
    /// array is unnested into a set rather than compared with `= ANY(…)`: when the table is read
    /// whole (a province's meetings for its attendance by cell), `= ANY` compares every row with
    /// every id of the list, 10,000 of them for a province (28 s a report), where a set is hashed
    /// once; for a few ids it is read by index as before.
    public func isOneOf(_ column: String) -> String {
        switch dialect {
        case .sqlite: "\(column) IN (SELECT value FROM json_each(?))"
        case .postgres: "\(column) IN (SELECT unnest(CAST(? AS TEXT[])))"
        }
    }

    /// A condition that `column` (an integer) is one of the numbers bound as the next
    /// argument (`numberList`).
    public func isOneOfNumbers(_ column: String) -> String {
        switch dialect {
        case .sqlite: "\(column) IN (SELECT value FROM json_each(?))"
        case .postgres: "\(column) IN (SELECT unnest(CAST(? AS BIGINT[])))"
        }
    }

    /// `numbers` as the argument of `isOneOfNumbers`: a JSON array on SQLite, an array literal
    /// on PostgreSQL.
    public func numberList(_ numbers: [Int64]) -> String {
        let items = numbers.map(String.init).joined(separator: ",")
        return dialect == .sqlite ? "[" + items + "]" : "{" + items + "}"
    }

    /// `ids` as the argument of `isOneOf`: a JSON array on SQLite, an array literal on
    /// PostgreSQL (each id quoted, its quotes and backslashes escaped).
    public func idList(_ ids: [String]) throws -> String {
        switch dialect {
        case .sqlite:
            // Encoding the whole list with JSONEncoder was 4 % of a province's attendance report:
            // ids that need no escaping (all of Chibo's own) are copied as they are, any other
            // goes through JSONEncoder on its own.
            var text = "["
            text.reserveCapacity(ids.reduce(2) { $0 + $1.utf8.count + 3 })
            for (index, id) in ids.enumerated() {
                if index > 0 { text.append(",") }
                if id.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
                    text.append("\"")
                    text.append(id)
                    text.append("\"")
                } else {
                    let encoded = String(decoding: try JSONEncoder().encode([id]), as: UTF8.self)
                    text.append(contentsOf: encoded.dropFirst().dropLast())
                }
            }
            return text + "]"
        case .postgres:
            // Built byte by byte: Foundation's replacingOccurrences for each id of a province's
            // 10,000 was a fifth of its attendance report.
            var text = "{"
            text.reserveCapacity(ids.reduce(2) { $0 + $1.utf8.count + 3 })
            for (index, id) in ids.enumerated() {
                if index > 0 { text.append(",") }
                text.append("\"")
                if id.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") }) {
                    for character in id.unicodeScalars {
                        if character == "\\" || character == "\"" { text.append("\\") }
                        text.unicodeScalars.append(character)
                    }
                } else {
                    text.append(id)
                }
                text.append("\"")
            }
            return text + "}"
        }
    }
}
