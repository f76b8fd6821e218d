import ChiboModel
import ChiboStore

/// Regularity of cell meetings: a regular meeting every month and a thematic one every quarter
/// (or as often as the rules in force say), meetings no shorter than the minimum in force, and
/// regular meetings on the cell's fixed day.
public enum RegularityReport {
    /// The flags, by cell name, then date.
    public static func flags(
        summaries: [MeetingSummary],
        history: OrgHistory,
        rules: RuleBook,
        rootID: String,
        from: CalendarDate,
        through: CalendarDate
    ) -> [Flag] {
        var flags: [Flag] = []
        let meetingsByCell = Dictionary(
            grouping: summaries.filter { meeting in
                meeting.heldOn >= from && meeting.heldOn <= through
                    && history.isUnder(meeting.cellID, root: rootID, on: meeting.heldOn)
            },
            by: \.cellID
        )
        let cells = history.units.values.filter { $0.kind == .cell }.sorted {
            history.sortKey(of: $0.id) < history.sortKey(of: $1.id)
        }
        for cell in cells {
            let meetings = meetingsByCell[cell.id] ?? []
            flags += missed(
                cell: cell,
                meetings: meetings,
                history: history,
                rules: rules,
                rootID: rootID,
                from: from,
                through: through
            )
            for meeting in meetings {
                let applied = rules.rules(for: cell.id, on: meeting.heldOn)
                if let flag = short(meeting, rules: applied) { flags.append(flag) }
                if let flag = offDay(meeting, cell: cell, rules: applied) { flags.append(flag) }
            }
        }
        return flags
    }

    /// Blocks of months (one month for regular meetings, three for thematic ones) that the cell
    /// existed under the root for in full, inside the range, with no meeting of the kind.
    static func missed(
        cell: OrgUnit,
        meetings: [MeetingSummary],
        history: OrgHistory,
        rules: RuleBook,
        rootID: String,
        from: CalendarDate,
        through: CalendarDate
    ) -> [Flag] {
        var flags: [Flag] = []
        for requirement in Requirement.allCases {
            var month = CalendarDate(year: from.year, month: 1, day: 1)
            while month <= through {
                let applied = rules.rules(for: cell.id, on: month.endOfMonth)
                let every = max(1, requirement.every(applied.rules))
                // Blocks start in January: months 1–3, 4–6 … for a quarterly rule.
                guard (month.month - 1) % every == 0 else {
                    month = month.adding(months: 1)
                    continue
                }
                let first = month
                let last = month.adding(months: every - 1).endOfMonth
                defer { month = month.adding(months: every) }
                guard first >= from, last <= through,
                    history.coversUnder(cell.id, root: rootID, from: first, to: last)
                else { continue }
                let held = meetings.contains { meeting in
                    meeting.heldOn >= first && meeting.heldOn <= last && requirement.kinds.contains(meeting.kind)
                }
                if held { continue }
                let closing = rules.rules(for: cell.id, on: last)
                let period =
                    every == 3 && first.month % 3 == 1
                    ? Period(kind: .quarter, year: first.year, index: first.quarter)
                    : Period(kind: .month, year: first.year, index: first.month)
                flags.append(
                    Flag(
                        kind: requirement.flagKind,
                        unitId: cell.id,
                        period: period,
                        on: last,
                        detail: "\(cell.name): no \(requirement.name) meeting in \(Periods.text(period))"
                            + (every == 1
                                ? "" : "–\(Periods.text(Period(kind: .month, year: last.year, index: last.month)))")
                            + " (required every \(every) month\(every == 1 ? "" : "s"); \(closing.sources))",
                        ruleSetId: closing.id
                    )
                )
            }
        }
        return flags
    }

    /// A flag when a meeting with known times was shorter than the minimum in force.
    static func short(_ meeting: MeetingSummary, rules: EffectiveRules) -> Flag? {
        let combined = meeting.kind == .combined
        let minimum = Int(rules.rules.minMeetingMinutes)
        let required = combined ? max(Int(rules.rules.minCombinedMeetingMinutes), minimum) : minimum
        guard required > 0, meeting.startMinute != 0 || meeting.endMinute != 0 else { return nil }
        let length = meeting.endMinute - meeting.startMinute
        guard length < required else { return nil }
        return Flag(
            kind: .shortMeeting,
            unitId: meeting.cellID,
            meetingId: meeting.id,
            period: Periods.period(of: meeting.heldOn, kind: .month),
            on: meeting.heldOn,
            detail: "meeting of \(meeting.heldOn.vietnameseText) lasted \(length) minutes; the minimum"
                + "\(combined ? " for a combined meeting" : "") is \(required) (\(rules.sources))",
            ruleSetId: rules.id
        )
    }

    /// A flag when a regular (or combined) meeting was held off the cell's fixed day; a day past
    /// the month's end means the month's last day.
    static func offDay(_ meeting: MeetingSummary, cell: OrgUnit, rules: EffectiveRules) -> Flag? {
        guard cell.meetingDay > 0, meeting.kind == .regular || meeting.kind == .combined else { return nil }
        let fixed = min(cell.meetingDay, CalendarDate.daysIn(month: meeting.heldOn.month, of: meeting.heldOn.year))
        guard meeting.heldOn.day != fixed else { return nil }
        return Flag(
            kind: .offDayMeeting,
            unitId: cell.id,
            meetingId: meeting.id,
            period: Periods.period(of: meeting.heldOn, kind: .month),
            on: meeting.heldOn,
            detail: "\(cell.name): regular meeting held on \(meeting.heldOn.vietnameseText), not on the cell's day "
                + "(the \(fixed)\(fixed == cell.meetingDay ? "" : ", the month's last day"))",
            ruleSetId: rules.id
        )
    }

    /// The two meeting requirements.
    enum Requirement: CaseIterable {
        case regular
        case thematic

        var name: String { self == .regular ? "regular" : "thematic" }
        var flagKind: FlagKind { self == .regular ? .missedRegularMeeting : .missedThematicMeeting }
        var kinds: Set<MeetingKind> { self == .regular ? [.regular, .combined] : [.thematic, .combined] }
        func every(_ rules: RuleSet) -> Int32 {
            self == .regular ? rules.regularEveryMonths : rules.thematicEveryMonths
        }
    }
}
