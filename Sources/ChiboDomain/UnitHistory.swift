import ChiboModel

/// An org unit's history by date: whether it existed on a day and under which parent. The
/// periods are half-open (`from` included, `to` the first day after) and an absent end is open,
/// as everywhere in the records.
public enum UnitHistory {
    /// Whether a half-open range holds a date (absent ends are open; no range holds every date).
    public static func contains(_ range: DateRange?, _ date: CalendarDate) -> Bool {
        if let from = range?.from, date < from { return false }
        if let to = range?.to, date >= to { return false }
        return true
    }

    /// The parent of a unit on a date, from its parent history (or its current parent when it
    /// has none); nil for a unit at the top of the tree that day.
    public static func parent(of unit: OrgUnit, on date: CalendarDate) -> String? {
        if unit.parentHistory.isEmpty { return unit.parentId.isEmpty ? nil : unit.parentId }
        return unit.parentHistory.last { contains($0.valid, date) }?.parentId
    }

    /// Every unit a unit was ever directly under: the parents of its history, then its current
    /// parent (the walk up a report's root follows these).
    public static func parentsEver(of unit: OrgUnit) -> [String] {
        unit.parentHistory.map(\.parentId) + (unit.parentId.isEmpty ? [] : [unit.parentId])
    }
}
