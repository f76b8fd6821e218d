import ChiboStore
import ChiboStoreSQL
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// Sends reads to hot standbys while keeping them consistent with the writes this server has
/// seen: the primary's WAL position after each of this store's commits, and after each change
/// notification from any server, is kept as a high-water mark (one for the whole store, not one
/// per client: simpler, and it also covers a client that writes through one connection and reads
/// through another, or through another server whose change it was notified of). A read goes to a
/// standby only once the standby has replayed the log up to that mark; it waits for it within
/// `wait`, else the read goes to the primary and the standby is left out for `retryAfter`, with
/// a log line. A standby that cannot be reached, has lost its connection, or has been promoted is
/// left out the same way. Nothing of this reaches a client as an error.
final class ReplicaRouter: Sendable {
    /// One standby: its connections and what is known of it.
    final class Replica: Sendable {
        let hosts: PostgresHosts
        let pool = ConnectionPool()
        let state = Mutex(State())

        struct State {
            /// Until when reads pass it by.
            var skippedUntil: ContinuousClock.Instant?
            /// The highest WAL position it was seen to have replayed.
            var replayed: UInt64 = 0
        }

        init(hosts: PostgresHosts) { self.hosts = hosts }
    }

    /// The high-water mark when the position of a commit could not be read: reads go to the
    /// primary until the next position is known.
    static let unknown = UInt64.max

    let replicas: [Replica]
    let wait: Duration
    let retryAfter: Duration
    let logger: Logger
    private let mark = Atomic<UInt64>(0)
    private let turn = Atomic<Int>(0)

    init(replicas: [PostgresHosts], wait: Duration, retryAfter: Duration = .seconds(5), logger: Logger) {
        self.replicas = replicas.map(Replica.init)
        self.wait = wait
        self.retryAfter = retryAfter
        self.logger = logger
    }

    /// Raises the high-water mark to `position` (a commit's, or the primary's at a notification).
    func raise(to position: UInt64) {
        var current = mark.load(ordering: .acquiring)
        while current == Self.unknown || current < position {
            let (exchanged, original) = mark.compareExchange(
                expected: current,
                desired: position,
                ordering: .acquiringAndReleasing
            )
            if exchanged { return }
            current = original
        }
    }

    /// Forgets the mark: a commit's position could not be read.
    func forget() { mark.store(Self.unknown, ordering: .releasing) }

    /// The statement that reads the primary's WAL position. The insert position, not the
    /// written one: with `synchronous_commit` off a commit may not be written yet when it
    /// returns, and a standby replays only what was written, so waiting for the insert position
    /// cannot stop short of the commit.
    static let positionQuery = "SELECT pg_current_wal_insert_lsn()::text"

    /// Records the primary's position after a commit on `db`, the connection that committed.
    func committed(on db: any SQLDatabase) {
        do {
            guard let text = try String.fetchOne(db, sql: Self.positionQuery), let position = WALPosition.parse(text)
            else { throw StoreError.unavailable("the primary answered no WAL position") }
            raise(to: position)
        } catch {
            logger.warning("cannot read the primary's WAL position after a commit; reads go to the primary: \(error)")
            forget()
        }
    }

