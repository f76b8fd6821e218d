import ChiboStoreSQL
import Foundation
import Synchronization

/// A single-row `INSERT … VALUES (?, …)` the PostgreSQL store may hold back and send later
/// together with others of its kind, as one multi-row INSERT.
///
/// Every statement is a round trip to the server; an import row writes a record, its events,
/// its cell period, its change, its audit entry and its undo record, each a separate INSERT.
/// Held back until a statement names one of the tables written (or the transaction commits),
/// a batch's rows go out a few hundred at a time. Written by hand: postgres-nio sends one
/// statement at a time and offers COPY only to async code, and the shared store's operations
/// are synchronous.
struct BufferableInsert: Sendable {
    /// The table written.
    let table: String
    /// `INSERT INTO table (columns) VALUES `.
    let head: String
    /// What follows the values (`ON CONFLICT DO NOTHING`, or nothing).
    let tail: String
    /// The number of values in a row.
    let width: Int

    // A constant pattern; were it ever refused, no insert is held back and each is sent alone.
    private static let pattern = try? NSRegularExpression(
        pattern:
            #"^\s*INSERT\s+INTO\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(([^()]*)\)\s*VALUES\s*\(([?,\s]*)\)\s*(ON\s+CONFLICT\s+DO\s+NOTHING)?\s*$"#,
        options: [.caseInsensitive]
    )
    private static let known = Mutex<[String: BufferableInsert?]>([:])

    /// The statement as a bufferable insert, or nil when it is anything else (an update, an
    /// upsert, an insert of expressions or with numbered placeholders).
    static func parse(_ sql: String) -> BufferableInsert? {
        if let known = known.withLock({ $0[sql] }) { return known }
        let parsed = parseSlowly(sql)
        known.withLock { entries in
            if entries.count > 1_000 { entries.removeAll() }
            entries[sql] = .some(parsed)
        }
        return parsed
    }

    private static func parseSlowly(_ sql: String) -> BufferableInsert? {
        let range = NSRange(sql.startIndex..., in: sql)
        guard let match = pattern?.firstMatch(in: sql, range: range),
            let table = Range(match.range(at: 1), in: sql),
            let columns = Range(match.range(at: 2), in: sql),
            let values = Range(match.range(at: 3), in: sql)
        else { return nil }
        let width = sql[values].filter { $0 == "?" }.count
        let columnCount = sql[columns].split(separator: ",").count
        guard width > 0, width == columnCount else { return nil }
        let hasTail = match.range(at: 4).location != NSNotFound
        return BufferableInsert(
            table: sql[table].lowercased(),
            head: "INSERT INTO \(sql[table]) (\(sql[columns])) VALUES ",
            tail: hasTail ? " ON CONFLICT DO NOTHING" : "",
            width: width
        )
    }

    /// The multi-row statement for `rows` rows, with `$n` placeholders.
    func statement(rows: Int) -> String {
        var sql = head
        sql.reserveCapacity(head.utf8.count + rows * (width * 6 + 4) + tail.utf8.count)
        var number = 0
        for row in 0..<rows {
            sql += row == 0 ? "(" : ", ("
            for column in 0..<width {
                number += 1
                sql += column == 0 ? "$\(number)" : ", $\(number)"
            }
            sql += ")"
        }
        return sql + tail
    }
}

/// The words of a statement that could name a table: a held-back insert into one of them must
/// reach the server before the statement runs.
enum StatementWords {
    private static let known = Mutex<[String: Set<String>]>([:])

    static func of(_ sql: String) -> Set<String> {
        if let words = known.withLock({ $0[sql] }) { return words }
        var words = Set<String>()
        var word = ""
        for scalar in sql.unicodeScalars {
            if scalar == "_" || (scalar.isASCII && scalar.properties.isAlphabetic) || ("0"..."9").contains(scalar) {
                word.unicodeScalars.append(scalar)
            } else if !word.isEmpty {
                words.insert(word.lowercased())
                word = ""
            }
        }
        if !word.isEmpty { words.insert(word.lowercased()) }
        known.withLock { entries in
            if entries.count > 2_000 { entries.removeAll() }
            entries[sql] = words
        }
        return words
    }
}

/// The inserts held back in one transaction, and what each savepoint must put back if it is
/// rolled back: the server undoes everything sent after a savepoint, including held-back rows
/// from before it that happened to be sent inside it.
struct PendingInserts {
    struct Row {
        var insert: BufferableInsert
        var values: [SQLValue]
        /// The savepoint depth the row was written at.
        var level: Int
        /// Its place in the order of writing.
        var serial: Int
    }

    private(set) var rows: [Row] = []
    /// For each open savepoint (innermost last): rows written before it and sent while it was open.
    private var carried: [[Row]] = []
    private var nextSerial = 0
    private var tables = Set<String>()

    var isEmpty: Bool { rows.isEmpty }
    var count: Int { rows.count }

    mutating func add(_ insert: BufferableInsert, _ values: [SQLValue]) {
        rows.append(Row(insert: insert, values: values, level: carried.count, serial: nextSerial))
        nextSerial += 1
        tables.insert(insert.table)
    }

    /// The tables with held-back rows that a statement with these words reads or writes.
    func touched(by words: Set<String>) -> Set<String> { tables.intersection(words) }

    /// Takes the held-back rows to send: those going to `only` (every row when nil), in groups
    /// of one statement each, in order of first appearance; notes which an open savepoint would
    /// have to put back. Rows of one table keep their order; across tables the order does not
    /// matter, as foreign keys are checked at commit.
    mutating func take(only: Set<String>? = nil) -> [(BufferableInsert, [Row])] {
        var taken: [Row] = []
        var kept: [Row] = []
        for row in rows {
            if only?.contains(row.insert.table) ?? true { taken.append(row) } else { kept.append(row) }
        }
        let level = carried.count
        if level > 0 {
            carried[level - 1] += taken.filter { $0.level < level }
        }
        var order: [String] = []
        var groups: [String: (BufferableInsert, [Row])] = [:]
        for row in taken {
            let key = row.insert.head + row.insert.tail
            if groups[key] == nil {
                order.append(key)
                groups[key] = (row.insert, [])
            }
            groups[key]?.1.append(row)
        }
        rows = kept
        tables = Set(kept.map(\.insert.table))
        return order.compactMap { groups[$0] }
    }

    mutating func savepointOpened() { carried.append([]) }

    /// The innermost savepoint was released: its rows now belong to the enclosing level.
    mutating func savepointReleased() {
        let level = carried.count
        let sent = carried.removeLast()
        for index in rows.indices where rows[index].level >= level { rows[index].level = level - 1 }
        if level - 1 > 0 { carried[level - 2] += sent.filter { $0.level < level - 1 } }
    }

    /// The innermost savepoint was rolled back: its own rows are dropped, and rows from before
    /// it that were sent inside it are held back again.
    mutating func savepointRolledBack() {
        let level = carried.count
        let sent = carried.removeLast()
        rows = (rows.filter { $0.level < level } + sent).sorted { $0.serial < $1.serial }
        tables = Set(rows.map(\.insert.table))
    }

    /// The transaction ended: nothing is held back.
    mutating func reset() {
        rows = []
        carried = []
        tables = []
    }
}
