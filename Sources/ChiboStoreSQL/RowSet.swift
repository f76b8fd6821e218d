import ChiboStore

/// Rows bound for one table, written with multi-row `INSERT … VALUES (…), (…)` statements: a
/// batch's set of rows is one statement per chunk instead of one per row. Both backends take
/// the same SQL (PostgreSQL's placeholders are numbered by the database interface).
///
/// Written here because the store's SQL layer is its own (SQLite through GRDB, PostgreSQL
/// through postgres-nio behind one interface) and neither library builds multi-row inserts
/// over it.
struct RowSet {
    /// The table written to.
    let table: String
    /// Its columns, in the order each row gives its values.
    let columns: [String]
    /// What follows the values: `ON CONFLICT …`, `RETURNING …`, or nothing.
    let tail: String
    /// The values, row after row.
    private(set) var values: [SQLValue] = []

    /// An empty set of rows for `table`.
    init(_ table: String, _ columns: [String], tail: String = "") {
        self.table = table
        self.columns = columns
        self.tail = tail
    }

    /// The number of rows held.
    var count: Int { values.count / columns.count }

    /// Adds a row: one value per column.
    mutating func append(_ row: SQLArguments) {
        precondition(row.values.count == columns.count, "a row of \(table) needs \(columns.count) values")
        values += row.values
    }

    /// Rows per statement: 100, fewer for wide rows, so a statement stays well under both
    /// backends' parameter limits (SQLite 32,766, PostgreSQL 65,535) and the statement cache
    /// holds a few shapes per table.
    var rowsPerStatement: Int { max(1, min(100, 30_000 / columns.count)) }

    /// Adds rows given as one run of values.
    mutating func append(values more: [SQLValue]) {
        precondition(more.count % columns.count == 0, "rows of \(table) need \(columns.count) values each")
        values += more
    }

    /// Writes the rows: plain rows through the backend's way of writing a set
    /// (`SQLDatabase.insertRows`), rows with a tail (`RETURNING`, `ON CONFLICT`) with
    /// statements; `body` sees each row the statements return.
    func write(_ db: any SQLDatabase, _ body: (SQLRow) throws -> Void = { _ in }) throws {
        guard !values.isEmpty else { return }
        if tail.isEmpty {
            try db.insertRows(into: table, columns: columns, values: values)
        } else {
            try writeStatements(db, body)
        }
    }

    /// Writes the rows with multi-row statements; `body` sees each row they return.
    func writeStatements(_ db: any SQLDatabase, _ body: (SQLRow) throws -> Void = { _ in }) throws {
        let width = columns.count
        let total = count
        var start = 0
        while start < total {
            let rows = min(rowsPerStatement, total - start)
            let sql = statement(rows: rows)
            let arguments = SQLArguments(values: Array(values[(start * width)..<((start + rows) * width)]))
            // Full chunks repeat from batch to batch and are worth preparing once; a batch's
            // remainder has a row count of its own.
            let cached = rows == rowsPerStatement
            if returns {
                try db.forEachRow(sql: sql, arguments: arguments, cached: cached, body)
            } else {
                try db.execute(sql: sql, arguments: arguments, cached: cached)
            }
            start += rows
        }
    }

    /// Whether the statements return rows.
    private var returns: Bool { tail.uppercased().contains("RETURNING") }

    /// The statement for `rows` rows.
    func statement(rows: Int) -> String {
        let tuple = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        var sql = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
        sql += Array(repeating: tuple, count: rows).joined(separator: ", ")
        if !tail.isEmpty { sql += " " + tail }
        return sql
    }
}
