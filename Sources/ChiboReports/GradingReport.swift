import ChiboModel

/// The yearly grading of each commune (base organisation) with the caps of the rules in force
/// on its last day of the year checked: excellent members at most a share of those rated good
/// (or good or better, as the rules' setting says), counted across all the commune's cells; an
/// excellent cell only with every member at least "completed" and enough at least "good".
/// Scores are placed in the 100-point bands of the rules.
public enum GradingReport {
    /// One row per commune under the root in the year (or the commune holding the root when
    /// the root is a cell), by name.
    public static func rows(
        evaluations: [Evaluation],
        history: OrgHistory,
        rules: RuleBook,
        rootID: String,
        year: Int32
    ) -> [GradingRow] {
        communes(history: history, rootID: rootID, year: year).map { commune in
            row(for: commune, evaluations: evaluations, history: history, rules: rules, year: year)
        }
    }

    /// The communes a grading report on the root covers.
    static func communes(history: OrgHistory, rootID: String, year: Int32) -> [OrgUnit] {
        let units = history.units.values.filter { unit in
            guard unit.kind == .commune, let day = lastDay(of: unit.id, in: year, history: history) else {
                return false
            }
            return history.isUnder(unit.id, root: rootID, on: day)
        }
        if !units.isEmpty { return units.sorted { history.sortKey(of: $0.id) < history.sortKey(of: $1.id) } }
        // A root below commune level: the commune holding it.
        let day = lastDay(of: rootID, in: year, history: history) ?? CalendarDate(year: year, month: 12, day: 31)
        for ancestor in history.ancestors(of: rootID, on: day) where history.units[ancestor]?.kind == .commune {
            return history.units[ancestor].map { [$0] } ?? []
        }
        return []
    }

    /// The last day of the year the unit existed, if it existed in the year.
    static func lastDay(of unitID: String, in year: Int32, history: OrgHistory) -> CalendarDate? {
        let yearEnd = CalendarDate(year: year, month: 12, day: 31)
        guard let unit = history.units[unitID] else { return nil }
        var day = yearEnd
        if let to = unit.valid?.to, to <= yearEnd { day = to.previousDay }
        guard day.year == year, history.exists(unitID, on: day) else { return nil }
        return day
    }

    static func row(
        for commune: OrgUnit,
        evaluations: [Evaluation],
        history: OrgHistory,
        rules: RuleBook,
        year: Int32
    ) -> GradingRow {
        let day = lastDay(of: commune.id, in: year, history: history) ?? CalendarDate(year: year, month: 12, day: 31)
        let applied = rules.rules(for: commune.id, on: day)
        var row = GradingRow(unitId: commune.id, year: year, ruleSetId: applied.id)
        func inCommune(_ unitID: String) -> Bool {
            let unitDay = lastDay(of: unitID, in: year, history: history) ?? day
            return history.isUnder(unitID, root: commune.id, on: unitDay)
        }
        var memberGrades: [Grade: Int] = [:]
        var cellGrades: [Grade: Int] = [:]
        var membersByCell: [String: [Grade]] = [:]
        var excellentCells: [Evaluation] = []
        for evaluation in evaluations where evaluation.year == year && evaluation.meta?.voided != true {
            let unitID = evaluation.subject == .orgUnit ? evaluation.subjectId : evaluation.cellId
            guard inCommune(unitID) else { continue }
            guard let grade = RuleBook.grade(of: evaluation, rules: applied.rules) else {
                row.violations.append(
                    Flag(
                        kind: .gradingCapBroken,
                        unitId: unitID,
                        memberId: evaluation.subject == .member ? evaluation.subjectId : "",
                        period: Period(kind: .year, year: year),
                        detail: "evaluation \(evaluation.id) has a score but the rules of \(year) have no "
                            + "100-point bands (\(applied.sources)); give a grade",
                        ruleSetId: applied.id
                    )
                )
                continue
            }
            if evaluation.subject == .orgUnit {
                guard evaluation.subjectId != commune.id else { continue }
                cellGrades[grade, default: 0] += 1
                if evaluation.cleanAndStrong { row.cleanAndStrongCells += 1 }
                if grade == .excellent { excellentCells.append(evaluation) }
            } else {
                memberGrades[grade, default: 0] += 1
                membersByCell[evaluation.cellId, default: []].append(grade)
            }
        }
        let order: [Grade] = [.excellent, .good, .completed, .notCompleted]
        row.members = order.map { GradeCount(grade: $0, count: Int32(memberGrades[$0] ?? 0)) }
        row.cells = order.map { GradeCount(grade: $0, count: Int32(cellGrades[$0] ?? 0)) }
        if let flag = memberCap(memberGrades, commune: commune, year: year, rules: applied) {
            row.violations.append(flag)
        }
        for cell in excellentCells.sorted(by: { history.sortKey(of: $0.subjectId) < history.sortKey(of: $1.subjectId) })
        {
            if let flag = excellentCell(
                cell,
                members: membersByCell[cell.subjectId] ?? [],
                history: history,
                rules: applied
            ) {
                row.violations.append(flag)
            }
        }
        return row
    }

