/// The national rule sets every store is seeded with, from the published guidance summarised in
/// docs/DOMAIN.md ("Rule sets by date"). Each is complete (a national set gives every threshold;
/// zero means "none", for example no minimum meeting length before 28/10/2025) and applies from
/// its date until the next.
public enum NationalRules {
    /// HD 12-HD/BTCTW of 6 July 2018: monthly regular and quarterly thematic meetings; a good
    /// meeting has attendance strictly above 85%, nobody absent without reason and nobody absent
    /// with reason more than 3 meetings running; 3 months with unexcused absences put a member at
    /// risk; probation lasts 12 months. No grading caps and no minimum length yet.
    public static let hd12of2018 = RuleSet(
        id: "national-2018-07-06",
        effectiveFrom: CalendarDate(year: 2018, month: 7, day: 6),
        source: "HD 12-HD/BTCTW, 06/7/2018",
        goodAttendanceBp: 8500,
        thematicEveryMonths: 3,
        regularEveryMonths: 1,
        probationMonths: 12,
        maxExcusedAbsencesInRow: 3,
        unexcusedMonthsAtRisk: 3
    )

    /// HD 21-HD/BTCTW of 18 October 2019 adds the grading caps: excellent members at most 20% of
    /// those rated good (counted per base organisation); an excellent cell needs every member at
    /// least completed and at least 80% at least good.
    public static let hd21of2019: RuleSet = {
        var rules = hd12of2018
        rules.id = "national-2019-10-18"
        rules.effectiveFrom = CalendarDate(year: 2019, month: 10, day: 18)
        rules.source = "HD 21-HD/BTCTW, 18/10/2019"
        rules.excellentMemberCapBp = 2000
        rules.excellentCapBase = .ofGood
        rules.excellentCellMinGoodBp = 8000
        return rules
    }()

    /// QĐ 366-QĐ/TW: from the 2025 grading, the 100-point scale (excellent ≥ 90, good 70–89,
    /// completed 50–69, not completed below 50).
    public static let qd366of2025: RuleSet = {
        var rules = hd21of2019
        rules.id = "national-2025-01-01"
        rules.effectiveFrom = CalendarDate(year: 2025, month: 1, day: 1)
        rules.source = "QĐ 366-QĐ/TW (grading of 2025 onwards)"
        rules.scoreExcellentMin = 90
        rules.scoreGoodMin = 70
        rules.scoreCompletedMin = 50
        return rules
    }()

    /// From 28/10/2025 a meeting lasts at least 90 minutes, 120 when regular and thematic are
    /// combined.
    public static let meetingLength2025: RuleSet = {
        var rules = qd366of2025
        rules.id = "national-2025-10-28"
        rules.effectiveFrom = CalendarDate(year: 2025, month: 10, day: 28)
        rules.source = "meeting length rule in force from 28/10/2025"
        rules.minMeetingMinutes = 90
        rules.minCombinedMeetingMinutes = 120
        return rules
    }()

    /// Every seeded set, oldest first.
    public static let all: [RuleSet] = [hd12of2018, hd21of2019, qd366of2025, meetingLength2025]
}
