import ChiboStore
import Foundation
import GRDB

extension SQLiteStore {
    /// Copies the database to a new file with SQLite's online backup API, while the server runs:
    /// the copy is one consistent state (writes made meanwhile wait or go to the next backup).
    /// The file is created readable by its owner only, like the database; a path that exists,
    /// or is a symbolic link (dangling or not), is refused. The copy is checked with
    /// `PRAGMA integrity_check` before this returns.
    public func backup(to destination: String) throws {
        do {
            try Self.createNewPrivateFile(at: destination, what: "a backup")
        } catch StoreError.unavailable(let message) {
            throw StoreError.unavailable("cannot create the backup file: \(message)")
        }
        do {
            try Self.requireRegularFile(destination)
            let copy = try DatabaseQueue(path: destination)
            try pool.backup(to: copy)
            try Self.checkIntegrity(copy, path: destination)
            try copy.close()
        } catch {
            try? FileManager.default.removeItem(atPath: destination)
            throw StoreError.unavailable("the backup to \(destination) failed: \(error)")
        }
    }

    /// Restores a backup into `path`, which no server may be using: the backup is checked, copied
    /// with the backup API into a new file beside `path`, and renamed over it. `replace` allows an
    /// existing database at `path` to be replaced. The database's lock (`DatabaseLock`) is held
    /// throughout: a running server refuses the restore, and no server starts during it.
    public static func restore(from backup: String, to path: String, replace: Bool) throws {
        guard FileManager.default.fileExists(atPath: backup) else {
            throw StoreError.notFound(entity: "backup file", id: backup)
        }
        if FileManager.default.fileExists(atPath: path) && !replace {
            throw StoreError.failedPrecondition("\(path) exists; restoring over it needs --replace")
        }
        let lock = try DatabaseLock(databasePath: path, mode: .restore)
        defer { withExtendedLifetime(lock) {} }
        let staging = path + ".restoring"
        try? FileManager.default.removeItem(atPath: staging)
        try createNewPrivateFile(at: staging, what: "a restore")
        do {
            var configuration = Configuration()
            configuration.readonly = true
            let source = try DatabaseQueue(path: backup, configuration: configuration)
            try checkIntegrity(source, path: backup)
            let target = try DatabaseQueue(path: staging)
            try source.backup(to: target)
            try target.close()
            try source.close()
            for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(atPath: staging, toPath: path)
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw StoreError.unavailable("restoring \(backup) into \(path) failed: \(error)")
        }
    }

    /// Refuses a path that is no longer the regular file just created (replaced by a link).
    private static func requireRegularFile(_ path: String) throws {
        var status = stat()
        guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw StoreError.failedPrecondition("\(path) was replaced while the backup was made")
        }
    }

    private static func checkIntegrity(_ database: some DatabaseReader, path: String) throws {
        let result = try database.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
        guard result == ["ok"] else {
            throw StoreError.unavailable(
                "\(path) fails its integrity check: \(result.prefix(3).joined(separator: "; "))"
            )
        }
    }
}