    /// A flag when excellent members exceed the cap.
    static func memberCap(_ grades: [Grade: Int], commune: OrgUnit, year: Int32, rules: EffectiveRules) -> Flag? {
        let cap = Int(rules.rules.excellentMemberCapBp)
        guard cap > 0 else { return nil }
        let excellent = grades[.excellent] ?? 0
        let orBetter = rules.rules.excellentCapBase == .ofGoodOrBetter
        let base = (grades[.good] ?? 0) + (orBetter ? excellent : 0)
        guard excellent * 10_000 > cap * base else { return nil }
        let baseName = orBetter ? "rated good or better" : "rated good"
        return Flag(
            kind: .gradingCapBroken,
            unitId: commune.id,
            period: Period(kind: .year, year: year),
            detail: "\(commune.name) \(year): \(excellent) members rated excellent, more than "
                + "\(Percent.text(bp: Int32(cap))) of the \(base) \(baseName) "
                + "(at most \(cap * base / 10_000); cap read as \"of those \(baseName)\"; \(rules.sources))",
            ruleSetId: rules.id
        )
    }

    /// A flag when a cell graded excellent does not meet the conditions on its members' grades
    /// (`gradingCapBroken`), or has no member graded at all (`excellentCellNoMemberGraded`).
    static func excellentCell(
        _ cell: Evaluation,
        members: [Grade],
        history: OrgHistory,
        rules: EffectiveRules
    )
        -> Flag?
    {
        let minGood = Int(rules.rules.excellentCellMinGoodBp)
        guard minGood > 0 else { return nil }
        let name = history.name(of: cell.subjectId)
        // With no member graded the conditions cannot be checked: a flag of its own kind, not a
        // broken cap (docs/DOMAIN.md, "Grading").
        if members.isEmpty {
            return Flag(
                kind: .excellentCellNoMemberGraded,
                unitId: cell.subjectId,
                period: Period(kind: .year, year: cell.year),
                detail: "\(name) \(cell.year) rated excellent but no member of the cell was evaluated in "
                    + "\(cell.year): whether every member completed their tasks and at least "
                    + "\(Percent.text(bp: Int32(minGood))) were good cannot be checked (\(rules.sources))",
                ruleSetId: rules.id
            )
        }
        let notCompleted = members.filter { $0 == .notCompleted }.count
        let good = members.filter { $0 == .good || $0 == .excellent }.count
        var problems: [String] = []
        if notCompleted > 0 { problems.append("\(notCompleted) member(s) did not complete their tasks") }
        if good * 10_000 < minGood * members.count {
            problems.append(
                "\(good) of \(members.count) members at least good (\(Percent.text(bp: Percent.bp(good, of: members.count)))), "
                    + "below \(Percent.text(bp: Int32(minGood)))"
            )
        }
        guard !problems.isEmpty else { return nil }
        return Flag(
            kind: .gradingCapBroken,
            unitId: cell.subjectId,
            period: Period(kind: .year, year: cell.year),
            detail: "\(name) \(cell.year) rated excellent but " + problems.joined(separator: "; ")
                + " (\(rules.sources))",
            ruleSetId: rules.id
        )
    }
}
