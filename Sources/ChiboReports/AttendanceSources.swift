import ChiboModel

/// How the attendance report reads a subtree's meetings: summed by the store per cell and
/// period (`Store.attendanceTotals`) wherever that gives what adding up the meetings one by one
/// gives, and meeting by meeting elsewhere.
///
/// The tree and the rules change only on their change dates (`RuleBook.changeDates`; validity
/// ends are exclusive), so between two of them every unit sits in one place and is judged by
/// one rule set. The range is cut at the change dates inside it into spans, and each span's
/// units under the root are summed together, grouped by their rules. A range cut into more than
/// `maxSpans` spans (a year of many merges) is not cut: the units whose place and rules stand
/// still over the whole range are summed, the others read meeting by meeting.
struct AttendanceSources {
    /// Units summed over a span, all judged by `rules`.
    struct Sum {
        /// First day of the span.
        var from: CalendarDate
        /// Last day of the span.
        var through: CalendarDate
        /// The rules of every unit in `unitIDs` over the span.
        var rules: EffectiveRules
        /// The units, sorted.
        var unitIDs: [String]
    }

    /// Most spans a range is cut into; past it, units that change are read meeting by meeting.
    static let maxSpans = 12

    /// What to sum.
    var sums: [Sum] = []
    /// Units whose meetings are read one by one (their place or rules change in the range).
    var readOneByOne: [String] = []

    /// The sources of a report on `rootID` from `from` through `through`. `rowOf` gives the
    /// row a unit's meetings of a day go to (its cell, its commune, the root): a unit summed over
    /// the whole range must keep its row too.
    init(
        history: OrgHistory,
        rules: RuleBook,
        rootID: String,
        from: CalendarDate,
        through: CalendarDate,
        rowOf: (String, CalendarDate) -> String = { _, _ in "" }
    ) {
        guard from <= through else { return }
        let cuts = rules.changeDates.filter { $0 > from && $0 <= through }
        let unitIDs = history.units.keys.sorted()
        if cuts.count < Self.maxSpans {
            var starts = [from] + cuts
            var ends = cuts.map(\.previousDay) + [through]
            while let start = starts.first, let end = ends.first {
                starts.removeFirst()
                ends.removeFirst()
                let under = unitIDs.filter { history.isUnder($0, root: rootID, on: start) }
                sums += Self.grouped(under, rules: rules, on: start, from: start, through: end)
            }
            return
        }
        let days = [from] + cuts
        var steady: [String] = []
        for unitID in unitIDs {
            let placed = days.map { history.isUnder(unitID, root: rootID, on: $0) }
            guard placed.contains(true) else { continue }
            let first = rules.rules(for: unitID, on: from).id
            let row = rowOf(unitID, from)
            if !placed.contains(false), days.allSatisfy({ rules.rules(for: unitID, on: $0).id == first }),
                days.allSatisfy({ rowOf(unitID, $0) == row })
            {
                steady.append(unitID)
            } else {
                readOneByOne.append(unitID)
            }
        }
        sums = Self.grouped(steady, rules: rules, on: from, from: from, through: through)
    }

    /// `unitIDs` grouped by the rules they are judged by on `date`, as sums over a span.
    private static func grouped(
        _ unitIDs: [String],
        rules: RuleBook,
        on date: CalendarDate,
        from: CalendarDate,
        through: CalendarDate
    ) -> [Sum] {
        var groups: [String: Sum] = [:]
        for unitID in unitIDs {
            let applied = rules.rules(for: unitID, on: date)
            groups[applied.id, default: Sum(from: from, through: through, rules: applied, unitIDs: [])].unitIDs
                .append(unitID)
        }
        return groups.keys.sorted().compactMap { groups[$0] }
    }
}
