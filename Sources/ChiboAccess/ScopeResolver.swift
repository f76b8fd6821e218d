import ChiboModel
import ChiboReports
import ChiboStore
import NIOConcurrencyHelpers

/// Answers whether an org unit lies in a token's scope.
///
/// Reading reaches every unit that was ever in the scope's subtree, and the history of the
/// units the scope unit was formed from (a commune made by a merge reads its predecessors'
/// records): an officer keeps the history of units that have since moved away. Writing reaches
/// only the units in the subtree today, checked by walking today's parents up from the unit. The
/// readable units are read from the store once, and again after a change only when a unit is
/// not among them.
public final class ScopeResolver: Sendable {
    let store: any Store

    private struct Snapshot {
        var generation: Int
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
        return try await snapshot(scopeUnitID).readable.contains(unitID)
    }

    /// Whether a caller scoped to `scopeUnitID` may change records of `unitID` on `today`: the
    /// unit exists today and its parents today lead to the scope unit. Read fresh from the store
    /// on every call (a few lookups up the tree), so a unit moved out of the scope is out at
    /// once, and writing never reloads the whole subtree.
    public func canWrite(_ unitID: String, scope scopeUnitID: String, today: CalendarDate) async throws -> Bool {
        if scopeUnitID.isEmpty { return true }
        guard let unit = try await store.orgUnit(id: unitID), unit.meta?.voided != true,
            OrgHistory.contains(unit.valid, today)
        else { return false }
        var current = unit
        for _ in 0..<64 {
            if current.id == scopeUnitID { return true }
            guard let parentID = OrgHistory(units: [current]).parent(of: current.id, on: today),
                let parent = try await store.orgUnit(id: parentID)
            else { return false }
            current = parent
        }
        return false
    }

    /// The units readable under a scope, read again only after a change.
    private func snapshot(_ scopeUnitID: String) async throws -> Snapshot {
        let generation = store.changeSignal.generation
        if let known = snapshots.withLockedValue({ $0[scopeUnitID] }), known.generation == generation {
            return known
        }
        let units = try await store.unitsEverUnder(rootID: scopeUnitID)
        var pending = units.first { $0.id == scopeUnitID }?.predecessorIds ?? []
        var seen = Set(units.map(\.id))
        while let predecessor = pending.popLast() {
            for unit in try await store.unitsEverUnder(rootID: predecessor) where seen.insert(unit.id).inserted {
                if unit.id == predecessor { pending += unit.predecessorIds }
            }
        }
        let snapshot = Snapshot(generation: generation, readable: seen)
        snapshots.withLockedValue { snapshots in
            if snapshots.count > 1000 { snapshots.removeAll() }
            snapshots[scopeUnitID] = snapshot
        }
        return snapshot
    }
}
