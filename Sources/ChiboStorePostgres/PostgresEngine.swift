import ChiboStore
import ChiboStoreSQL
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// Runs the shared store's operations on PostgreSQL: reads on a few threads, each in a
/// read-only snapshot; writes on one thread, each in a transaction that first takes the
/// database's write lock (an advisory lock), so writers through every server sharing the
/// database run one at a time, as SQLite's single writer does on one machine. Record checks
/// that read before they write (a party card in use, an import's claimed keys, the audit chain's
/// last link) then see every committed write.
///
/// With standbys (`ReplicaRouter`), reads go to a standby that has replayed this server's last
/// commit, and to the primary otherwise; writes, and the reads that belong to a write, always go
/// to the primary.
///
/// The store's operations are synchronous code over `SQLDatabase`, shared with SQLite, so they
/// run on threads of their own and wait for each statement. postgres-nio's `PostgresClient`
/// lends connections to async code only; this engine keeps its own small set instead, one
/// connection per busy thread at most, replacing any that closed. When the server restarts,
/// the operations in flight fail as unavailable and the next ones connect again.
final class PostgresEngine: SQLEngine {
    let primary: PostgresHosts
    let router: ReplicaRouter?
    let logger: Logger
    private let readers: NIOThreadPool
    private let writer: NIOThreadPool
    private let pool = ConnectionPool()
    /// The statements sent and round trips waited for, on every connection of the engine.
    let traffic = TrafficCounter()

    /// The statement every write transaction starts with: the lock of the store's schema.
    static let writeLock = "SELECT pg_advisory_xact_lock(hashtext('chibo write ' || current_schema()))"
    /// The statement every write transaction ends with: wakes the change feeds of every server.
    static func notify(channel: String) -> String { "NOTIFY \(channel)" }

    let channel: String

    init(primary: PostgresHosts, router: ReplicaRouter?, channel: String, readerThreads: Int, logger: Logger) {
        self.primary = primary
        self.router = router
        self.channel = channel
        self.logger = logger
        readers = NIOThreadPool(numberOfThreads: max(1, readerThreads))
        writer = NIOThreadPool(numberOfThreads: 1)
        readers.start()
        writer.start()
    }

    deinit {
        readers.shutdownGracefully { _ in }
        writer.shutdownGracefully { _ in }
        pool.drain()
        for replica in router?.replicas ?? [] { replica.pool.drain() }
    }

    /// Closes the connections and stops the threads.
    func close() async {
        for connection in pool.takeAll() + (router?.replicas ?? []).flatMap({ $0.pool.takeAll() }) {
            try? await connection.close()
        }
        try? await readers.shutdownGracefully()
        try? await writer.shutdownGracefully()
    }

    var schemaVersion: Int {
        get async throws {
            try await readPrimary { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM chibo_migration") ?? 0
            }
        }
    }

    func read<T: Sendable>(_ body: @Sendable @escaping (any SQLDatabase) throws -> T) async throws -> T {
        try await readers.runIfActive {
            if let router = self.router, let result = try router.read(body, database: self.database) {
                return result
            }
            return try self.withDatabase { db in try Self.inSnapshot(db, body) }
        }
    }

    func readPrimary<T: Sendable>(_ body: @Sendable @escaping (any SQLDatabase) throws -> T) async throws -> T {
        try await readers.runIfActive {
            try self.withDatabase { db in try Self.inSnapshot(db, body) }
        }
    }

    /// Runs `body` in a read-only snapshot on `db`. The snapshot costs no wait of its own: its
    /// `BEGIN` is sent with the body's first statement, and its `COMMIT` (which has nothing to
    /// keep) is sent without waiting for the answer. A body that runs no statement opens none.
    static func inSnapshot<T>(_ db: PostgresSQLDatabase, _ body: (any SQLDatabase) throws -> T) throws -> T {
        db.sendWithNext("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        do {
            let result = try body(db)
            if !db.dropQueued() { db.sendWithoutWaiting("COMMIT") }
            return result
        } catch {
            if !db.dropQueued() { try? db.simple("ROLLBACK") }
            throw error
        }
    }

    func write<T: Sendable>(_ body: @Sendable @escaping (any SQLDatabase) throws -> T) async throws -> T {
        try await writer.runIfActive {
            try self.withDatabase { db in
                var result: T?
                try db.inTransaction {
                    result = try body(db)
                    return .commit
                }
                guard let result else { throw StoreError.unavailable("the write did not run") }
                self.router?.committed(on: db)
                return result
            }
        }
    }

    func writeWithoutTransaction<T: Sendable>(
        _ body: @Sendable @escaping (any SQLDatabase) throws -> T
    ) async throws -> T {
        try await writer.runIfActive {
            try self.withDatabase { db in
                do {
                    let result = try body(db)
                    self.router?.committed(on: db)
                    return result
                } catch {
                    // The operation may have committed some of its transactions before failing.
                    if !db.connection.isClosed { self.router?.committed(on: db) }
                    throw error
                }
            }
        }
    }

    /// The database interface over a connection.
    func database(_ connection: PostgresConnection) -> PostgresSQLDatabase {
        PostgresSQLDatabase(
            connection: connection,
            logger: logger,
            beginWrite: Self.writeLock,
            endWrite: Self.notify(channel: channel),
            traffic: traffic
        )
    }

    /// Runs `body` on a primary connection from the idle set, or a new one; returns the
    /// connection to the set unless it closed. A connection lent from the set may have been
    /// closed by a restart of the server since its last use: when nothing ran on it, `body` runs
    /// once more on a new connection.
    func withDatabase<T>(_ body: (PostgresSQLDatabase) throws -> T) throws -> T {
        var retried = false
        while true {
            let pooled = pool.take()
            let connection = try pooled ?? primary.connect()
            let db = database(connection)
            do {
                let result = try body(db)
                pool.giveBack(connection)
                return result
            } catch {
                guard Self.isConnectionFailure(error, connection) else {
                    Self.putBack(connection, after: db, in: pool)
                    throw error
                }
                ConnectionPool.discard(connection)
                // The others are as old: a restart or a failover ended them too.
                pool.drain()
                if pooled != nil && db.statementsRun == 0 && !retried {
                    retried = true
                    continue
                }
                throw error
            }
        }
    }

    /// Returns a connection to `pool` after an operation failed on it, outside any transaction;
    /// one that cannot even roll back is closed.
    static func putBack(_ connection: PostgresConnection, after db: PostgresSQLDatabase, in pool: ConnectionPool) {
        do {
            try db.simple("ROLLBACK")
            pool.giveBack(connection)
        } catch {
            ConnectionPool.discard(connection)
        }
    }

    /// Whether an operation failed because of its connection or the server (closed, shutting
    /// down, no longer accepting writes) rather than because of what it asked.
    static func isConnectionFailure(_ error: any Error, _ connection: PostgresConnection) -> Bool {
        if connection.isClosed { return true }
        if case StoreError.unavailable = error { return true }
        return false
    }

    /// A connection failure in words: postgres-nio's errors hide the server's message from
    /// `description`.
    static func describe(_ error: any Error) -> String {
        if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] { return message }
            if let underlying = psql.underlying { return "\(psql.code): \(underlying)" }
            return "\(psql.code)"
        }
        return "\(error)"
    }
}
