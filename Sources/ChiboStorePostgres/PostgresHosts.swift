import ChiboStore
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// Connects to one of the servers a URL names, the one in the role wanted: the primary (of a
/// multi-host URL, the server that accepts writes, `pg_is_in_recovery()` false) or a standby
/// (`pg_is_in_recovery()` true). Servers are tried in turn from the last one that answered, so
/// after a failover the next connection finds the promoted standby.
final class PostgresHosts: Sendable {
    /// What the server connected to must be.
    enum Role: Sendable {
        /// Whatever answers (a URL of one host: its server, as given).
        case any
        /// A server that accepts writes.
        case writable
        /// A hot standby.
        case standby
    }

    let endpoints: [PostgresLocation.Endpoint]
    let configurations: [PostgresConnection.Configuration]
    let role: Role
    let logger: Logger
    private let preferred = Atomic<Int>(0)
    private static let nextConnectionID = Atomic<Int>(1)

    /// The servers of `location`, connected to with `configure`'s configuration for each.
    init(
        _ location: PostgresLocation,
        role: Role,
        logger: Logger,
        configure: (PostgresLocation.Endpoint) throws -> PostgresConnection.Configuration
    ) rethrows {
        endpoints = location.endpoints
        configurations = try location.endpoints.map(configure)
        self.role = role == .writable && location.endpoints.count == 1 ? .any : role
        self.logger = logger
    }

    /// The servers, as `HOST:PORT,HOST:PORT`.
    var description: String { endpoints.map(\.description).joined(separator: ",") }

    /// A new connection, waiting for it (on the store's own threads only).
    func connect() throws -> PostgresConnection {
        var failures: [String] = []
        for index in order() {
            do {
                let connection = try attempt(index).wait()
                preferred.store(index, ordering: .relaxed)
                return connection
            } catch {
                failures.append(failure(index, error))
            }
        }
        throw unreachable(failures)
    }

    /// A new connection.
    func connect() async throws -> PostgresConnection {
        var failures: [String] = []
        for index in order() {
            do {
                let connection = try await attempt(index).get()
                preferred.store(index, ordering: .relaxed)
                return connection
            } catch {
                failures.append(failure(index, error))
            }
        }
        throw unreachable(failures)
    }

    /// The servers to try, from the one that answered last.
    private func order() -> [Int] {
        let first = preferred.load(ordering: .relaxed)
        return (0..<endpoints.count).map { (first + $0) % endpoints.count }
    }

    private func failure(_ index: Int, _ error: any Error) -> String {
        endpoints.count == 1 ? PostgresEngine.describe(error) : "\(endpoints[index]): \(PostgresEngine.describe(error))"
    }

    private func unreachable(_ failures: [String]) -> StoreError {
        switch role {
        case .any, .writable:
            StoreError.unavailable("cannot connect to PostgreSQL: " + failures.joined(separator: "; "))
        case .standby: StoreError.unavailable("cannot read from the standby: " + failures.joined(separator: "; "))
        }
    }

    /// Connects to server `index` and checks its role.
    private func attempt(_ index: Int) -> EventLoopFuture<PostgresConnection> {
        let connected = PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(),
            configuration: configurations[index],
            id: Self.nextConnectionID.add(1, ordering: .relaxed).oldValue,
            logger: logger
        )
        let role = role
        guard role != .any else { return connected }
        let logger = logger
        return connected.flatMap { connection in
            connection.query("SELECT pg_is_in_recovery()", logger: logger).flatMapThrowing { result in
                let inRecovery = try result.rows.first?.first?.decode(Bool.self) ?? false
                switch (role, inRecovery) {
                case (.writable, true): throw WrongRole(text: "a standby: it does not accept writes")
                case (.standby, false): throw WrongRole(text: "not a standby (pg_is_in_recovery() is false)")
                default: return connection
                }
            }.flatMapErrorThrowing { error in
                ConnectionPool.discard(connection)
                throw error
            }
        }
    }

    /// A server answered but is not in the role wanted.
    struct WrongRole: Error, CustomStringConvertible {
        var text: String
        var description: String { text }
    }
}
