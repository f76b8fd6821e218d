import ChiboModel
import ChiboReports
import ChiboStore
import NIOConcurrencyHelpers

/// Answers whether an org unit lies in a token's scope.
///
/// Reading reaches every unit that was ever in the scope's subtree, and the history of the
/// units the scope unit was formed from (a commune made by a merge reads its predecessors'
/// records): an officer keeps the history of units that have since moved away. Writing reaches
/// only the units in the subtree today. The subtree is read from the store once and read again
/// only after a change, and only when the answer could differ.
public final class ScopeResolver: Sendable {
    let store: any Store

    private struct Snapshot {
        var generation: Int
        var history: OrgHistory
        var readable: Set<String>
    }

    private let snapshots = NIOLockedValueBox<[String: Snapshot]>([:])

    /// Creates a resolver over a store.
    public init(store: any Store) {
        self.store = store
    }

    /// Whether a caller scoped to `scopeUnitID` may read records of `unitID`.
    public func canRead(_ unitID: String, scope scopeUnitID: String) async throws -> Bool {
        if scopeUnitID.isEmpty { return true }
        if let known = snapshots.withLockedValue({ $0[scopeUnitID] }), known.readable.contains(unitID) { return true }
        return try await snapshot(scopeUnitID, fresh: true).readable.contains(unitID)
    }

    /// Whether a caller scoped to `scopeUnitID` may change records of `unitID` on `today`.
    public func canWrite(_ unitID: String, scope scopeUnitID: String, today: CalendarDate) async throws -> Bool {
        if scopeUnitID.isEmpty { return true }
        let snapshot = try await snapshot(scopeUnitID, fresh: true)
        return snapshot.history.exists(unitID, on: today)
            && snapshot.history.isUnder(unitID, root: scopeUnitID, on: today)
    }

    private func snapshot(_ scopeUnitID: String, fresh: Bool) async throws -> Snapshot {
        let generation = store.changeSignal.generation
        if let known = snapshots.withLockedValue({ $0[scopeUnitID] }), !fresh || known.generation == generation {
            return known
        }
        var units = try await store.unitsEverUnder(rootID: scopeUnitID)
        var pending = units.first { $0.id == scopeUnitID }?.predecessorIds ?? []
        var seen = Set(units.map(\.id))
        while let predecessor = pending.popLast() {
            for unit in try await store.unitsEverUnder(rootID: predecessor) where seen.insert(unit.id).inserted {
                units.append(unit)
                if unit.id == predecessor { pending += unit.predecessorIds }
            }
        }
        let snapshot = Snapshot(generation: generation, history: OrgHistory(units: units), readable: seen)
        snapshots.withLockedValue { snapshots in
            if snapshots.count > 1000 { snapshots.removeAll() }
            snapshots[scopeUnitID] = snapshot
        }
        return snapshot
    }
}
