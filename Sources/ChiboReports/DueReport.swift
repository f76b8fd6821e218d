import ChiboModel
import ChiboStore

/// What falls due: probationary members past their probation, party-badge anniversaries in a
/// year (30, 40, 45, 50, 55, 60 … years since admission), members working away past their
/// expected return, and resolutions past their deadline and not closed.
public enum DueReport {
    /// A resolution with the cell of the meeting that adopted it.
    public struct PlacedResolution: Sendable {
        /// The resolution.
        public var resolution: Resolution
        /// The cell of its meeting.
        public var cellID: String

        /// Creates a placed resolution.
        public init(resolution: Resolution, cellID: String) {
            self.resolution = resolution
            self.cellID = cellID
        }
    }

    /// The flags: members by name order (as given), then resolutions by due date.
    public static func flags(
        roster: Roster,
        resolutions: [PlacedResolution],
        history: OrgHistory,
        rules: RuleBook,
        rootID: String,
        on date: CalendarDate,
        badgeYear: Int32
    ) -> [Flag] {
        var flags: [Flag] = []
        for entry in roster.entries {
            guard let cellID = entry.cellID, history.isUnder(cellID, root: rootID, on: date) else { continue }
            let member = entry.member
            let past = entry.past
            let state = entry.state
            let applied = rules.rules(for: cellID, on: date)
            if let flag = probation(member, state: state, cellID: cellID, on: date, rules: applied) {
                flags.append(flag)
            }
            if let flag = badge(member, cellID: cellID, year: badgeYear, rules: applied) { flags.append(flag) }
            if state.status == .workingAway, let away = past.last(where: { $0.kind == .workingAway }),
                let expected = away.expectedReturnOn, expected < date
            {
                flags.append(
                    Flag(
                        kind: .returnOverdue,
                        unitId: cellID,
                        memberId: member.id,
                        on: expected,
                        detail: "\(member.fullName): working away since "
                            + "\(away.effectiveOn?.vietnameseText ?? ""), expected back on "
                            + "\(expected.vietnameseText) and not reported back",
                        ruleSetId: applied.id
                    )
                )
            }
        }
        let never = CalendarDate(year: 9999, month: 12, day: 31)
        let ordered = resolutions.sorted {
            ($0.resolution.dueOn ?? never, $0.resolution.id) < ($1.resolution.dueOn ?? never, $1.resolution.id)
        }
        for placed in ordered {
            let resolution = placed.resolution
            guard let due = resolution.dueOn, due < date,
                resolution.status == .open || resolution.status == .inProgress,
                resolution.meta?.voided != true,
                history.isUnder(placed.cellID, root: rootID, on: date)
                    || history.ancestors(of: placed.cellID, on: due).contains(rootID)
            else { continue }
            flags.append(
                Flag(
                    kind: .resolutionOverdue,
                    unitId: placed.cellID,
                    memberId: resolution.ownerMemberId,
                    meetingId: resolution.meetingId,
                    resolutionId: resolution.id,
                    on: due,
                    detail: "\(history.name(of: placed.cellID)): \"\(resolution.text)\" was due on "
                        + "\(due.vietnameseText) and is \(resolution.status == .open ? "not started" : "still under way")"
                        + (resolution.ownerName.isEmpty ? "" : " (\(resolution.ownerName))"),
                    ruleSetId: rules.rules(for: placed.cellID, on: date).id
                )
            )
        }
        return flags
    }

    /// A flag when a probationary member is past the probation period on the date.
    static func probation(
        _ member: Member,
        state: MemberLifecycle.State,
        cellID: String,
        on date: CalendarDate,
        rules: EffectiveRules
    )
        -> Flag?
    {
        guard state.status == .probationary, let admitted = admission(of: member, state: state) else { return nil }
        let months = rules.rules.probationMonths
        guard months > 0 else { return nil }
        let due = admitted.adding(months: months)
        guard due <= date else { return nil }
        return Flag(
            kind: .probationOverdue,
            unitId: cellID,
            memberId: member.id,
            on: due,
            detail: "\(member.fullName): probationary since \(admitted.vietnameseText), due for review on "
                + "\(due.vietnameseText) (\(months) months; \(rules.sources))",
            ruleSetId: rules.id
        )
    }

    /// A flag when the member reaches a party-badge anniversary in the year.
    static func badge(_ member: Member, cellID: String, year: Int32, rules: EffectiveRules) -> Flag? {
        guard let admitted = member.admittedOn ?? member.events.first(where: { $0.kind == .admitted })?.effectiveOn
        else { return nil }
        let years = year - admitted.year
        guard years == 30 || (years >= 40 && years % 5 == 0) else { return nil }
        let day = CalendarDate(
            year: year,
            month: admitted.month,
            day: min(admitted.day, CalendarDate.daysIn(month: admitted.month, of: year))
        )
        return Flag(
            kind: .badgeAnniversary,
            unitId: cellID,
            memberId: member.id,
            period: Period(kind: .year, year: year),
            on: day,
            detail: "\(member.fullName): \(years) years of party membership on \(day.vietnameseText) "
                + "(admitted \(admitted.vietnameseText)); eligible for the \(years)-year party badge",
            ruleSetId: rules.id
        )
    }

    /// The admission date: the record's field, else the ADMITTED event.
    static func admission(of member: Member, state: MemberLifecycle.State) -> CalendarDate? {
        if let admitted = member.admittedOn { return admitted }
        return member.events.first(where: { $0.kind == .admitted })?.effectiveOn
    }
}
