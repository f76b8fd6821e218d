import ChiboModel
import ChiboStore
import ChiboStoreSQL
import Foundation
import GRDB

/// The embedded store: one SQLite file through GRDB, in WAL mode with foreign keys on and
/// `synchronous=FULL`, so an acknowledged write survives a crash or power loss.
public final class SQLiteStore: SQLStore, @unchecked Sendable {
    // Unchecked: SQLStore is open, so not checked; the properties added here are immutable and
    // Sendable.

    /// Where the database lives.
    public let path: String
    let pool: DatabasePool

    /// A short name for server info.
    public override var backendName: String { "sqlite" }

    /// Opens the file at `path`, creating it (mode 0600) or migrating it to the current schema.
    /// A file written by a newer version is refused with `StoreError.newerSchema`. With
    /// `auditSeal`, audit entries are authenticated with its key (see `SQLStore.auditSeal`).
    public init(path: String, auditSeal: AuditSeal? = nil) throws {
        self.path = path
        try Self.createPrivateFile(at: path)
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // The writer's page cache: 32 MiB instead of SQLite's 2 MiB, so that a batch of an
            // import (a few thousand rows, each written to several tables) stays in memory until
            // it commits instead of spilling pages to the WAL and reading them back. Readers keep
            // the default.
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA cache_size = -32768") }
            // Statement journals in memory: an import applies each row in a savepoint (a refused
            // row leaves nothing behind), and SQLite journals every page a savepoint first
            // touches; in a temporary file that is a write per page, in memory a copy.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreError.unavailable("cannot open the database \(path): \(error)")
        }
        super.init(engine: GRDBEngine(pool: pool), auditSeal: auditSeal)
        let migrator = Migrations.migrator
        try pool.write { db in
            if try migrator.hasBeenSuperseded(db) {
                throw StoreError.newerSchema(path: path)
            }
        }
        try migrator.migrate(pool)
        // The WAL and shared-memory files hold the same data: keep them private too.
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            chmod(path + suffix, 0o600)
        }
    }

    /// Creates an empty file readable and writable by its owner only, if none exists.
    static func createPrivateFile(at path: String) throws {
        let descriptor = open(path, O_CREAT | O_RDWR, 0o600)
        guard descriptor >= 0 else {
            throw StoreError.unavailable("cannot create the database \(path): \(String(cString: strerror(errno)))")
        }
        close(descriptor)
    }
}