    /// Runs `body` in a read-only snapshot on a standby that has replayed the mark; nil when
    /// none can serve it (the caller then reads the primary). `database` wraps a connection.
    func read<T>(
        _ body: (any SQLDatabase) throws -> T,
        database: (PostgresConnection) -> PostgresSQLDatabase
    ) throws -> T? {
        let target = mark.load(ordering: .acquiring)
        guard target != Self.unknown else { return nil }
        let first = turn.add(1, ordering: .relaxed).oldValue
        for offset in 0..<replicas.count {
            let replica = replicas[(first + offset) % replicas.count]
            if let skipped = replica.state.withLock({ $0.skippedUntil }), ContinuousClock.now < skipped { continue }
            let connection: PostgresConnection
            do {
                connection = try replica.pool.take() ?? replica.hosts.connect()
            } catch {
                skip(replica, "\(error)")
                continue
            }
            let db = database(connection)
            do {
                if let behind = try waitForReplay(db, replica, target) {
                    skip(
                        replica,
                        "it has replayed the log to \(WALPosition.text(behind)), short of this server's last "
                            + "commit at \(WALPosition.text(target)), after waiting \(wait)"
                    )
                    // Lagging says nothing against the connection: it is kept.
                    replica.pool.giveBack(connection)
                    continue
                }
            } catch {
                ConnectionPool.discard(connection)
                skip(replica, "\(error)")
                continue
            }
            do {
                let result = try PostgresEngine.inSnapshot(db, body)
                replica.pool.giveBack(connection)
                return result
            } catch {
                if Self.isStandbyFailure(error, connection) {
                    ConnectionPool.discard(connection)
                    // A query cancelled by a conflict with recovery (replay removed rows it
                    // needed) says nothing bad of the standby: the read is simply done elsewhere.
                    if !Self.isRecoveryConflict(error) { skip(replica, "\(error)") }
                    continue
                }
                PostgresEngine.putBack(connection, after: db, in: replica.pool)
                throw error
            }
        }
        return nil
    }

    /// Waits until the standby has replayed `target`; nil when it has, else the position it
    /// reached within `wait`. Throws when the server is not a standby (any more).
    private func waitForReplay(_ db: PostgresSQLDatabase, _ replica: Replica, _ target: UInt64) throws -> UInt64? {
        if replica.state.withLock({ $0.replayed }) >= target { return nil }
        let deadline = ContinuousClock.now + wait
        var pause = Duration.milliseconds(1)
        while true {
            guard
                let row = try SQLRow.fetchOne(
                    db,
                    sql: "SELECT pg_is_in_recovery() AS standby, pg_last_wal_replay_lsn()::text AS replayed"
                )
            else { throw StoreError.unavailable("the standby answered nothing") }
            let standby: Bool = row["standby"]
            guard standby else {
                throw StoreError.unavailable(
                    "it is no longer a standby (it was promoted): pg_is_in_recovery() is false"
                )
            }
            let replayedText: String? = row["replayed"]
            let replayed = replayedText.flatMap(WALPosition.parse) ?? 0
            replica.state.withLock { $0.replayed = max($0.replayed, replayed) }
            if replayed >= target { return nil }
            if ContinuousClock.now >= deadline { return replayed }
            Thread.sleep(
                forTimeInterval: Double(pause.components.seconds) + Double(pause.components.attoseconds) / 1e18
            )
            pause = min(pause * 2, .milliseconds(50))
        }
    }

    /// Leaves a standby out of reads for `retryAfter`, saying why once. Its idle connections
    /// are closed: what failed one (a restart, a promotion) most likely ended the others.
    private func skip(_ replica: Replica, _ reason: String) {
        replica.pool.drain()
        let wasServing = replica.state.withLock { state in
            let now = ContinuousClock.now
            let serving = state.skippedUntil.map { $0 <= now } ?? true
            state.skippedUntil = now + retryAfter
            // A standby that failed is asked again where it is before it serves again.
            state.replayed = 0
            return serving
        }
        if wasServing {
            logger.warning(
                "reads skip the standby \(replica.hosts.description) for \(retryAfter) and go to the primary: \(reason)"
            )
        }
    }

    /// Whether a read failed because of the standby rather than the statement: its connection
    /// is gone, it is unavailable, or replay cancelled the query.
    static func isStandbyFailure(_ error: any Error, _ connection: PostgresConnection) -> Bool {
        if connection.isClosed || isRecoveryConflict(error) { return true }
        if case StoreError.unavailable = error { return true }
        return false
    }

    /// Whether the standby cancelled the query for a conflict with recovery (SQLSTATE 40001 on
    /// a standby).
    static func isRecoveryConflict(_ error: any Error) -> Bool {
        (error as? PostgresStatementError)?.sqlState == "40001"
    }
}
