import ChiboModel

/// The meetings of one cell in one period summed: what the attendance report adds up from
/// `MeetingSummary` values, computed where the meetings are (`Store.attendanceTotals`), so a
/// province's year is a row per cell rather than a row per meeting. Valid for a report only
/// where the cell's place in the tree and its rules stand still over the range (the report
/// checks that); elsewhere it reads the meetings.
public struct AttendanceTotals: Hashable, Sendable {
    /// ID of the cell.
    public var cellID: String
    /// The month, quarter or year.
    public var period: Period
    /// Meetings held (not voided).
    public var meetings = 0
    /// Sum of the meetings' counted members whose state was recorded.
    public var expected = 0
    /// Of those, present.
    public var present = 0
    /// Of those, absent with reason.
    public var absentExcused = 0
    /// Of those, absent without reason.
    public var absentUnexcused = 0
    /// Counted members' records left as not recorded.
    public var notRecorded = 0
    /// Counted members present who spoke.
    public var spoke = 0
    /// Meetings good on attendance under the threshold asked for (see `isGood`).
    public var goodMeetings = 0
    /// Meetings with at least one record not recorded.
    public var meetingsWithNotRecorded = 0
    /// The first meeting of the group as "YYYY-MM-DD id": a report that merges groups of
    /// several rule sets lists the sets in the order their first meetings came.
    public var firstMeeting = ""

    /// Empty totals of a cell and period.
    public init(cellID: String, period: Period) {
        self.cellID = cellID
        self.period = period
    }

    /// Whether a meeting is good on attendance at `goodAttendanceBp`: rate strictly above the
    /// threshold and nobody absent without reason (docs/DOMAIN.md, "Attendance").
    public static func isGood(_ meeting: MeetingSummary, goodAttendanceBp: Int32) -> Bool {
        meeting.expected > 0 && meeting.absentUnexcused == 0
            && meeting.present * 10_000 > Int(goodAttendanceBp) * meeting.expected
    }

    /// The period of a kind that holds a date (an unspecified kind means the year).
    public static func period(of date: CalendarDate, kind: PeriodKind) -> Period {
        switch kind {
        case .month: Period(kind: .month, year: date.year, index: date.month)
        case .quarter: Period(kind: .quarter, year: date.year, index: date.quarter)
        default: Period(kind: .year, year: date.year, index: 0)
        }
    }

    /// The totals of `summaries` by cell and period, in Swift: the reference a store's
    /// `attendanceTotals` must equal, and what a source of facts in memory answers.
    public static func summing(
        _ summaries: [MeetingSummary],
        period kind: PeriodKind,
        goodAttendanceBp: Int32
    ) -> [AttendanceTotals] {
        var groups: [String: [Period: AttendanceTotals]] = [:]
        for meeting in summaries {
            let period = Self.period(of: meeting.heldOn, kind: kind)
            var totals = groups[meeting.cellID]?[period] ?? AttendanceTotals(cellID: meeting.cellID, period: period)
            totals.meetings += 1
            totals.expected += meeting.expected
            totals.present += meeting.present
            totals.absentExcused += meeting.absentExcused
            totals.absentUnexcused += meeting.absentUnexcused
            totals.notRecorded += meeting.notRecorded
            totals.spoke += meeting.spoke
            if isGood(meeting, goodAttendanceBp: goodAttendanceBp) { totals.goodMeetings += 1 }
            if meeting.notRecorded > 0 { totals.meetingsWithNotRecorded += 1 }
            let key = firstMeetingKey(meeting)
            if totals.firstMeeting.isEmpty || key < totals.firstMeeting { totals.firstMeeting = key }
            groups[meeting.cellID, default: [:]][period] = totals
        }
        return groups.values.flatMap(\.values).sorted(by: AttendanceTotals.precedes)
    }

    /// "YYYY-MM-DD id" of a meeting: sorts as the meetings do (by date, then id).
    public static func firstMeetingKey(_ meeting: MeetingSummary) -> String {
        let date = meeting.heldOn
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let year = String(date.year)
        return String(repeating: "0", count: max(0, 4 - year.count)) + year + "-" + two(date.month) + "-"
            + two(date.day) + " " + meeting.id
    }

    /// The order stores answer in: by cell, then period.
    public static func precedes(_ lhs: AttendanceTotals, _ rhs: AttendanceTotals) -> Bool {
        (lhs.cellID, lhs.period.year, lhs.period.index) < (rhs.cellID, rhs.period.year, rhs.period.index)
    }
}
