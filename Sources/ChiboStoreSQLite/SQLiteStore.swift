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
    /// A file that exists is made 0600 with its WAL and shared-memory files, or refused when that
    /// cannot be done. A file written by a newer version is refused with `StoreError.newerSchema`.
    /// With `auditSeal`, audit entries are authenticated with its key (see `SQLStore.auditSeal`).
    public init(path: String, auditSeal: AuditSeal? = nil) throws {
        self.path = path
        try Self.createPrivateFile(at: path)
        for file in Self.databaseFiles(path) { try Self.makePrivate(file) }
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
        for file in Self.databaseFiles(path) { try Self.makePrivate(file) }
    }

    /// The database file with its WAL and shared-memory files.
    static func databaseFiles(_ path: String) -> [String] {
        [path, path + "-wal", path + "-shm"]
    }

    /// Makes a file that exists readable and writable by its owner only (0600) if its group or
    /// others may read or write it; throws, naming the file and its mode, when it cannot.
    static func makePrivate(_ path: String) throws {
        var status = stat()
        guard stat(path, &status) == 0 else { return }
        let mode = status.st_mode & 0o777
        guard mode & 0o077 != 0 else { return }
        guard chmod(path, 0o600) == 0 else {
            throw StoreError.unavailable(
                "\(path) has mode \(String(mode, radix: 8)) and cannot be made private (0600): "
                    + "\(String(cString: strerror(errno))); run chibo-server as the file's owner or chmod 600 it"
            )
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

    /// Creates a new file readable and writable by its owner only; refuses a path that exists,
    /// a symbolic link (dangling or not) included, naming `what` the file is.
    static func createNewPrivateFile(at path: String, what: String) throws {
        var status = stat()
        if lstat(path, &status) == 0 {
            let isLink = status.st_mode & S_IFMT == S_IFLNK
            throw StoreError.failedPrecondition(
                "\(path) \(isLink ? "is a symbolic link" : "exists"); \(what) is written only to a new file"
            )
        }
        let descriptor = open(path, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StoreError.unavailable("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        close(descriptor)
    }
}
