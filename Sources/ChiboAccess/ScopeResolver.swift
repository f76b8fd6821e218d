import ChiboDomain
import ChiboModel
import ChiboStore
import NIOConcurrencyHelpers

/// Answers whether an org unit lies in a token's scope, and when.
///
/// Reading is by date: a token scoped to a unit reads what lay under that unit while it did. Each
/// unit that was ever in the scope's subtree has read windows — the periods during which its
/// parents led to the scope unit (or to a unit the scope unit was formed from: a commune made by
/// a merge reads its predecessors' whole history). A cell that moved to another commune is read
/// by the old commune up to the day it left, and nothing later: not the members it admitted
/// after, not its later meetings, not its later changes in the feed. Writing reaches only the
/// units in the subtree today, checked by walking today's parents up from the unit. The windows
/// are read from the store once, and again after a change.
public final class ScopeResolver: Sendable {
    let store: any Store

    private struct Snapshot {
        var generation: Int
        var windows: [String: [ReadWindow]]
        var readable: Set<String> { Set(windows.keys) }
    }

    private let snapshots = NIOLockedValueBox<[String: Snapshot]>([:])

    /// Creates a resolver over a store.
    public init(store: any Store) {
        self.store = store
    }

    /// Whether a caller scoped to `scopeUnitID` may read some of the history of `unitID`.
    public func canRead(_ unitID: String, scope scopeUnitID: String) async throws -> Bool {
        if scopeUnitID.isEmpty { return true }
        return !(try await windows(of: unitID, scope: scopeUnitID)).isEmpty
    }

    /// Whether a caller scoped to `scopeUnitID` may read records of `unitID` dated `date`.
    public func canRead(_ unitID: String, on date: CalendarDate, scope scopeUnitID: String) async throws -> Bool {
        if scopeUnitID.isEmpty { return true }
        return try await windows(of: unitID, scope: scopeUnitID).contains { $0.contains(date.isoKey) }
    }

    /// Whether a caller scoped to `scopeUnitID` may read records of `unitID` for some day from
    /// `from` up to (not including) `to`; nil bounds are open.
    public func canRead(
        _ unitID: String,
        from: CalendarDate?,
        to: CalendarDate?,
        scope scopeUnitID: String
    ) async throws -> Bool {
        if scopeUnitID.isEmpty { return true }
        let period = ReadWindow(from: from?.isoKey, to: to?.isoKey)
        return try await windows(of: unitID, scope: scopeUnitID).contains { $0.overlaps(period) }
    }

    /// Whether a caller scoped to `scopeUnitID` may read a member: the member belonged to a
    /// cell while that cell lay under the scope (a member admitted to a cell after it moved away
    /// is not the old commune's to read).
    public func canRead(_ member: Member, scope scopeUnitID: String) async throws -> Bool {
        if scopeUnitID.isEmpty { return true }
        let periods =
            member.cellHistory.isEmpty
            ? [CellPeriod(cellId: member.cellId, valid: nil)] : member.cellHistory
        // A period with no start began when the member joined the party (their first event).
        let joined =
            member.admittedOn
            ?? member.events.compactMap(\.effectiveOn).min { $0.isoKey < $1.isoKey }
        for period in periods where !period.cellId.isEmpty {
            let from = period.valid?.from ?? joined
            if try await canRead(period.cellId, from: from, to: period.valid?.to, scope: scopeUnitID) {
                return true
            }
        }
        return false
    }

    /// The periods during which `unitID` lay under the scope; empty when it never did.
    public func windows(of unitID: String, scope scopeUnitID: String) async throws -> [ReadWindow] {
        if scopeUnitID.isEmpty { return [ReadWindow(from: nil, to: nil)] }
        if let known = snapshots.withLockedValue({ $0[scopeUnitID] }), known.generation == store.changeSignal.generation
        {
            return known.windows[unitID] ?? []
        }
        return try await snapshot(scopeUnitID).windows[unitID] ?? []
    }

