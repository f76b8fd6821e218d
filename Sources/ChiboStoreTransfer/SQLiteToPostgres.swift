import ChiboStore
import ChiboStorePostgres
import ChiboStoreSQL
import ChiboStoreSQLite

/// Copies a SQLite database into an empty PostgreSQL one, table by table: the way from one
/// machine to several servers. Both stores are at the current schema (opening them migrates
/// them), and their tables and columns are the same, so every row is copied as it is: record
/// ids, revisions, the change feed's positions, the audit chain, tokens, request ids and
/// import checkpoints all carry over.
///
/// The copy reads the SQLite file in pages of `pageSize` rows (by rowid) and writes each page
/// in a transaction of its own; the destination must hold no records before it starts, and a
/// copy that failed is started again on an empty schema.
public enum SQLiteToPostgres {
    /// What was copied: rows per table, in copy order.
    public struct Report: Sendable {
        /// Table and rows copied.
        public var tables: [(table: String, rows: Int)] = []
    }

    /// The tables copied, parents before children. Migration bookkeeping stays with each
    /// backend.
    public static let tables = [
        "org_unit", "org_unit_parent", "member", "member_event", "member_cell", "meeting", "meeting_revision",
        "attendance", "cell_month", "resolution", "rule_set", "evaluation", "token", "request_log", "change_log",
        "audit_log",
        "import_checkpoint", "import_rejection", "import_effect", "import_key", "import_meeting_key",
    ]

    /// Tables that must be empty in the destination (the national rule sets a new schema is
    /// seeded with are replaced by the source's).
    static let mustBeEmpty = ["org_unit", "member", "meeting", "token", "change_log", "audit_log"]

    /// Copies every table of `source` into `destination`; `progress` hears each page.
    public static func copy(
        from source: SQLiteStore,
        to destination: PostgresStore,
        pageSize: Int = 5_000,
        progress: @Sendable (String, Int) -> Void = { _, _ in }
    ) async throws -> Report {
        for table in mustBeEmpty {
            let rows = try await destination.engine.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0
            }
            guard rows == 0 else {
                throw StoreError.failedPrecondition(
                    "the PostgreSQL database already holds \(rows) rows in \(table): copy into an empty schema"
                )
            }
        }
        try await destination.engine.write { db in try db.execute(sql: "DELETE FROM rule_set") }
        var report = Report()
        for table in tables {
            var copied = 0
            var after: Int64 = 0
            while true {
                let start = after
                let (rows, last) = try await source.engine.read { db in
                    var rows: [SQLRow] = []
                    var last = start
                    try SQLRow.forEach(
                        db,
                        sql: "SELECT rowid AS chibo_rowid, * FROM \(table) WHERE rowid > ? ORDER BY rowid LIMIT ?",
                        arguments: [start, pageSize]
                    ) { row in
                        last = row["chibo_rowid"]
                        rows.append(row)
                    }
                    return (rows, last)
                }
                guard let first = rows.first else { break }
                let columns = Array(first.columns.names.dropFirst())
                let insert = """
                    INSERT INTO \(table) (\(columns.joined(separator: ", ")))
                    VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))
                    """
                try await destination.engine.write { db in
                    for row in rows {
                        try db.cachedStatement(sql: insert).execute(
                            arguments: SQLArguments(values: Array(row.values.dropFirst()))
                        )
                    }
                }
                copied += rows.count
                after = last
                progress(table, copied)
            }
            report.tables.append((table, copied))
        }
        // The change feed's positions continue after the copied ones.
        try await destination.engine.write { db in
            _ = try Int64.fetchOne(
                db,
                sql:
                    "SELECT setval(pg_get_serial_sequence('change_log', 'seq'), COALESCE(MAX(seq), 0) + 1, false) FROM change_log"
            )
        }
        return report
    }
}
