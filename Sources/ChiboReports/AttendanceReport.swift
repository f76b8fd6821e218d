import ChiboModel
import ChiboStore

/// Attendance rates by cell or for a whole subtree, per month, quarter or year, from the
/// per-meeting counts. Who is counted follows docs/DOMAIN.md ("Attendance"); records not
/// recorded are left out of the rate and counted apart. Each meeting is placed by the tree of
/// its date and judged "good" by the rules in force that day.
public enum AttendanceReport {
    /// The rows, by unit name then period: one row per cell (`byCell`, or `groupBy` `.cell`),
    /// per unit of `groupBy`'s kind (each meeting counted for the unit of that kind its cell sat
    /// under that day, `rowUnit`), or per period for the whole subtree. A cell or unit of the
    /// kind that held no meeting in a period it existed in gets a row of zeros.
    ///
    /// `totals` are meetings already summed by cell and period (`Store.attendanceTotals`) with
    /// the rules they were judged by and a day of their span, for cells whose place and rules
    /// stand still over it (`AttendanceSources`); `summaries` hold the other cells' meetings. Both
    /// are added in the order of their first meeting, so a row that gathers several rule sets
    /// names them in the order reading every meeting would.
    public static func rows(
        summaries: [MeetingSummary],
        totals: [(AttendanceTotals, EffectiveRules, CalendarDate)] = [],
        history: OrgHistory,
        rules: RuleBook,
        rootID: String,
        from: CalendarDate,
        through: CalendarDate,
        period kind: PeriodKind,
        byCell: Bool,
        groupBy: OrgUnitKind = .unspecified
    ) -> [AttendanceRow] {
        let grouping: OrgUnitKind = byCell ? .cell : groupBy
        func row(_ cellID: String, _ date: CalendarDate) -> String {
            rowUnit(of: cellID, on: date, history: history, rootID: rootID, groupBy: grouping)
        }
        var parts: [(first: String, add: (inout [GroupKey: Accumulator]) -> Void)] = []
        for meeting in summaries where meeting.heldOn >= from && meeting.heldOn <= through {
            guard history.isUnder(meeting.cellID, root: rootID, on: meeting.heldOn) else { continue }
            let period = Periods.period(of: meeting.heldOn, kind: kind)
            let key = GroupKey(unitID: row(meeting.cellID, meeting.heldOn), period: period)
            let applied = rules.rules(for: meeting.cellID, on: meeting.heldOn)
            parts.append(
                (
                    AttendanceTotals.firstMeetingKey(meeting),
                    { $0[key, default: Accumulator()].add(meeting, rules: applied.rules) }
                )
            )
        }
        for (summed, applied, day) in totals {
            let key = GroupKey(unitID: row(summed.cellID, day), period: summed.period)
            parts.append((summed.firstMeeting, { $0[key, default: Accumulator()].add(summed, rules: applied.rules) }))
        }
        if !totals.isEmpty { parts.sort { $0.first < $1.first } }
        var groups: [GroupKey: Accumulator] = [:]
        for part in parts { part.add(&groups) }
        let periods = Periods.periods(from: from, through: through, kind: kind)
        if grouping != .unspecified {
            for unit in history.units.values where unit.kind == grouping {
                for period in periods {
                    let first = max(Periods.first(period), from)
                    let last = min(Periods.last(period), through)
                    let present =
                        (history.exists(unit.id, on: first) && history.isUnder(unit.id, root: rootID, on: first))
                        || (history.exists(unit.id, on: last) && history.isUnder(unit.id, root: rootID, on: last))
                    if present {
                        let key = GroupKey(unitID: unit.id, period: period)
                        if groups[key] == nil { groups[key] = Accumulator() }
                    }
                }
            }
        } else {
            for period in periods where groups[GroupKey(unitID: rootID, period: period)] == nil {
                groups[GroupKey(unitID: rootID, period: period)] = Accumulator()
            }
        }
        // Each key's sort key looked up once, not at every comparison (a province has 10,000).
        let ordered = groups.keys.map { key in (key, history.sortKey(of: key.unitID), Periods.sortKey(key.period)) }
            .sorted { ($0.1, $0.2) < ($1.1, $1.2) }.map(\.0)
        return ordered.map { key in
            let totals = groups[key] ?? Accumulator()
            var ruleIDs = totals.ruleIDs
            if ruleIDs.isEmpty {
                ruleIDs = [rules.rules(for: key.unitID, on: min(Periods.last(key.period), through)).id]
            }
            return totals.row(
                unitID: key.unitID,
                unitName: history.name(of: key.unitID),
                period: key.period,
                ruleSetID: ruleIDs.joined(separator: ", ")
            )
        }
    }