    /// Whether a caller scoped to `scopeUnitID` may change records of `unitID` on `today`: the
    /// unit exists today and its parents today lead to the scope unit. Read fresh from the store
    /// on every call (a few lookups up the tree), so a unit moved out of the scope is out at
    /// once, and writing never reloads the whole subtree.
    public func canWrite(_ unitID: String, scope scopeUnitID: String, today: CalendarDate) async throws -> Bool {
        if scopeUnitID.isEmpty { return true }
        guard let unit = try await store.orgUnit(id: unitID), unit.meta?.voided != true,
            UnitHistory.contains(unit.valid, today)
        else { return false }
        var current = unit
        for _ in 0..<64 {
            if current.id == scopeUnitID { return true }
            guard let parentID = UnitHistory.parent(of: current, on: today),
                let parent = try await store.orgUnit(id: parentID)
            else { return false }
            current = parent
        }
        return false
    }

    /// The read windows of every unit under a scope, read again only after a change.
    private func snapshot(_ scopeUnitID: String) async throws -> Snapshot {
        let generation = store.changeSignal.generation
        if let known = snapshots.withLockedValue({ $0[scopeUnitID] }), known.generation == generation {
            return known
        }
        var units: [String: OrgUnit] = [:]
        for unit in try await store.unitsEverUnder(rootID: scopeUnitID) { units[unit.id] = unit }
        // The scope unit and the units it was formed from read their whole history.
        var roots: Set<String> = [scopeUnitID]
        var pending = units[scopeUnitID]?.predecessorIds ?? []
        while let predecessor = pending.popLast() {
            guard roots.insert(predecessor).inserted else { continue }
            for unit in try await store.unitsEverUnder(rootID: predecessor) where units[unit.id] == nil {
                units[unit.id] = unit
            }
            pending += units[predecessor]?.predecessorIds ?? []
        }
        var windows: [String: [ReadWindow]] = [:]
        for root in roots { windows[root] = [ReadWindow(from: nil, to: nil)] }
        func resolve(_ id: String, depth: Int) -> [ReadWindow] {
            if let known = windows[id] { return known }
            guard depth < 64, let unit = units[id] else { return [] }
            let periods =
                unit.parentHistory.isEmpty
                ? [ParentPeriod(parentId: unit.parentId, valid: nil)] : unit.parentHistory
            var result: [ReadWindow] = []
            for period in periods where !period.parentId.isEmpty {
                let own = ReadWindow(from: period.valid?.from?.isoKey, to: period.valid?.to?.isoKey)
                result += resolve(period.parentId, depth: depth + 1).compactMap { $0.intersection(own) }
            }
            windows[id] = result
            return result
        }
        for id in units.keys { _ = resolve(id, depth: 0) }
        let snapshot = Snapshot(generation: generation, windows: windows.filter { !$0.value.isEmpty })
        snapshots.withLockedValue { snapshots in
            if snapshots.count > 1000 { snapshots.removeAll() }
            snapshots[scopeUnitID] = snapshot
        }
        return snapshot
    }
}

/// A period during which a unit lay under a token's scope: from `from` up to, not including,
/// `to` (ISO dates, `yyyy-MM-dd`); nil bounds are open.
public struct ReadWindow: Hashable, Sendable {
    /// The first day, or nil for always before.
    public var from: String?
    /// The first day after, or nil for still.
    public var to: String?

    /// Creates a window.
    public init(from: String?, to: String?) {
        self.from = from
        self.to = to
    }

    /// Whether a day (ISO key) lies in the window.
    public func contains(_ day: String) -> Bool {
        (from.map { $0 <= day } ?? true) && (to.map { day < $0 } ?? true)
    }

    /// Whether the window shares a day with another.
    public func overlaps(_ other: ReadWindow) -> Bool {
        intersection(other) != nil
    }

    /// The days both windows hold, or nil when none.
    public func intersection(_ other: ReadWindow) -> ReadWindow? {
        let start = [from, other.from].compactMap { $0 }.max()
        let end = [to, other.to].compactMap { $0 }.min()
        if let start, let end, start >= end { return nil }
        return ReadWindow(from: start, to: end)
    }

    /// The last day of the window, or nil when it is still open.
    public var lastDay: CalendarDate? {
        guard let to else { return nil }
        let parts = to.split(separator: "-").compactMap { Int32($0) }
        guard parts.count == 3 else { return nil }
        return CalendarDate(year: parts[0], month: parts[1], day: parts[2]).adding(days: -1)
    }
}
