import ChiboDomain
import ChiboModel
import Testing

/// A meeting's values, its attendance records and resolutions, whole or before references are
/// resolved.
@Suite struct MeetingChecksTests {
    private var goodMeeting: Meeting {
        var meeting = Meeting()
        meeting.cellId = "cell"
        meeting.heldOn = CalendarDate(year: 2025, month: 3, day: 5)
        meeting.kind = .regular
        meeting.startMinute = 19 * 60
        meeting.endMinute = 21 * 60
        meeting.attendance = [
            AttendanceRecord(memberId: "m1", state: .present, spoke: true),
            AttendanceRecord(memberId: "m2", state: .absentExcused, reason: "ốm"),
            AttendanceRecord(memberId: "m3", state: .notRecorded),
        ]
        return meeting
    }

    @Test func aWellFormedMeetingPasses() {
        var violations = Violations()
        MeetingChecks.check(goodMeeting, prefix: "meeting.", into: &violations)
        #expect(violations.list.isEmpty)
    }

    @Test func everyProblemIsNamedInOrder() {
        var meeting = goodMeeting
        meeting.cellId = ""
        meeting.heldOn = CalendarDate(year: 2025, month: 2, day: 29)
        meeting.endMinute = meeting.startMinute
        meeting.attendance[0].memberId = ""
        meeting.attendance[1].reason = ""
        meeting.attendance[2].spoke = true
        meeting.resolutions = [Resolution()]
        var violations = Violations()
        MeetingChecks.check(meeting, prefix: "meeting.", into: &violations)
        #expect(
            violations.list == [
                FieldViolation(field: "meeting.cell_id", description: "required"),
                FieldViolation(field: "meeting.held_on", description: "2025-2-29 is not a calendar date"),
                FieldViolation(field: "meeting.end_minute", description: "the meeting ends before it starts"),
                FieldViolation(field: "meeting.attendance[0].member_id", description: "required"),
                FieldViolation(field: "meeting.attendance[1].reason", description: "required for an excused absence"),
                FieldViolation(field: "meeting.attendance[2].spoke", description: "only someone present can speak"),
                FieldViolation(field: "meeting.resolutions[0].text", description: "required"),
            ]
        )
    }

    @Test func valuesAloneLeaveTheReferencesToTheStore() {
        var meeting = goodMeeting
        meeting.cellId = ""
        for index in meeting.attendance.indices { meeting.attendance[index].memberId = "" }
        var values = Violations()
        MeetingChecks.checkValues(meeting, prefix: "", into: &values)
        #expect(values.list.isEmpty)
        meeting.kind = MeetingKind(rawValue: 0)
        meeting.attendance[1].state = AttendanceState(rawValue: 0)
        MeetingChecks.checkValues(meeting, prefix: "", into: &values)
        #expect(values.list.map(\.field) == ["kind", "attendance[1].state"])
    }

    @Test func attendanceAndResolutionsAlone() {
        var violations = Violations()
        AttendanceChecks.check(AttendanceRecord(state: .absentUnexcused, spoke: true), path: "a", into: &violations)
        AttendanceChecks.check(AttendanceRecord(state: .present, spoke: true), path: "b", into: &violations)
        AttendanceChecks.checkMember(AttendanceRecord(memberId: "m1"), path: "c", into: &violations)
        AttendanceChecks.checkMember(AttendanceRecord(), path: "d", into: &violations)
        var resolution = Resolution()
        resolution.text = String(repeating: "x", count: 2001)
        resolution.dueOn = CalendarDate(year: 2025, month: 4, day: 31)
        ResolutionChecks.check(resolution, path: "r", into: &violations)
        #expect(
            violations.list == [
                FieldViolation(field: "a.spoke", description: "only someone present can speak"),
                FieldViolation(field: "d.member_id", description: "required"),
                FieldViolation(field: "r.text", description: "longer than 2000 characters"),
                FieldViolation(field: "r.due_on", description: "2025-4-31 is not a calendar date"),
            ]
        )
    }
}
