import ArgumentParser
import ChiboStore
import ChiboStorePostgres
import ChiboStoreSQL
import ChiboStoreSQLite
import Logging

/// `--db` of every subcommand: a SQLite file, or a PostgreSQL database shared by several servers.
struct DatabaseOption: ParsableArguments {
    @Option(
        name: .long,
        help: """
            The database: a SQLite file path, or postgres://USER@HOST:PORT/DATABASE[?sslmode=require] \
            (password from PGPASSWORD or --db-password-file, never the URL).
            """
    )
    var db: String = "./chibo.sqlite"

    @Option(name: .long, help: "File whose first line is the PostgreSQL password (instead of PGPASSWORD).")
    var dbPasswordFile: String?

    /// Whether `--db` names PostgreSQL.
    var isPostgres: Bool { PostgresLocation.isPostgresURL(db) }

    /// The database as `--db` names it, for messages (a URL without any password).
    var shownName: String {
        // Without the password: it is not shown, so it need not be read.
        (try? PostgresLocation(url: db, environment: [:]))?.description ?? db
    }

    func validate() throws {
        if dbPasswordFile != nil && !isPostgres {
            throw ValidationError("--db-password-file goes with a postgres:// --db")
        }
    }

    /// Opens the store, migrating its schema if needed. With `auditSeal`, the store
    /// authenticates the audit entries it writes, once the key and the log are checked to agree
    /// (`SQLStore.checkAuditSeal`). `replicas` are the URLs of hot standbys to read from (see
    /// `ReplicaOptions`), logging in with the same password.
    func open(
        auditSeal: AuditSeal? = nil,
        replicas: [String] = [],
        replicaWait: Duration = .milliseconds(500),
        logger: Logger? = nil
    ) async throws -> OpenStore {
        let opened: OpenStore
        do {
            if isPostgres {
                let location = try PostgresLocation(url: db, passwordFile: dbPasswordFile)
                var standbys: [PostgresLocation] = []
                for replica in replicas {
                    do {
                        standbys.append(try PostgresLocation(url: replica, passwordFile: dbPasswordFile))
                    } catch let error as StoreError {
                        throw ValidationError("--db-replica \(replica): \(error)")
                    }
                }
                opened = .postgres(
                    try await PostgresStore(
                        location: location,
                        replicas: standbys,
                        replicaWait: replicaWait,
                        logger: logger,
                        auditSeal: auditSeal
                    )
                )
            } else {
                opened = .sqlite(try SQLiteStore(path: db, auditSeal: auditSeal))
            }
        } catch let error as StoreError {
            throw ValidationError("--db \(shownName): \(error)")
        }
        do {
            try await opened.sqlStore.checkAuditSeal()
        } catch let error as StoreError {
            await opened.close()
            throw ValidationError("--audit-key: \(error)")
        }
        return opened
    }

    /// The lock a server holds on a SQLite `--db` for its whole life (nil for PostgreSQL), so
    /// that `restore` refuses to replace the file under it.
    func serverLock() throws -> DatabaseLock? {
        guard !isPostgres else { return nil }
        do {
            return try DatabaseLock(databasePath: db, mode: .server)
        } catch let error as StoreError {
            throw ValidationError("--db \(db): \(error)")
        }
    }

    /// Runs `body` on the store (with `auditSeal`, see `open`), closing it afterwards whatever
    /// happens.
    func withStore(auditSeal: AuditSeal? = nil, _ body: (any Store) async throws -> Void) async throws {
        let opened = try await open(auditSeal: auditSeal)
        do {
            try await body(opened.store)
        } catch {
            await opened.close()
            throw error
        }
        await opened.close()
    }

    /// The SQLite store of `--db`, for the commands that work on the file itself.
    func openSQLite(for command: String, instead: String) throws -> SQLiteStore {
        guard !isPostgres else {
            throw ValidationError("\(command) works on a SQLite file; for PostgreSQL \(instead) (docs/DEPLOY.md)")
        }
        do {
            return try SQLiteStore(path: db)
        } catch {
            throw ValidationError("--db \(db): \(error)")
        }
    }
}

/// An open store of either backend.
enum OpenStore {
    case sqlite(SQLiteStore)
    case postgres(PostgresStore)

    /// The store.
    var store: any Store { sqlStore }

    /// The store as the shared SQL store both backends are.
    var sqlStore: SQLStore {
        switch self {
        case .sqlite(let store): store
        case .postgres(let store): store
        }
    }

    /// Lets go of connections and threads (PostgreSQL); SQLite needs nothing.
    func close() async {
        if case .postgres(let store) = self { await store.close() }
    }
}