    /// The unit whose row a cell's meetings of a day go to: the cell (`.cell`), the unit of
    /// `groupBy`'s kind it is or sat under inside the subtree (the root when there is none), or
    /// the root (`.unspecified`).
    public static func rowUnit(
        of cellID: String,
        on date: CalendarDate,
        history: OrgHistory,
        rootID: String,
        groupBy: OrgUnitKind
    ) -> String {
        switch groupBy {
        case .unspecified: rootID
        case .cell: cellID
        default: history.unit(ofKind: groupBy, holding: cellID, root: rootID, on: date) ?? rootID
        }
    }

    /// Totals over a whole range for a subtree, in one row (the overview's attendance).
    public static func total(
        summaries: [MeetingSummary],
        history: OrgHistory,
        rules: RuleBook,
        rootID: String,
        from: CalendarDate,
        through: CalendarDate
    ) -> AttendanceRow {
        var totals = Accumulator()
        for meeting in summaries where meeting.heldOn >= from && meeting.heldOn <= through {
            guard history.isUnder(meeting.cellID, root: rootID, on: meeting.heldOn) else { continue }
            totals.add(meeting, rules: rules.rules(for: meeting.cellID, on: meeting.heldOn).rules)
        }
        let ruleIDs = totals.ruleIDs.isEmpty ? [rules.rules(for: rootID, on: through).id] : totals.ruleIDs
        return totals.row(
            unitID: rootID,
            unitName: history.name(of: rootID),
            period: Periods.period(of: from, kind: .year),
            ruleSetID: ruleIDs.joined(separator: ", ")
        )
    }

    /// Whether a meeting is good on attendance under some rules: rate strictly above the
    /// threshold and nobody absent without reason.
    public static func isGood(_ meeting: MeetingSummary, rules: RuleSet) -> Bool {
        AttendanceTotals.isGood(meeting, goodAttendanceBp: rules.goodAttendanceBp)
    }

    private struct GroupKey: Hashable {
        var unitID: String
        var period: Period
    }

    private struct Accumulator {
        var meetings = 0
        var expected = 0
        var present = 0
        var excused = 0
        var unexcused = 0
        var notRecorded = 0
        var spoke = 0
        var good = 0
        var withNotRecorded = 0
        var ruleIDs: [String] = []

        mutating func add(_ meeting: MeetingSummary, rules: RuleSet) {
            meetings += 1
            expected += meeting.expected
            present += meeting.present
            excused += meeting.absentExcused
            unexcused += meeting.absentUnexcused
            notRecorded += meeting.notRecorded
            spoke += meeting.spoke
            if AttendanceReport.isGood(meeting, rules: rules) { good += 1 }
            if meeting.notRecorded > 0 { withNotRecorded += 1 }
            if !ruleIDs.contains(rules.id) { ruleIDs.append(rules.id) }
        }

        mutating func add(_ summed: AttendanceTotals, rules: RuleSet) {
            meetings += summed.meetings
            expected += summed.expected
            present += summed.present
            excused += summed.absentExcused
            unexcused += summed.absentUnexcused
            notRecorded += summed.notRecorded
            spoke += summed.spoke
            good += summed.goodMeetings
            withNotRecorded += summed.meetingsWithNotRecorded
            if summed.meetings > 0, !ruleIDs.contains(rules.id) { ruleIDs.append(rules.id) }
        }

        func row(unitID: String, unitName: String, period: Period, ruleSetID: String) -> AttendanceRow {
            AttendanceRow(
                unitId: unitID,
                unitName: unitName,
                period: period,
                meetings: Int32(meetings),
                expected: Int32(expected),
                present: Int32(present),
                absentExcused: Int32(excused),
                absentUnexcused: Int32(unexcused),
                notRecorded: Int32(notRecorded),
                rateBp: Percent.bp(present, of: expected),
                spoke: Int32(spoke),
                ruleSetId: ruleSetID,
                goodMeetings: Int32(good),
                meetingsWithNotRecorded: Int32(withNotRecorded)
            )
        }
    }
}
