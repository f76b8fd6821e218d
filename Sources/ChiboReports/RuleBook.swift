import ChiboModel

/// The thresholds in force for a unit on a date, and the rule sets they came from.
public struct EffectiveRules: Hashable, Sendable {
    /// Every threshold filled; `id` names the sets applied, joined by "+", national first.
    public var rules: RuleSet
    /// The sets that contributed, national first, then each scope down to the unit.
    public var applied: [RuleSet]

    /// The id reports carry as `rule_set_id`.
    public var id: String { rules.id }

    /// Where the thresholds come from, for a flag's explanation ("HD 12-HD/BTCTW, 06/7/2018").
    public var sources: String { applied.map { $0.source.isEmpty ? $0.id : $0.source }.joined(separator: "; ") }
}

/// Resolves effective-dated rule sets (docs/DOMAIN.md, "Rule sets by date").
///
/// The national sets (empty scope) are complete: the latest one in force on the date applies in
/// full. A set scoped to an org unit applies to that unit's subtree and overrides only the
/// thresholds it gives (non-zero), so a commune that sets attendance to 90% keeps every later
/// national change; where several ancestors have sets, the nearer one wins, and within one scope
/// a later set overrides an earlier one only in what it gives (a commune can change one
/// threshold without restating the others; voiding a set withdraws it). Dates before the first
/// national set are judged by it (no older rules are recorded).
public struct RuleBook: Sendable {
    private let national: [RuleSet]
    private let scoped: [String: [RuleSet]]
    private let history: OrgHistory
    /// The tree's change dates and every set's effective date, sorted: between two of them a
    /// unit's rules stand still.
    let changeDates: [CalendarDate]
    private let memo = Memo<UnitEpoch, EffectiveRules>()

    /// Creates a rule book from the sets in force (voided sets are ignored) and the tree.
    public init(ruleSets: [RuleSet], history: OrgHistory) {
        let live = ruleSets.filter { $0.meta?.voided != true }.sorted {
            ($0.effectiveFrom ?? CalendarDate(), $0.id) < ($1.effectiveFrom ?? CalendarDate(), $1.id)
        }
        national = live.filter { $0.scopeUnitId.isEmpty }
        scoped = Dictionary(grouping: live.filter { !$0.scopeUnitId.isEmpty }, by: \.scopeUnitId)
        self.history = history
        changeDates = Set(history.changeDates + live.compactMap(\.effectiveFrom)).sorted()
    }

    /// The rules for a unit on a date, resolved once per unit and period of stillness.
    public func rules(for unitID: String, on date: CalendarDate) -> EffectiveRules {
        let key = UnitEpoch(unitID: unitID, epoch: OrgHistory.epoch(of: date, in: changeDates))
        return memo.value(key) {
            // A unit with no sets of its own is judged as its parent is that day: a province's
            // 10,000 cells resolve through their 400 communes rather than each on its own.
            let ancestors = history.ancestors(of: unitID, on: date)
            if scoped[unitID] == nil, let parent = ancestors.first, !ancestors.contains(unitID) {
                return rules(for: parent, on: date)
            }
            return resolve(unitID, on: date)
        }
    }

    private func resolve(_ unitID: String, on date: CalendarDate) -> EffectiveRules {
        var applied: [RuleSet] = []
        if let base = national.last(where: { ($0.effectiveFrom ?? CalendarDate()) <= date }) ?? national.first {
            applied.append(base)
        }
        let chain = [unitID] + history.ancestors(of: unitID, on: date)
        for scope in chain.reversed() {
            applied += (scoped[scope] ?? []).filter { ($0.effectiveFrom ?? CalendarDate()) <= date }
        }
        var merged = applied.first ?? RuleSet()
        for set in applied.dropFirst() { Self.override(&merged, with: set) }
        merged.id = applied.map(\.id).joined(separator: "+")
        merged.scopeUnitId = applied.last?.scopeUnitId ?? ""
        merged.effectiveFrom = applied.compactMap(\.effectiveFrom).max()
        merged.source = applied.map(\.source).filter { !$0.isEmpty }.joined(separator: "; ")
        merged.meta = nil
        return EffectiveRules(rules: merged, applied: applied)
    }

    /// The least a member must miss, under any rule set in the book, to be flagged: excused
    /// absences (one more than the smallest run allowed) and months with an unexcused absence.
    /// A store reads only the records of members who reach either.
    public var absenceThresholds: (excused: Int, unexcusedMonths: Int) {
        let sets = national + scoped.values.flatMap { $0 }
        let runs = sets.map(\.maxExcusedAbsencesInRow).filter { $0 > 0 }
        let months = sets.map(\.unexcusedMonthsAtRisk).filter { $0 > 0 }
        return (Int(runs.min() ?? 3) + 1, Int(months.min() ?? 3))
    }

    /// Copies the thresholds a scoped set gives over the merged ones.
    static func override(_ merged: inout RuleSet, with set: RuleSet) {
        func take(_ value: Int32, _ target: inout Int32) { if value != 0 { target = value } }
        func take(_ value: Double, _ target: inout Double) { if value != 0 { target = value } }
        take(set.goodAttendanceBp, &merged.goodAttendanceBp)
        take(set.thematicEveryMonths, &merged.thematicEveryMonths)
        take(set.regularEveryMonths, &merged.regularEveryMonths)
        take(set.minMeetingMinutes, &merged.minMeetingMinutes)
        take(set.minCombinedMeetingMinutes, &merged.minCombinedMeetingMinutes)
        take(set.excellentMemberCapBp, &merged.excellentMemberCapBp)
        if set.excellentCapBase != .unspecified { merged.excellentCapBase = set.excellentCapBase }
        take(set.excellentCellMinGoodBp, &merged.excellentCellMinGoodBp)
        take(set.scoreExcellentMin, &merged.scoreExcellentMin)
        take(set.scoreGoodMin, &merged.scoreGoodMin)
        take(set.scoreCompletedMin, &merged.scoreCompletedMin)
        take(set.probationMonths, &merged.probationMonths)
        take(set.maxExcusedAbsencesInRow, &merged.maxExcusedAbsencesInRow)
        take(set.unexcusedMonthsAtRisk, &merged.unexcusedMonthsAtRisk)
    }

    /// The grade an evaluation stands for: its grade, or its score placed in the bands of the
    /// rules; nil when a score has no bands to be placed in.
    public static func grade(of evaluation: Evaluation, rules: RuleSet) -> Grade? {
        switch evaluation.result {
        case .grade(let grade): return grade == .unspecified ? nil : grade
        case .score(let score):
            guard rules.scoreExcellentMin > 0 else { return nil }
            if score >= rules.scoreExcellentMin { return .excellent }
            if score >= rules.scoreGoodMin { return .good }
            if score >= rules.scoreCompletedMin { return .completed }
            return .notCompleted
        case nil: return nil
        }
    }
}

/// Percentages as reports print them.
enum Percent {
    /// "85%" or "87.5%" from basis points.
    static func text(bp: Int32) -> String {
        bp % 100 == 0 ? "\(bp / 100)%" : "\(bp / 100).\(bp % 100 / 10)%"
    }

    /// part / whole in basis points, rounded half up; 0 when whole is 0.
    static func bp(_ part: Int, of whole: Int) -> Int32 {
        whole == 0 ? 0 : Int32((part * 20_000 + whole) / (2 * whole))
    }
}
