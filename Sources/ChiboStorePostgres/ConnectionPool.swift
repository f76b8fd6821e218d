import NIOCore
import PostgresNIO
import Synchronization

/// The idle connections to one server (or one choice among several): taken by a thread for an
/// operation and given back after, unless closed.
final class ConnectionPool: Sendable {
    private let idle = Mutex<[PostgresConnection]>([])

    /// An idle connection that is still open, or nil.
    func take() -> PostgresConnection? {
        while let connection = idle.withLock({ $0.popLast() }) {
            if !connection.isClosed { return connection }
        }
        return nil
    }

    /// Keeps `connection` for the next operation, unless it closed.
    func giveBack(_ connection: PostgresConnection) {
        if !connection.isClosed { idle.withLock { $0.append(connection) } }
    }

    /// Closes every idle connection, as after the server behind them went away or stopped
    /// accepting writes: none is lent again.
    func drain() {
        for connection in takeAll() { Self.discard(connection) }
    }

    /// Every idle connection, leaving none.
    func takeAll() -> [PostgresConnection] {
        idle.withLock { connections in
            defer { connections = [] }
            return connections
        }
    }

    /// Closes a connection that will not be used again; it is kept alive until its close ends,
    /// as a connection must be closed before it is freed.
    static func discard(_ connection: PostgresConnection) {
        connection.close().whenComplete { _ in _ = connection }
    }
}
