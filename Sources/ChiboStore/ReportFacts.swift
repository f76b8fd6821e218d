import ChiboModel

/// A meeting reduced to what the reports count. Counts cover the members counted in
/// attendance (official, probationary, temporarily attached); exempt, working-away and
/// temporarily transferred members are left out, as docs/DOMAIN.md says.
public struct MeetingSummary: Hashable, Sendable {
    /// ID of the meeting.
    public var id: String
    /// ID of the cell that met.
    public var cellID: String
    /// Date of the meeting.
    public var heldOn: CalendarDate
    /// Regular, thematic, combined or extraordinary.
    public var kind: MeetingKind
    /// Start and end, minutes after midnight; equal when the logbook gives no times.
    public var startMinute: Int
    /// End time, minutes after midnight.
    public var endMinute: Int
    /// Counted members' records whose state was recorded.
    public var expected: Int
    /// Of those, present.
    public var present: Int
    /// Of those, absent with reason.
    public var absentExcused: Int
    /// Of those, absent without reason.
    public var absentUnexcused: Int
    /// Counted members' records left as not recorded.
    public var notRecorded: Int
    /// Counted members present who spoke.
    public var spoke: Int
    /// Whether a guest marked as the cell's supervisor attended.
    public var supervisorPresent: Bool

    /// Creates a summary.
    public init(
        id: String,
        cellID: String,
        heldOn: CalendarDate,
        kind: MeetingKind,
        startMinute: Int = 0,
        endMinute: Int = 0,
        expected: Int = 0,
        present: Int = 0,
        absentExcused: Int = 0,
        absentUnexcused: Int = 0,
        notRecorded: Int = 0,
        spoke: Int = 0,
        supervisorPresent: Bool = false
    ) {
        self.id = id
        self.cellID = cellID
        self.heldOn = heldOn
        self.kind = kind
        self.startMinute = startMinute
        self.endMinute = endMinute
        self.expected = expected
        self.present = present
        self.absentExcused = absentExcused
        self.absentUnexcused = absentUnexcused
        self.notRecorded = notRecorded
        self.spoke = spoke
        self.supervisorPresent = supervisorPresent
    }

    /// The summary of a meeting record: what a backend stores beside it.
    public init(of meeting: Meeting) {
        self.init(
            id: meeting.id,
            cellID: meeting.cellId,
            heldOn: meeting.heldOn ?? CalendarDate(),
            kind: meeting.kind,
            startMinute: Int(meeting.startMinute),
            endMinute: Int(meeting.endMinute),
            supervisorPresent: meeting.guests.contains { $0.isSupervisor }
        )
        for record in meeting.attendance where Self.isCounted(record.category) {
            switch record.state {
            case .present:
                expected += 1
                present += 1
                if record.spoke { spoke += 1 }
            case .absentExcused:
                expected += 1
                absentExcused += 1
            case .absentUnexcused:
                expected += 1
                absentUnexcused += 1
            default:
                notRecorded += 1
            }
        }
    }

    /// Whether members of a category count in attendance rates.
    public static func isCounted(_ category: MemberCategory) -> Bool {
        category == .official || category == .probationary || category == .temporarilyAttached
    }
}

/// One attendance record, for the member-level reports.
public struct AttendanceFact: Hashable, Sendable {
    /// ID of the meeting.
    public var meetingID: String
    /// ID of the member.
    public var memberID: String
    /// ID of the cell that met.
    public var cellID: String
    /// Date of the meeting.
    public var heldOn: CalendarDate
    /// Present, absent with or without reason, or not recorded.
    public var state: AttendanceState
    /// The member's category that day.
    public var category: MemberCategory

    /// Creates a fact.
    public init(
        meetingID: String,
        memberID: String,
        cellID: String,
        heldOn: CalendarDate,
        state: AttendanceState,
        category: MemberCategory
    ) {
        self.meetingID = meetingID
        self.memberID = memberID
        self.cellID = cellID
        self.heldOn = heldOn
        self.state = state
        self.category = category
    }
}

/// A resolution with the cell of the meeting that adopted it.
public struct ResolutionFact: Hashable, Sendable {
    /// The resolution.
    public var resolution: Resolution
    /// The cell of its meeting.
    public var cellID: String
    /// The date of its meeting.
    public var heldOn: CalendarDate

    /// Creates a fact.
    public init(resolution: Resolution, cellID: String, heldOn: CalendarDate) {
        self.resolution = resolution
        self.cellID = cellID
        self.heldOn = heldOn
    }
}

/// Which rule sets a list returns.
public struct RuleSetQuery: Hashable, Sendable {
    /// Only sets of this scope unit.
    public var scopeUnitID: String?
    /// Only national sets (empty scope).
    public var nationalOnly: Bool
    /// Include voided sets.
    public var includeVoided: Bool
    /// Page size (at most 1,000).
    public var pageSize: Int
    /// Token from the previous page.
    public var pageToken: String

    /// Creates a query; the default lists every set in force.
    public init(
        scopeUnitID: String? = nil,
        nationalOnly: Bool = false,
        includeVoided: Bool = false,
        pageSize: Int = 100,
        pageToken: String = ""
    ) {
        self.scopeUnitID = scopeUnitID
        self.nationalOnly = nationalOnly
        self.includeVoided = includeVoided
        self.pageSize = pageSize
        self.pageToken = pageToken
    }
}

/// Which evaluations a list returns.
public struct EvaluationQuery: Hashable, Sendable {
    /// Only this year.
    public var year: Int32?
    /// Only evaluations of units ever in this subtree and of members whose cell was.
    public var subtreeOf: String?
    /// Only this kind of subject.
    public var subject: EvaluationSubject?
    /// Only this subject.
    public var subjectID: String?
    /// Include voided evaluations.
    public var includeVoided: Bool
    /// Page size (at most 1,000).
    public var pageSize: Int
    /// Token from the previous page.
    public var pageToken: String

    /// Creates a query; the default lists every evaluation.
    public init(
        year: Int32? = nil,
        subtreeOf: String? = nil,
        subject: EvaluationSubject? = nil,
        subjectID: String? = nil,
        includeVoided: Bool = false,
        pageSize: Int = 100,
        pageToken: String = ""
    ) {
        self.year = year
        self.subtreeOf = subtreeOf
        self.subject = subject
        self.subjectID = subjectID
        self.includeVoided = includeVoided
        self.pageSize = pageSize
        self.pageToken = pageToken
    }
}
