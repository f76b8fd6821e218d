import NIOConcurrencyHelpers

/// What the memory budget asks of one connection; each request runs on the connection's event
/// loop.
protocol BudgetedConnection: Sendable {
    /// Stop reading from the peer until `resumeReading`.
    func pauseReading()
    /// Read again.
    func resumeReading()
    /// Send a go-away with RESOURCE_EXHAUSTED and close.
    func exhaust(_ message: String)
}

/// One server-wide budget for the bytes connections hold: the start of frames not yet whole and
/// responses queued but not yet written. Each connection reports what it holds after every read
/// and write; its fair share is the budget divided by the connections holding anything.
///
/// - Past three quarters of the budget, a connection holding more than its share stops being
///   read (backpressure) until the total falls below half the budget.
/// - Past the budget, the connections holding the most are closed with RESOURCE_EXHAUSTED until
///   the total is within it again.
final class MemoryBudget: Sendable {
    /// The most bytes all connections together may hold.
    let limit: Int

    private struct Entry {
        var held = 0
        var paused = false
        let connection: any BudgetedConnection
    }

    private struct State {
        var entries: [ObjectIdentifier: Entry] = [:]
        var total = 0
        var holders = 0
        var paused = 0
    }

    private let state = NIOLockedValueBox(State())

    /// A budget of `limit` bytes.
    init(limit: Int) {
        self.limit = max(limit, 1)
    }

    /// Above this total, connections over their share stop being read.
    var pauseAbove: Int { limit / 4 * 3 }
    /// Below this total, paused connections are read again.
    var resumeBelow: Int { limit / 2 }

    /// Bytes held by all connections now.
    var totalHeld: Int { state.withLockedValue { $0.total } }

    /// Connections told to stop reading and not yet resumed.
    var pausedConnections: Int { state.withLockedValue { $0.paused } }

    /// Starts accounting for a connection.
    func register(_ id: ObjectIdentifier, _ connection: any BudgetedConnection) {
        state.withLockedValue { $0.entries[id] = Entry(connection: connection) }
    }

    /// Stops accounting for a connection that closed; its bytes are free again.
    func remove(_ id: ObjectIdentifier) {
        let resumed: [any BudgetedConnection] = state.withLockedValue { state in
            guard let entry = state.entries.removeValue(forKey: id) else { return [] }
            Self.forget(entry, in: &state)
            return resumeIfLow(&state)
        }
        for connection in resumed { connection.resumeReading() }
    }

    /// A connection now holds `held` bytes; returns true when it must stop reading.
    func report(_ id: ObjectIdentifier, held: Int) -> Bool {
        var closed: [(any BudgetedConnection, Int)] = []
        var resumed: [any BudgetedConnection] = []
        let pause: Bool = state.withLockedValue { state in
            guard var entry = state.entries[id] else { return false }
            state.total += held - entry.held
            if entry.held == 0 && held > 0 { state.holders += 1 }
            if entry.held > 0 && held == 0 { state.holders -= 1 }
            entry.held = held
            state.entries[id] = entry
            while state.total > limit, let worst = state.entries.max(by: { $0.value.held < $1.value.held }),
                worst.value.held > 0
            {
                state.entries[worst.key] = nil
                Self.forget(worst.value, in: &state)
                closed.append((worst.value.connection, worst.value.held))
            }
            guard var current = state.entries[id] else { return false }
            let share = limit / max(state.holders, 1)
            if state.total > pauseAbove, current.held > share {
                if !current.paused {
                    current.paused = true
                    state.paused += 1
                    state.entries[id] = current
                }
                return true
            }
            resumed = resumeIfLow(&state)
            return false
        }
        for (connection, held) in closed {
            connection.exhaust(
                "the server's memory budget of \(limit) bytes is spent; this connection held the most (\(held) bytes)"
            )
        }
        for connection in resumed { connection.resumeReading() }
        return pause
    }

    private static func forget(_ entry: Entry, in state: inout State) {
        state.total -= entry.held
        if entry.held > 0 { state.holders -= 1 }
        if entry.paused { state.paused -= 1 }
    }

    /// Resumes every paused connection once the total is low again.
    private func resumeIfLow(_ state: inout State) -> [any BudgetedConnection] {
        guard state.paused > 0, state.total < resumeBelow else { return [] }
        var resumed: [any BudgetedConnection] = []
        for (id, entry) in state.entries where entry.paused {
            state.entries[id]?.paused = false
            resumed.append(entry.connection)
        }
        state.paused = 0
        return resumed
    }
}
