import ChiboModel
import ChiboStore

/// The oversight reports over the facts a store answers (`OversightFacts`): loads what each
/// report needs (the subtree's history, the rule sets, per-meeting counts, evaluations, members)
/// and computes the report. Every backend answers the same because the counting happens here,
/// in Swift.
public struct Oversight: Sendable {
    /// Where the facts come from.
    public let facts: any OversightFacts
    /// Most cells one statement of `attendanceTotals` sums: a larger subtree's cells go in
    /// chunks read side by side, on as many of the store's readers as it has.
    let cellsPerStatement: Int

    /// Creates the reports over a store.
    public init(store: any Store) {
        self.facts = StoreFacts(store: store)
        self.cellsPerStatement = 16_384
    }

    /// Creates the reports over any source of the facts (a test's, in memory), summing at most
    /// `cellsPerStatement` cells a statement.
    public init(facts: any OversightFacts, cellsPerStatement: Int = 16_384) {
        self.facts = facts
        self.cellsPerStatement = max(1, cellsPerStatement)
    }

    /// Why a report cannot be made.
    public enum Failure: Error, Hashable, Sendable {
        /// The unit does not exist.
        case unknownUnit(String)
    }

    /// The tree and rules a report on `rootID` reads: the subtree over time and the root's
    /// ancestors (whose rule sets apply to it), read together (`unitsEverUnderAndAbove`); the
    /// rule sets are read meanwhile.
    public func context(rootID: String) async throws -> (history: OrgHistory, rules: RuleBook) {
        async let ruleSetsRead = facts.ruleSets()
        let units = try await facts.unitsEverUnderAndAbove(rootID: rootID)
        guard units.under.contains(where: { $0.id == rootID }) else { throw Failure.unknownUnit(rootID) }
        let history = OrgHistory(units: units.under + units.above)
        let ruleSets = try await ruleSetsRead
        return (history, RuleBook(ruleSets: ruleSets, history: history))
    }

    /// Attendance rows (see `AttendanceReport`).
    public func attendance(
        rootID: String,
        from: CalendarDate,
        through: CalendarDate,
        period: PeriodKind,
        byCell: Bool,
        groupBy: OrgUnitKind = .unspecified
    )
        async throws -> [AttendanceRow]
    {
        let (history, rules) = try await context(rootID: rootID)
        // Summed by the store where the tree and rules stand still, else meeting by meeting
        // (see `AttendanceSources`).
        let grouping: OrgUnitKind = byCell ? .cell : groupBy
        let sources = AttendanceSources(
            history: history,
            rules: rules,
            rootID: rootID,
            from: from,
            through: through,
            rowOf: { unitID, day in
                AttendanceReport.rowUnit(of: unitID, on: day, history: history, rootID: rootID, groupBy: grouping)
            }
        )
        let totals = try await summed(sources.sums, period: period)
        let summaries =
            sources.readOneByOne.isEmpty
            ? [] : try await facts.meetingSummaries(cellIDs: sources.readOneByOne, from: from, through: through)
        return AttendanceReport.rows(
            summaries: summaries,
            totals: totals,
            history: history,
            rules: rules,
            rootID: rootID,
            from: from,
            through: through,
            period: period,
            byCell: byCell,
            groupBy: groupBy
        )
    }

    /// What one statement of `attendanceTotals` sums: a span at one threshold.
    private struct SumStatement: Hashable {
        var from: CalendarDate
        var through: CalendarDate
        var bp: Int32
    }

    /// The store's sums of `sums`, each with the rules it was judged by and the first day of its
    /// span. One statement per span and threshold rather than per rule set (the store needs only
    /// the threshold, and a province's hundreds of communes' rule sets share a few), in chunks
    /// of `cellsPerStatement` cells read concurrently, put back in order.
    private func summed(
        _ sums: [AttendanceSources.Sum],
        period: PeriodKind
    ) async throws -> [(AttendanceTotals, EffectiveRules, CalendarDate)] {
        var statements: [SumStatement: [AttendanceSources.Sum]] = [:]
        var order: [SumStatement] = []
        for sum in sums {
            let key = SumStatement(from: sum.from, through: sum.through, bp: sum.rules.rules.goodAttendanceBp)
            if statements[key] == nil { order.append(key) }
            statements[key, default: []].append(sum)
        }
        var rulesOfUnit: [SumStatement: [String: EffectiveRules]] = [:]
        var jobs: [(key: SumStatement, cellIDs: ArraySlice<String>)] = []
        for key in order {
            let grouped = statements[key] ?? []
            var rules: [String: EffectiveRules] = [:]
            for sum in grouped { for unitID in sum.unitIDs { rules[unitID] = sum.rules } }
            rulesOfUnit[key] = rules
            let cellIDs = grouped.flatMap(\.unitIDs)
            for start in stride(from: 0, to: cellIDs.count, by: cellsPerStatement) {
                jobs.append((key, cellIDs[start..<min(start + cellsPerStatement, cellIDs.count)]))
            }
        }
        let facts = self.facts
        let results = try await withThrowingTaskGroup(of: (Int, [AttendanceTotals]).self) { group in
            for (index, job) in jobs.enumerated() {
                group.addTask {
                    let totals = try await facts.attendanceTotals(
                        cellIDs: Array(job.cellIDs),
                        from: job.key.from,
                        through: job.key.through,
                        period: period,
                        goodAttendanceBp: job.key.bp
                    )
                    return (index, totals)
                }
            }
            var results = [[AttendanceTotals]](repeating: [], count: jobs.count)
            for try await (index, totals) in group { results[index] = totals }
            return results
        }
        var totals: [(AttendanceTotals, EffectiveRules, CalendarDate)] = []
        for (job, summed) in zip(jobs, results) {
            for group in summed {
                guard let applied = rulesOfUnit[job.key]?[group.cellID] else { continue }
                totals.append((group, applied, job.key.from))
            }
        }
        return totals
    }

