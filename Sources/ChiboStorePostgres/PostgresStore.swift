import ChiboStore
import ChiboStoreSQL
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// The store on PostgreSQL, for several `chibo-server` processes sharing one database: the
/// same records, checks and queries as SQLite (`SQLStore`), writes serialised across servers by
/// an advisory lock, reads in snapshots on several connections, and every server's change feed
/// woken by `NOTIFY` when any server commits.
public final class PostgresStore: SQLStore, @unchecked Sendable {
    // Unchecked: SQLStore is open, so not checked; the properties added here are immutable and
    // Sendable.

    /// Where the database is.
    public let location: PostgresLocation
    private let postgres: PostgresEngine
    private let listener: Task<Void, Never>

    /// A short name for server info.
    public override var backendName: String { "postgres" }

    /// The schema version this build migrates a database to.
    public static var latestSchemaVersion: Int { PostgresMigrations.all.count }

    /// Connects to the database at `location`, creating its schema or migrating it to the
    /// current version. `readerThreads` reads run at once (each on its own connection), besides
    /// the one writer. A database migrated by a newer version is refused with
    /// `StoreError.newerSchema`. With `auditSeal`, audit entries are authenticated with its key
    /// (see `SQLStore.auditSeal`).
    public init(
        location: PostgresLocation,
        readerThreads: Int = 4,
        logger: Logger? = nil,
        auditSeal: AuditSeal? = nil
    ) async throws {
        self.location = location
        var configuration = PostgresConnection.Configuration(
            host: location.host,
            port: location.port,
            username: location.user,
            password: location.password,
            database: location.database,
            tls: try Self.tls(location.tls)
        )
        configuration.options.additionalStartupParameters = [("search_path", location.schema)]
        configuration.options.connectTimeout = .seconds(10)
        let logger = logger ?? Logger(label: "chibo.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
        let channel = "chibo_change_\(location.schema)"
        let engine = PostgresEngine(
            configuration: configuration,
            channel: channel,
            readerThreads: readerThreads,
            logger: logger
        )
        postgres = engine
        let signal = ChangeSignal()
        listener = Self.listen(configuration: configuration, channel: channel, signal: signal, logger: logger)
        super.init(engine: engine, changeSignal: signal, auditSeal: auditSeal)
        do {
            try await engine.writeWithoutTransaction { db in
                guard let db = db as? PostgresSQLDatabase else { return }
                try PostgresMigrations.migrate(db, schema: location.schema)
            }
        } catch {
            await close()
            throw error
        }
    }

    deinit { listener.cancel() }

    /// Closes the connections and stops the store's threads.
    public func close() async {
        listener.cancel()
        await postgres.close()
    }

    static func tls(_ mode: PostgresLocation.TLSMode) throws -> PostgresConnection.Configuration.TLS {
        switch mode {
        case .disable: return .disable
        case .prefer: return .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: return .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
    }

    /// Listens on the change channel for as long as the store lives, reconnecting after a lost
    /// connection; each notification (and each reconnection, which may have missed some) wakes
    /// the change feed.
    static func listen(
        configuration: PostgresConnection.Configuration,
        channel: String,
        signal: ChangeSignal,
        logger: Logger
    ) -> Task<Void, Never> {
        Task.detached {
            var connectionID = 1_000_000
            while !Task.isCancelled {
                connectionID += 1
                do {
                    let connection = try await PostgresConnection.connect(
                        configuration: configuration,
                        id: connectionID,
                        logger: logger
                    )
                    do {
                        try await connection.listen(on: channel) { notifications in
                            signal.notify()
                            for try await _ in notifications { signal.notify() }
                        }
                    } catch {}
                    try? await connection.close()
                } catch {}
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
