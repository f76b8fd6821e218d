import Synchronization

/// What a PostgreSQL store has asked of its servers since it opened: the statements it sent and
/// the times a thread waited for answers (round trips an operation was blocked on; statements
/// sent together cost one wait, a statement sent without waiting for its answer costs none).
public struct PostgresTraffic: Sendable, Hashable {
    /// Statements sent.
    public var statements: Int
    /// Waits for answers.
    public var roundTrips: Int

    /// Counts of `statements` sent and `roundTrips` waited for.
    public init(statements: Int, roundTrips: Int) {
        self.statements = statements
        self.roundTrips = roundTrips
    }
}

/// The running counts behind `PostgresTraffic`, shared by every connection of an engine.
final class TrafficCounter: Sendable {
    private let statements = Atomic<Int>(0)
    private let roundTrips = Atomic<Int>(0)

    /// Counts `statements` sent and, when `waited`, one round trip.
    func count(statements sent: Int, waited: Bool) {
        statements.add(sent, ordering: .relaxed)
        if waited { roundTrips.add(1, ordering: .relaxed) }
    }

    /// The counts so far.
    var traffic: PostgresTraffic {
        PostgresTraffic(
            statements: statements.load(ordering: .relaxed),
            roundTrips: roundTrips.load(ordering: .relaxed)
        )
    }
}
