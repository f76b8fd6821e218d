import ChiboModel
import ChiboStore

/// Members drifting away within a year: absent with reason more than the allowed meetings in a
/// row, or absent without reason in too many months (at risk of being struck off). Only records
/// of counted members (official, probationary, temporarily attached) are read; records not
/// recorded neither break nor extend a run.
public enum AbsenceReport {
    /// The flags, in the order of `members` (the roster in Vietnamese name order), then date.
    public static func flags(
        facts: [AttendanceFact],
        history: OrgHistory,
        rules: RuleBook,
        rootID: String,
        year: Int32,
        members: [Member]
    ) -> [Flag] {
        var names: [String: String] = [:]
        var order: [String: Int] = [:]
        for (index, member) in members.enumerated() {
            names[member.id] = member.fullName
            order[member.id] = index
        }
        let relevant = facts.filter { fact in
            fact.heldOn.year == year && MeetingSummary.isCounted(fact.category)
                && history.isUnder(fact.cellID, root: rootID, on: fact.heldOn)
        }
        let byMember = Dictionary(grouping: relevant, by: \.memberID)
        var flags: [Flag] = []
        for memberID in byMember.keys.sorted(by: { (order[$0] ?? Int.max, $0) < (order[$1] ?? Int.max, $1) }) {
            let records = (byMember[memberID] ?? []).sorted { ($0.heldOn, $0.meetingID) < ($1.heldOn, $1.meetingID) }
            let name = names[memberID] ?? memberID
            flags += excusedRuns(records, name: name, rules: rules)
            if let flag = unexcusedMonths(records, name: name, rules: rules, year: year) { flags.append(flag) }
        }
        return flags
    }

    /// One flag per run of excused absences longer than the rules allow, dated at the meeting
    /// that broke the limit.
    static func excusedRuns(_ records: [AttendanceFact], name: String, rules: RuleBook) -> [Flag] {
        var flags: [Flag] = []
        var run = 0
        var runStart: CalendarDate?
        for record in records {
            switch record.state {
            case .absentExcused:
                run += 1
                if run == 1 { runStart = record.heldOn }
                let applied = rules.rules(for: record.cellID, on: record.heldOn)
                let allowed = Int(applied.rules.maxExcusedAbsencesInRow)
                if allowed > 0, run == allowed + 1 {
                    flags.append(
                        Flag(
                            kind: .excusedAbsencesInRow,
                            unitId: record.cellID,
                            memberId: record.memberID,
                            meetingId: record.meetingID,
                            period: Period(kind: .year, year: record.heldOn.year),
                            on: record.heldOn,
                            detail: "\(name): absent with reason \(run) meetings running from "
                                + "\(runStart?.vietnameseText ?? "") to \(record.heldOn.vietnameseText) "
                                + "(more than \(allowed) in a row; \(applied.sources))",
                            ruleSetId: applied.id
                        )
                    )
                }
            case .present, .absentUnexcused:
                run = 0
            default:
                continue
            }
        }
        return flags
    }

    /// A flag when the member was absent without reason in at least the months the rules put at
    /// risk, dated at the absence that reached the count.
    static func unexcusedMonths(_ records: [AttendanceFact], name: String, rules: RuleBook, year: Int32) -> Flag? {
        var months: [Int32] = []
        for record in records where record.state == .absentUnexcused && !months.contains(record.heldOn.month) {
            months.append(record.heldOn.month)
            let applied = rules.rules(for: record.cellID, on: record.heldOn)
            let threshold = Int(applied.rules.unexcusedMonthsAtRisk)
            guard threshold > 0, months.count == threshold else { continue }
            let all = records.filter { $0.state == .absentUnexcused }.map(\.heldOn.month)
            let listed = Array(Set(all)).sorted().map { "\($0)/\(year)" }.joined(separator: ", ")
            return Flag(
                kind: .unexcusedAbsenceMonths,
                unitId: record.cellID,
                memberId: record.memberID,
                meetingId: record.meetingID,
                period: Period(kind: .year, year: year),
                on: record.heldOn,
                detail: "\(name): absent without reason in \(Set(all).count) months of \(year) (\(listed)); "
                    + "\(threshold) put a member at risk of being struck off (\(applied.sources))",
                ruleSetId: applied.id
            )
        }
        return nil
    }
}
