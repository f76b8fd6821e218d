import ChiboStoreSQL
import Foundation

/// How a statement's plan reads one table.
struct TableAccess: Hashable, Sendable, CustomStringConvertible {
    /// The table read.
    var table: String
    /// The index it reads through (`<table>_pkey` for the primary key); nil for a scan of the
    /// whole table.
    var index: String?

    var description: String { "\(table) by \(index ?? "full scan")" }
}

/// A statement's plan as the database gives it, and the table accesses read from it.
struct StatementPlan: Sendable {
    /// The plan's lines, as the database printed them.
    var lines: [String]
    /// The tables the plan reads and how.
    var accesses: [TableAccess]
}

/// Asks a backend how it plans a statement: `EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN` on
/// PostgreSQL (with the statement's own arguments, so PostgreSQL plans for those values).
enum PlanExplainer {
    /// The plan of `statement`, on a connection of the store's own engine. Without
    /// `sequentialScans`, PostgreSQL plans as if scanning a table whole cost far more than it
    /// does: an index that serves the statement is then used if there is one.
    static func plan(
        _ statement: RecordedStatement,
        in db: any SQLDatabase,
        sequentialScans: Bool = true
    ) throws -> StatementPlan {
        switch db.dialect {
        case .sqlite:
            let rows = try SQLRow.fetchAll(
                db,
                sql: "EXPLAIN QUERY PLAN " + statement.sql,
                arguments: statement.arguments
            )
            let lines: [String] = rows.map { $0["detail"] }
            let aliases = aliasTables(statement.sql)
            return StatementPlan(lines: lines, accesses: lines.flatMap { sqliteAccess($0, aliases: aliases) ?? [] })
        case .postgres:
            if !sequentialScans { try db.execute(sql: "SET enable_seqscan = off") }
            defer { if !sequentialScans { try? db.execute(sql: "RESET enable_seqscan") } }
            let rows = try SQLRow.fetchAll(db, sql: "EXPLAIN " + statement.sql, arguments: statement.arguments)
            let lines: [String] = rows.map { $0.values.first.flatMap(String.fromSQLValue) ?? "" }
            return StatementPlan(lines: lines, accesses: lines.compactMap(postgresAccess))
        }
    }

    /// The tables each name in a statement stands for: the tables themselves, and the aliases
    /// given after `FROM table` or `JOIN table` (and the tables of `INTO` and `UPDATE`). An alias
    /// used for two tables maps to both.
    static func aliasTables(_ sql: String) -> [String: Set<String>] {
        var tables: [String: Set<String>] = [:]
        let keywords: Set<String> = [
            "where", "join", "on", "left", "inner", "cross", "group", "order", "limit", "union", "using", "set",
            "values", "natural", "select", "as", "and", "or", "not", "exists",
        ]
        let words = sql.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") }).map(
            String.init
        )
        for (position, word) in words.enumerated() where ["from", "join", "into", "update"].contains(word) {
            guard position + 1 < words.count else { continue }
            let table = words[position + 1]
            tables[table, default: []].insert(table)
            var next = position + 2
            if next < words.count, words[next] == "as" { next += 1 }
            if next < words.count, !keywords.contains(words[next]) {
                tables[words[next], default: []].insert(table)
            }
        }
        return tables
    }

    /// The access one line of SQLite's plan describes, if it reads a table: `SCAN m`,
    /// `SCAN m USING INDEX i`, `SEARCH m USING COVERING INDEX i (…)`,
    /// `SEARCH a USING INTEGER PRIMARY KEY (rowid=?)`, `… USING AUTOMATIC COVERING INDEX …`
    /// (an index SQLite builds for the one statement: no index of the schema serves it).
    static func sqliteAccess(_ line: String, aliases: [String: Set<String>]) -> [TableAccess]? {
        let words = line.split(separator: " ").map(String.init)
        guard words.count >= 2, words[0] == "SCAN" || words[0] == "SEARCH" else { return nil }
        let name = words[1].lowercased()
        guard let tables = aliases[name] else { return nil }  // a CTE, a subquery, a function
        var index: String?
        if let using = words.firstIndex(of: "USING") {
            let rest = words[(using + 1)...]
            if rest.first == "AUTOMATIC" {
                index = nil
            } else if rest.starts(with: ["INTEGER", "PRIMARY", "KEY"]) || rest.starts(with: ["PRIMARY", "KEY"]) {
                index = "pkey"
            } else if let position = rest.firstIndex(of: "INDEX"), position + 1 < words.count {
                index = words[position + 1]
            }
        }
        if let index, index.hasPrefix("sqlite_autoindex_") {
            // The index SQLite makes for a primary key: `sqlite_autoindex_<table>_<n>`.
            let name = index.dropFirst("sqlite_autoindex_".count).split(separator: "_").dropLast()
                .joined(separator: "_")
            return [TableAccess(table: name, index: "\(name)_pkey")]
        }
        if let index, index != "pkey" {
            // The index names its table, whichever of the alias's tables it is.
            return [TableAccess(table: PostgresIndexes.table(of: index), index: index)]
        }
        return tables.sorted().map { table in
            TableAccess(table: table, index: index == nil ? nil : "\(table)_pkey")
        }
    }

    /// The access one line of PostgreSQL's plan describes, if it reads a table:
    /// `Seq Scan on t`, `Index Scan using i on t`, `Index Only Scan Backward using i on t`,
    /// `Bitmap Index Scan on i` (its table is on the `Bitmap Heap Scan` line above, and the
    /// index names it).
    static func postgresAccess(_ line: String) -> TableAccess? {
        let text = line.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "->  ", with: "")
        let words = text.split(separator: " ").map(String.init)
        func word(after marker: [String]) -> String? {
            for start in words.indices where words[start...].starts(with: marker) {
                let position = start + marker.count
                return position < words.count ? words[position] : nil
            }
            return nil
        }
        if let table = word(after: ["Seq", "Scan", "on"]) { return TableAccess(table: table, index: nil) }
        if words.contains("Scan"), let index = word(after: ["using"]), let table = word(after: [index, "on"]) {
            return TableAccess(table: table, index: index)  // Index (Only) Scan (Backward) using i on t
        }
        if let index = word(after: ["Bitmap", "Index", "Scan", "on"]) {
            return TableAccess(table: PostgresIndexes.table(of: index), index: index)
        }
        return nil
    }
}

/// The table of an index, from the schema's naming: `<table>_by_…`, `<table>_pkey`, and the few
/// named otherwise.
enum PostgresIndexes {
    static let otherNames = [
        "meeting_counts": "meeting", "meeting_voided": "meeting", "change_log_entity": "change_log",
        "token_name_key": "token", "token_hash_key": "token", "audit_log_prev_hash_key": "audit_log",
    ]

    static func table(of index: String) -> String {
        if let table = otherNames[index] { return table }
        if index.hasSuffix("_pkey") { return String(index.dropLast(5)) }
        if let range = index.range(of: "_by_") { return String(index[..<range.lowerBound]) }
        return index
    }
}
