import ChiboStore

/// Where a database's space goes: bytes per table and index, rows per table.
public struct StorageStats: Sendable {
    /// One table or index.
    public struct Relation: Sendable, Hashable {
        /// Its name.
        public var name: String
        /// The table it belongs to (itself for a table).
        public var table: String
        /// Whether it is an index.
        public var isIndex: Bool
        /// Bytes on disk (for PostgreSQL tables, with their TOAST data).
        public var bytes: Int64
        /// Rows (tables only; 0 for indexes).
        public var rows: Int64
    }

    /// Every table and index, largest first.
    public var relations: [Relation]

    /// Bytes of all relations.
    public var totalBytes: Int64 { relations.reduce(0) { $0 + $1.bytes } }

    /// Bytes of a table with its indexes.
    public func bytes(ofTable table: String) -> Int64 {
        relations.filter { $0.table == table }.reduce(0) { $0 + $1.bytes }
    }
}

extension SQLStore {
    /// The storage accounting of the database: SQLite's `dbstat` pages, or PostgreSQL's
    /// relation sizes in the store's schema; exact row counts of every table.
    public func storageStats() async throws -> StorageStats {
        try await engine.read { db in
            var relations: [StorageStats.Relation] = []
            switch db.dialect {
            case .sqlite:
                var owners: [String: (table: String, isIndex: Bool)] = [:]
                try SQLRow.forEach(
                    db,
                    sql: "SELECT type, name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')"
                ) { row in
                    owners[row["name"]] = (row["tbl_name"], (row["type"] as String) == "index")
                }
                try SQLRow.forEach(db, sql: "SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name") { row in
                    let name: String = row["name"]
                    // SQLite's own indexes (for PRIMARY KEY and UNIQUE) are named after their table.
                    let owner = owners[name] ?? (name, false)
                    relations.append(
                        StorageStats.Relation(
                            name: name,
                            table: owner.table,
                            isIndex: owner.isIndex,
                            bytes: row["bytes"],
                            rows: 0
                        )
                    )
                }
            case .postgres:
                try SQLRow.forEach(
                    db,
                    sql: """
                        SELECT c.relname AS name, COALESCE(t.relname, c.relname) AS owner,
                            CASE WHEN c.relkind = 'i' THEN 1 ELSE 0 END AS is_index,
                            CASE WHEN c.relkind = 'i' THEN pg_relation_size(c.oid) ELSE pg_table_size(c.oid) END AS bytes
                        FROM pg_class c
                        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
                        LEFT JOIN pg_index x ON x.indexrelid = c.oid
                        LEFT JOIN pg_class t ON t.oid = x.indrelid
                        WHERE c.relkind IN ('r', 'i')
                        """
                ) { row in
                    relations.append(
                        StorageStats.Relation(
                            name: row["name"],
                            table: row["owner"],
                            isIndex: row["is_index"],
                            bytes: row["bytes"],
                            rows: 0
                        )
                    )
                }
            }
            for index in relations.indices where !relations[index].isIndex {
                let name = relations[index].name
                // Names come from the catalogue, not from a caller; quoted all the same.
                relations[index].rows = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM \"\(name)\"") ?? 0
            }
            relations.sort { ($0.bytes, $1.name) > ($1.bytes, $0.name) }
            return StorageStats(relations: relations)
        }
    }
}
