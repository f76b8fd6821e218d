import ChiboModel

/// What one cell's meetings of one month add up to, kept by the store as meetings are
/// recorded, amended, voided and imported, so that reports over many cells read one row per
/// cell and month instead of every meeting and attendance record. Voided meetings count for
/// nothing.
public struct CellMonthCounts: Hashable, Sendable {
    /// ID of the cell.
    public var cellID: String
    /// The month, `YYYY-MM`.
    public var month: String
    /// Meetings held, by kind.
    public var regular = 0
    /// Thematic meetings held.
    public var thematic = 0
    /// Combined (regular and thematic) meetings held.
    public var combined = 0
    /// Extraordinary meetings held.
    public var extraordinary = 0
    /// Attendance records of counted members whose state was recorded (`MeetingSummary`).
    public var expected = 0
    /// Of those, present.
    public var present = 0
    /// Of those, absent with reason.
    public var excused = 0
    /// Of those, absent without reason.
    public var unexcused = 0
    /// Counted members' records left as not recorded.
    public var notRecorded = 0
    /// Attendance records of members exempt from meetings.
    public var exempt = 0
    /// Attendance records of members working away.
    public var away = 0

    /// Counts of a cell and month, zero unless given.
    public init(cellID: String, month: String) {
        self.cellID = cellID
        self.month = month
    }
}
