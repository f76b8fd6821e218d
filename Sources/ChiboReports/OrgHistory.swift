import ChiboDomain
import ChiboModel

/// The org tree over time, from unit records with their parent history: who sat under whom on
/// any date, so a report places each meeting by the tree of its day (units merge, split and
/// move, and history must survive that).
public struct OrgHistory: Sendable {
    /// Units by id.
    public let units: [String: OrgUnit]

    /// Sort keys by unit id, each computed when first asked for: a report over the whole tree
    /// sorts a few rows, not its 250,000 units.
    private let sortKeys = Memo<String, String>()
    /// Every date on which some unit starts, ends or changes parent, sorted: between two of
    /// them the tree stands still.
    let changeDates: [CalendarDate]
    private let ancestorMemo = Memo<UnitEpoch, [String]>()

    /// Creates a history from unit records (the report's subtree and the root's ancestors).
    public init(units: [OrgUnit]) {
        self.units = Dictionary(units.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var dates = Set<CalendarDate>()
        for unit in units {
            for date in [unit.valid?.from, unit.valid?.to]
                + unit.parentHistory.flatMap({ [$0.valid?.from, $0.valid?.to] })
            {
                if let date { dates.insert(date) }
            }
        }
        self.changeDates = dates.sorted()
    }

    /// The number of change dates on or before `date`, in `dates` (sorted): two days with the
    /// same epoch see the same tree.
    static func epoch(of date: CalendarDate, in dates: [CalendarDate]) -> Int {
        var low = 0
        var high = dates.count
        while low < high {
            let middle = (low + high) / 2
            if dates[middle] <= date { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Whether a unit existed on a date (its validity period holds the date).
    public func exists(_ unitID: String, on date: CalendarDate) -> Bool {
        guard let unit = units[unitID] else { return false }
        return UnitHistory.contains(unit.valid, date)
    }

    /// The parent of a unit on a date, from its parent history (or its current parent when it
    /// has none).
    public func parent(of unitID: String, on date: CalendarDate) -> String? {
        guard let unit = units[unitID] else { return nil }
        return UnitHistory.parent(of: unit, on: date)
    }

    /// The unit's ancestors on a date, nearest first.
    public func ancestors(of unitID: String, on date: CalendarDate) -> [String] {
        let key = UnitEpoch(unitID: unitID, epoch: Self.epoch(of: date, in: changeDates))
        return ancestorMemo.value(key) { walkAncestors(of: unitID, on: date) }
    }

    private func walkAncestors(of unitID: String, on date: CalendarDate) -> [String] {
        var chain: [String] = []
        var current = unitID
        while let parent = parent(of: current, on: date), !chain.contains(parent), chain.count < 64 {
            chain.append(parent)
            current = parent
        }
        return chain
    }

    /// Whether a unit was `rootID` or below it on a date.
    public func isUnder(_ unitID: String, root rootID: String, on date: CalendarDate) -> Bool {
        unitID == rootID || ancestors(of: unitID, on: date).contains(rootID)
    }

    /// The unit of `kind` that `unitID` is or sat under on a date, from the unit up to the root
    /// (the root included), or nil when there is none.
    public func unit(
        ofKind kind: OrgUnitKind,
        holding unitID: String,
        root rootID: String,
        on date: CalendarDate
    )
        -> String?
    {
        for candidate in [unitID] + ancestors(of: unitID, on: date) {
            if units[candidate]?.kind == kind { return candidate }
            if candidate == rootID { return nil }
        }
        return nil
    }

    /// Whether a unit existed and sat under the root on every day from `first` to `last`.
    public func coversUnder(
        _ unitID: String,
        root rootID: String,
        from first: CalendarDate,
        to last: CalendarDate
    )
        -> Bool
    {
        guard exists(unitID, on: first), exists(unitID, on: last) else { return false }
        // Parent changes happen on period boundaries: check the ends and every change inside.
        var days = [first, last]
        for period in units[unitID]?.parentHistory ?? [] {
            if let from = period.valid?.from, from > first, from <= last { days.append(from) }
        }
        return days.allSatisfy { isUnder(unitID, root: rootID, on: $0) }
    }

    /// The unit's display name.
    public func name(of unitID: String) -> String { units[unitID]?.name ?? unitID }

    /// The key reports sort units by: the name with diacritics and case folded, then the id, so
    /// "bản Áng" comes before "bản Bó".
    public func sortKey(of unitID: String) -> String {
        guard let unit = units[unitID] else { return unitID }
        return sortKeys.value(unitID) { SearchKeys.fold(unit.name) + "\u{0}" + unit.id }
    }
}