    /// Regularity flags (see `RegularityReport`).
    public func regularity(rootID: String, from: CalendarDate, through: CalendarDate) async throws -> [Flag] {
        let (history, rules) = try await context(rootID: rootID)
        let summaries = try await facts.meetingSummaries(everUnder: rootID, from: from, through: through)
        return RegularityReport.flags(
            summaries: summaries,
            history: history,
            rules: rules,
            rootID: rootID,
            from: from,
            through: through
        )
    }

    /// Absence flags for a year (see `AbsenceReport`).
    public func absences(rootID: String, year: Int32) async throws -> [Flag] {
        let (history, rules) = try await context(rootID: rootID)
        return try await absences(rootID: rootID, year: year, history: history, rules: rules)
    }

    /// Participation rows (see `ParticipationReport`).
    public func participation(
        rootID: String,
        from: CalendarDate,
        through: CalendarDate
    ) async throws
        -> [ParticipationRow]
    {
        let (history, _) = try await context(rootID: rootID)
        let summaries = try await facts.meetingSummaries(everUnder: rootID, from: from, through: through)
        return ParticipationReport.rows(
            summaries: summaries,
            history: history,
            rootID: rootID,
            from: from,
            through: through
        )
    }

    /// Grading rows for a year (see `GradingReport`).
    public func grading(rootID: String, year: Int32) async throws -> [GradingRow] {
        let (history, rules) = try await context(rootID: rootID)
        return try await grading(rootID: rootID, year: year, history: history, rules: rules)
    }

    /// Due flags (see `DueReport`).
    public func due(rootID: String, on date: CalendarDate, badgeYear: Int32) async throws -> [Flag] {
        let (history, rules) = try await context(rootID: rootID)
        let members = try await facts.membersEverUnder(rootID: rootID)
        return try await due(
            rootID: rootID,
            on: date,
            badgeYear: badgeYear,
            roster: Roster(members: members, on: date),
            history: history,
            rules: rules
        )
    }

    /// The overview of a unit for a year, statuses read on `date` (see `OverviewReport`). The
    /// store's reads are independent and run side by side on the store's reader connections:
    /// those that need neither the tree nor the rules start with the reads of the context.
    public func overview(rootID: String, year: Int32, on date: CalendarDate) async throws -> OverviewReport {
        let from = CalendarDate(year: year, month: 1, day: 1)
        let through = min(CalendarDate(year: year, month: 12, day: 31), max(date, from))
        let facts = self.facts
        async let summariesRead = facts.meetingSummaries(everUnder: rootID, from: from, through: through)
        async let membersRead = facts.membersEverUnder(rootID: rootID)
        async let resolutionsRead = facts.openResolutions(everUnder: rootID, dueBefore: date)
        let (history, rules) = try await context(rootID: rootID)
        let thresholds = rules.absenceThresholds
        async let factsRead = facts.absenceFacts(
            everUnder: rootID,
            from: from,
            through: CalendarDate(year: year, month: 12, day: 31),
            minExcused: thresholds.excused,
            minUnexcusedMonths: thresholds.unexcusedMonths
        )
        async let gradingRows = grading(rootID: rootID, year: year, history: history, rules: rules)
        let summaries = try await summariesRead
        let members = try await membersRead
        var report = OverviewReport(
            unitId: rootID,
            unitName: history.name(of: rootID),
            year: year,
            on: date,
            ruleSetId: rules.rules(for: rootID, on: date).id
        )
        report.cells = Int32(
            history.units.values.filter { unit in
                unit.kind == .cell && history.exists(unit.id, on: date)
                    && history.isUnder(unit.id, root: rootID, on: date)
            }.count
        )
        let roster = Roster(members: members, on: date)
        let census = Census.count(roster: roster, history: history, rootID: rootID)
        report.members = Int32(census.members)
        report.byStatus = census.byStatus
        report.byCategory = census.byCategory
        report.attendance = AttendanceReport.total(
            summaries: summaries,
            history: history,
            rules: rules,
            rootID: rootID,
            from: from,
            through: through
        )
        report.flags += RegularityReport.flags(
            summaries: summaries,
            history: history,
            rules: rules,
            rootID: rootID,
            from: from,
            through: through
        )
        report.flags += AbsenceReport.flags(
            facts: try await factsRead,
            history: history,
            rules: rules,
            rootID: rootID,
            year: year,
            members: members
        )
        report.flags += DueReport.flags(
            roster: roster,
            resolutions: try await resolutionsRead.map {
                DueReport.PlacedResolution(resolution: $0.resolution, cellID: $0.cellID)
            },
            history: history,
            rules: rules,
            rootID: rootID,
            on: date,
            badgeYear: year
        )
        report.grading = try await gradingRows
        report.flags += report.grading.flatMap(\.violations)
        return report
    }

