import ChiboModel

/// The year's grading of a commune: every cell, and every member still in the party at the end
/// of the year except those exempt from duties.
///
/// Member grades are fixed per commune: about 1% not completed, 14% completed, and of the rest
/// (R) a share rated excellent. The cap on excellent members (HD 21-HD/BTCTW: no more than 20%)
/// can be read as a share "of those rated good" or "of those rated good or better", and the
/// sample is built to tell the readings apart. A commune with `breaksExcellentCap` rates
/// R / 6 + 1 members excellent: more than 20% of those rated good (the cap is broken) but no
/// more than 20% of those rated good or better (the cap holds) — Mường Bằng is such a commune.
/// Other communes rate R / 6 − 1 excellent, within the cap either way. Cells rated excellent
/// keep every member at least "completed" and at least 80% "good" or better, as the guidance
/// requires.
enum SampleGrading {
    static func evaluations(
        of commune: SampleCommunePlan,
        rosters: [[SampleMemberDraft]],
        plan: SamplePlan
    ) -> [Evaluation] {
        var random = plan.random.derived(12, UInt64(commune.index))
        let year = plan.year
        let decision = "\(random.int(100...400))-QĐ/ĐU"
        var evaluations: [Evaluation] = []
        for (index, cell) in commune.cells.enumerated() {
            evaluations.append(
                Evaluation(
                    id: "\(cell.id)-ev\(year)",
                    subject: .orgUnit,
                    subjectId: cell.id,
                    year: Int32(year),
                    cleanAndStrong: commune.cleanAndStrong[index],
                    decisionRef: decision,
                    result: .grade(commune.cellGrades[index])
                )
            )
        }
        // Who is graded: in the party on 31 December and not exempt.
        let yearEnd = SampleCalendar.date(year, 12, 31).isoKey
        var graded: [(member: Member, cell: Int, score: Double)] = []
        for (cellIndex, roster) in rosters.enumerated() {
            let excellentCell = commune.cellGrades[cellIndex] == .excellent
            for draft in roster {
                guard
                    let entry = ExpectedAttendance.entry(
                        for: draft.member,
                        cellID: commune.cells[cellIndex].id,
                        dateKey: yearEnd
                    ), entry.category != .exempt
                else { continue }
                var score = draft.attendance + random.unit() * 0.1 + (excellentCell ? 0.3 : 0)
                switch draft.role {
                case .workingAwayOverdue, .workingAwayReturned, .workingAwayNotDue, .admittedInYear: score -= 0.2
                default: break
                }
                if let run = commune.anomalies.unexcused, run.cellID == commune.cells[cellIndex].id,
                    run.memberIndex == draft.index
                {
                    score -= 1
                }
                graded.append((draft.member, cellIndex, score))
            }
        }
        graded.sort { ($0.score, $1.member.id) > ($1.score, $0.member.id) }
        let total = graded.count
        let notCompleted = max(1, total / 100)
        let completed = total * 14 / 100
        let rest = total - notCompleted - completed
        let excellent = commune.breaksExcellentCap ? rest / 6 + 1 : max(0, rest / 6 - 1)
        var grades: [Grade] = graded.indices.map { rank in
            if rank < excellent { return .excellent }
            if rank < rest { return .good }
            if rank < rest + completed { return .completed }
            return .notCompleted
        }
        // Excellent cells need every member at least completed and 80% at least good: swap
        // grades with members of other cells until they do (the commune's totals stay).
        for cellIndex in commune.cells.indices where commune.cellGrades[cellIndex] == .excellent {
            while true {
                let members = graded.indices.filter { graded[$0].cell == cellIndex }
                let weak = members.filter { grades[$0] == .completed || grades[$0] == .notCompleted }
                let failing = members.filter { grades[$0] == .notCompleted }
                guard !failing.isEmpty || weak.count * 5 > members.count,
                    let worst = (failing.isEmpty ? weak : failing).last,
                    let donor = graded.indices.last(where: {
                        grades[$0] == .good && commune.cellGrades[graded[$0].cell] != .excellent
                    })
                else { break }
                grades.swapAt(worst, donor)
            }
        }
        var members: [Evaluation] = []
        for (rank, entry) in graded.enumerated() {
            members.append(
                Evaluation(
                    id: "\(entry.member.id)-ev\(year)",
                    subject: .member,
                    subjectId: entry.member.id,
                    year: Int32(year),
                    cellId: entry.member.cellId,
                    decisionRef: decision,
                    result: .grade(grades[rank])
                )
            )
        }
        return evaluations + members.sorted { $0.subjectId < $1.subjectId }
    }
}
