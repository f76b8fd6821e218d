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
/// The store's operations are synchronous code over `SQLDatabase`, shared with SQLite, so they
/// run on threads of their own and wait for each statement. postgres-nio's `PostgresClient`
/// lends connections to async code only; this engine keeps its own small set instead, one
/// connection per busy thread at most, replacing any that closed.
final class PostgresEngine: SQLEngine {
    let configuration: PostgresConnection.Configuration
    let logger: Logger
    private let readers: NIOThreadPool
    private let writer: NIOThreadPool
    private let idle = Mutex<[PostgresConnection]>([])
    private let nextConnectionID = Atomic<Int>(1)

    /// The statement every write transaction starts with: the lock of the store's schema.
    static let writeLock = "SELECT pg_advisory_xact_lock(hashtext('chibo write ' || current_schema()))"
    /// The statement every write transaction ends with: wakes the change feeds of every server.
    static func notify(channel: String) -> String { "NOTIFY \(channel)" }

    let channel: String

    init(configuration: PostgresConnection.Configuration, channel: String, readerThreads: Int, logger: Logger) {
        self.configuration = configuration
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
        // A connection must be closed before it is freed: each is kept by its close's callback.
        for connection in idle.withLock({ $0 }) { connection.close().whenComplete { _ in _ = connection } }
    }

    /// Closes the connections and stops the threads.
    func close() async {
        for connection in idle.withLock({ connections in
            defer { connections = [] }
            return connections
        }) {
            try? await connection.close()
        }
        try? await readers.shutdownGracefully()
        try? await writer.shutdownGracefully()
    }

    var schemaVersion: Int {
        get async throws {
            try await read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM chibo_migration") ?? 0
            }
        }
    }

    func read<T: Sendable>(_ body: @Sendable @escaping (any SQLDatabase) throws -> T) async throws -> T {
        try await readers.runIfActive {
            try self.withDatabase { db in
                try db.simple("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                do {
                    let result = try body(db)
                    try db.simple("COMMIT")
                    return result
                } catch {
                    try? db.simple("ROLLBACK")
                    throw error
                }
            }
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
                return result
            }
        }
    }

    func writeWithoutTransaction<T: Sendable>(
        _ body: @Sendable @escaping (any SQLDatabase) throws -> T
    ) async throws -> T {
        try await writer.runIfActive { try self.withDatabase(body) }
    }

    /// Runs `body` on a connection from the idle set, or a new one; returns the connection to
    /// the set unless it closed.
    func withDatabase<T>(_ body: (PostgresSQLDatabase) throws -> T) throws -> T {
        let connection = try takeConnection()
        let db = PostgresSQLDatabase(
            connection: connection,
            logger: logger,
            beginWrite: Self.writeLock,
            endWrite: Self.notify(channel: channel)
        )
        do {
            let result = try body(db)
            if !connection.isClosed { idle.withLock { $0.append(connection) } }
            return result
        } catch {
            // A connection goes back only outside any transaction; one that cannot even roll
            // back is closed.
            do {
                try db.simple("ROLLBACK")
                idle.withLock { $0.append(connection) }
            } catch {
                connection.close().whenComplete { _ in _ = connection }
            }
            throw error
        }
    }

    private func takeConnection() throws -> PostgresConnection {
        while let connection = idle.withLock({ $0.popLast() }) {
            if !connection.isClosed { return connection }
        }
        do {
            return try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.next(),
                configuration: configuration,
                id: nextConnectionID.add(1, ordering: .relaxed).oldValue,
                logger: logger
            ).wait()
        } catch {
            throw StoreError.unavailable("cannot connect to PostgreSQL: \(Self.describe(error))")
        }
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
