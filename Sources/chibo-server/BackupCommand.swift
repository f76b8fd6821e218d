import ArgumentParser
import ChiboStorePostgres
import ChiboStoreSQLite

/// `chibo-server backup --db FILE --to COPY`: an online copy of the SQLite database, safe while
/// the server runs. PostgreSQL deployments use `pg_dump` instead (docs/DEPLOY.md).
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the database to a new file while the server runs (SQLite online backup).",
        discussion: """
            The copy is one consistent state of the database, checked with PRAGMA integrity_check, \
            and readable by its owner only (it holds the same personal data). It never overwrites \
            a file. Restore it with `chibo-server restore`.
            """
    )

    @OptionGroup var database: DatabaseOption

    @Option(name: .long, help: "The backup file to create.")
    var to: String

    func run() async throws {
        let store = try database.openSQLite(for: "backup", instead: "use pg_dump")
        do {
            try store.backup(to: to)
        } catch {
            throw CommandFailure(description: "\(error)")
        }
        print("backed up \(database.db) to \(to)")
    }
}

/// `chibo-server restore --from COPY --db FILE`: puts a backup in place of a database no server is
/// using.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Put a backup in place of the database (stop the server first).",
        discussion: """
            The backup is checked, copied beside the database and renamed over it; a database that \
            exists is replaced only with --replace. Start the server afterwards: it brings an older \
            backup up to the current schema.
            """
    )

    @Option(name: .long, help: "The backup file.")
    var from: String

    @Option(
        name: .long,
        help: "Path of the database file to restore into (SQLite; PostgreSQL restores with pg_restore)."
    )
    var db: String = "./chibo.sqlite"

    @Flag(name: .long, help: "Replace the database at --db if it exists.")
    var replace = false

    func run() async throws {
        if PostgresLocation.isPostgresURL(db) {
            throw ValidationError("restore works on a SQLite file; for PostgreSQL use pg_restore (docs/DEPLOY.md)")
        }
        do {
            try SQLiteStore.restore(from: from, to: db, replace: replace)
        } catch {
            throw CommandFailure(description: "\(error)")
        }
        print("restored \(from) into \(db)")
    }
}

/// A command that could not do its work (not a usage error: no usage is printed); exit code 1.
struct CommandFailure: Error, CustomStringConvertible {
    /// What went wrong.
    var description: String
}
