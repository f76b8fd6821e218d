import Synchronization

/// A thread-safe memo table: reports ask the same questions (a unit's rules, its ancestors)
/// for every meeting, and the answers only change on the dates the tree or the rules do.
final class Memo<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let table = Mutex<[Key: Value]>([:])

    /// The remembered value, or `make()`'s, remembered.
    func value(_ key: Key, _ make: () -> Value) -> Value {
        if let known = table.withLock({ $0[key] }) { return known }
        let made = make()
        table.withLock { table in
            if table.count > 1_000_000 { table.removeAll() }
            table[key] = made
        }
        return made
    }
}

/// A unit at a period in which neither the tree nor the rules change.
struct UnitEpoch: Hashable, Sendable {
    var unitID: String
    var epoch: Int
}