    // MARK: Shared loading

    func absences(
        rootID: String,
        year: Int32,
        history: OrgHistory,
        rules: RuleBook,
        members: [Member]? = nil
    ) async throws -> [Flag] {
        let thresholds = rules.absenceThresholds
        let attendance = try await facts.absenceFacts(
            everUnder: rootID,
            from: CalendarDate(year: year, month: 1, day: 1),
            through: CalendarDate(year: year, month: 12, day: 31),
            minExcused: thresholds.excused,
            minUnexcusedMonths: thresholds.unexcusedMonths
        )
        let roster: [Member]
        if let members { roster = members } else { roster = try await facts.membersEverUnder(rootID: rootID) }
        return AbsenceReport.flags(
            facts: attendance,
            history: history,
            rules: rules,
            rootID: rootID,
            year: year,
            members: roster
        )
    }

    func grading(rootID: String, year: Int32, history: OrgHistory, rules: RuleBook) async throws -> [GradingRow] {
        let communes = GradingReport.communes(history: history, rootID: rootID, year: year)
        var evaluations: [Evaluation] = []
        for commune in communes {
            evaluations += try await facts.evaluations(everUnder: commune.id, year: year)
        }
        // The communes of a grading report may lie outside the root's subtree (a root below a
        // commune): read their units too.
        var units = Array(history.units.values)
        for commune in communes where !history.units.values.contains(where: { $0.parentId == commune.id }) {
            units += try await facts.unitsEverUnder(rootID: commune.id)
        }
        let wider = OrgHistory(units: units)
        return GradingReport.rows(evaluations: evaluations, history: wider, rules: rules, rootID: rootID, year: year)
    }

    func due(
        rootID: String,
        on date: CalendarDate,
        badgeYear: Int32,
        roster: Roster,
        history: OrgHistory,
        rules: RuleBook
    ) async throws -> [Flag] {
        let placed = try await facts.openResolutions(everUnder: rootID, dueBefore: date).map { fact in
            DueReport.PlacedResolution(resolution: fact.resolution, cellID: fact.cellID)
        }
        return DueReport.flags(
            roster: roster,
            resolutions: placed,
            history: history,
            rules: rules,
            rootID: rootID,
            on: date,
            badgeYear: badgeYear
        )
    }
}

/// Members of a subtree on a date, by status and by attendance category.
enum Census {
    static func count(
        roster: Roster,
        history: OrgHistory,
        rootID: String
    )
        -> (members: Int, byStatus: [StatusCount], byCategory: [StatusCount])
    {
        let date = roster.date
        var statuses: [MemberStatus: Int] = [:]
        var categories: [MemberCategory: Int] = [:]
        var total = 0
        for entry in roster.entries {
            let state = entry.state
            if let cellID = entry.cellID, history.isUnder(cellID, root: rootID, on: date) {
                total += 1
                statuses[state.status, default: 0] += 1
                categories[ExpectedAttendance.category(for: state.status), default: 0] += 1
            } else if state.status == .temporaryTransfer,
                let transfer = entry.past.last(where: { $0.kind == .temporaryTransferOut }),
                history.units[transfer.otherUnitId] != nil,
                history.isUnder(transfer.otherUnitId, root: rootID, on: date)
            {
                // Attached here from a cell outside the subtree.
                categories[.temporarilyAttached, default: 0] += 1
            }
        }
        func named<Key: Hashable>(_ counts: [Key: Int], _ order: [Key], _ name: (Key) -> String) -> [StatusCount] {
            order.compactMap { key in counts[key].map { StatusCount(name: name(key), count: Int32($0)) } }
        }
        let statusOrder: [MemberStatus] = [.official, .probationary, .exempt, .workingAway, .temporaryTransfer]
        let categoryOrder: [MemberCategory] = [
            .official, .probationary, .temporarilyAttached, .exempt, .workingAway, .temporaryTransfer,
        ]
        return (
            total,
            named(statuses, statusOrder) { String(($0.protoName ?? "").dropFirst("MEMBER_STATUS_".count)) },
            named(categories, categoryOrder) { String(($0.protoName ?? "").dropFirst("MEMBER_CATEGORY_".count)) }
        )
    }
}
