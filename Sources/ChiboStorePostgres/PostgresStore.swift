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

    /// The statements this store's operations have sent to its servers and the round trips they
    /// waited for, since it opened (the role check of a new connection and the change listener's
    /// statements are not counted).
    public var traffic: PostgresTraffic { postgres.traffic.traffic }

    /// The schema version this build migrates a database to.
    public static var latestSchemaVersion: Int { PostgresMigrations.all.count }

    /// Connects to the database at `location`, creating its schema or migrating it to the
    /// current version. `readerThreads` reads run at once (each on its own connection), besides
    /// the one writer. A database migrated by a newer version is refused with
    /// `StoreError.newerSchema`. With `auditSeal`, audit entries are authenticated with its key
    /// (see `SQLStore.auditSeal`).
    ///
    /// With `replicas` (hot standbys of the same database, streaming from its primary), reads go
    /// to a standby that has replayed this server's last commit within `replicaWait`, else to the
    /// primary (see `ReplicaRouter`). Each standby is logged in to as its URL says; the tables
    /// are in `location`'s schema (a standby's URL that names another is refused).
    public init(
        location: PostgresLocation,
        replicas: [PostgresLocation] = [],
        replicaWait: Duration = .milliseconds(500),
        readerThreads: Int = 4,
        logger: Logger? = nil,
        auditSeal: AuditSeal? = nil
    ) async throws {
        self.location = location
        let logger = logger ?? Logger(label: "chibo.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
        let primary = try PostgresHosts(location, role: location.requiresWritable ? .writable : .any, logger: logger) {
            try Self.configuration(location, $0)
        }
        var standbys: [PostgresHosts] = []
        for replica in replicas {
            if replica.schema != "public" && replica.schema != location.schema {
                throw StoreError.unavailable(
                    "the standby \(replica.description) names the schema \(replica.schema), "
                        + "not the primary's \(location.schema)"
                )
            }
            var replica = replica
            replica.schema = location.schema
            standbys.append(
                try PostgresHosts(replica, role: .standby, logger: logger) { try Self.configuration(replica, $0) }
            )
        }
        let router =
            standbys.isEmpty ? nil : ReplicaRouter(replicas: standbys, wait: replicaWait, logger: logger)
        let channel = "chibo_change_\(location.schema)"
        let engine = PostgresEngine(
            primary: primary,
            router: router,
            channel: channel,
            readerThreads: readerThreads,
            logger: logger
        )
        postgres = engine
        let signal = ChangeSignal()
        listener = Self.listen(primary: primary, channel: channel, signal: signal, router: router, logger: logger)
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

    /// How to log in to one server of `location`.
    static func configuration(
        _ location: PostgresLocation,
        _ endpoint: PostgresLocation.Endpoint
    ) throws -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: endpoint.host,
            port: endpoint.port,
            username: location.user,
            password: location.password,
            database: location.database,
            tls: try Self.tls(location.tls)
        )
        // JIT off: Chibo's statements are index lookups of milliseconds, but on a large
        // database the planner's estimates pass JIT's cost thresholds, and compiling took 248 ms
        // of a 3 ms statement (the nation's commune overview, the absence candidates).
        configuration.options.additionalStartupParameters = [
            ("search_path", location.schema), ("application_name", "chibo-server"), ("jit", "off"),
        ]
        configuration.options.connectTimeout = .seconds(10)
        return configuration
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

    /// Listens on the change channel of the primary for as long as the store lives,
    /// reconnecting after a lost connection (to whichever host accepts writes); each notification
    /// (and each reconnection, which may have missed some) wakes the change feed. With standbys,
    /// the primary's WAL position is read first and raises the router's mark, so that the feed's
    /// catch-up, and any read after, waits for a standby to replay the change notified.
    static func listen(
        primary: PostgresHosts,
        channel: String,
        signal: ChangeSignal,
        router: ReplicaRouter?,
        logger: Logger
    ) -> Task<Void, Never> {
        Task.detached {
            while !Task.isCancelled {
                do {
                    let connection = try await primary.connect()
                    do {
                        try await connection.listen(on: channel) { notifications in
                            try await Self.raiseMark(router, connection, logger)
                            signal.notify()
                            for try await _ in notifications {
                                try await Self.raiseMark(router, connection, logger)
                                signal.notify()
                            }
                        }
                    } catch {}
                    try? await connection.close()
                } catch {}
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// Raises the router's mark to the primary's current WAL position, read on `connection`.
    private static func raiseMark(
        _ router: ReplicaRouter?,
        _ connection: PostgresConnection,
        _ logger: Logger
    )
        async throws
    {
        guard let router else { return }
        let result = try await connection.query(PostgresQuery(unsafeSQL: ReplicaRouter.positionQuery), logger: logger)
            .get()
        guard let text = try result.rows.first?.first?.decode(String.self), let position = WALPosition.parse(text)
        else { throw StoreError.unavailable("the primary answered no WAL position") }
        router.raise(to: position)
    }
}
