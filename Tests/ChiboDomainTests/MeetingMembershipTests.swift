import ChiboDomain
import ChiboModel
import Testing

/// Who a meeting may name, decided from the cell and the members who could be expected.
@Suite struct MeetingMembershipTests {
    private let cell = OrgUnit(
        id: "bo",
        name: "Chi bộ bản Bó",
        kind: .cell,
        valid: DateRange(from: CalendarDate(year: 2015, month: 1, day: 1))
    )

    private func member(_ id: String, admitted: Int32, official: Int32? = nil) -> Member {
        var events = [StatusEvent(kind: .admitted, effectiveOn: CalendarDate(year: admitted, month: 1, day: 1))]
        if let official {
            events.append(StatusEvent(kind: .madeOfficial, effectiveOn: CalendarDate(year: official, month: 1, day: 1)))
        }
        return Member(id: id, fullName: "Người \(id)", cellId: "bo", events: events)
    }

    private var candidates: [Member] {
        [member("m1", admitted: 2010, official: 2011), member("m2", admitted: 2024), member("m3", admitted: 2030)]
    }

    private func meeting(_ records: [(String, AttendanceState)], chair: String = "") -> Meeting {
        Meeting(
            cellId: "bo",
            heldOn: CalendarDate(year: 2025, month: 3, day: 5),
            kind: .regular,
            chairMemberId: chair,
            attendance: records.map { AttendanceRecord(memberId: $0.0, state: $0.1) }
        )
    }

    @Test func recordsTakeTheMembersCategoryAndName() throws {
        var checked = meeting([("m1", .present), ("m2", .absentExcused)], chair: "m1")
        var violations = Violations()
        MeetingMembership.check(
            &checked,
            cell: cell,
            candidates: candidates,
            partialAttendance: false,
            memberExists: { _ in true },
            into: &violations
        )
        #expect(violations.list.isEmpty)
        #expect(checked.attendance.map(\.category) == [.official, .probationary])
        #expect(checked.attendance.map(\.fullName) == ["Người m1", "Người m2"])
    }

    @Test func aPartialListIsCompletedAndAFullOneMustNameEveryone() {
        var partial = meeting([("m1", .present)])
        var violations = Violations()
        MeetingMembership.check(
            &partial,
            cell: cell,
            candidates: candidates,
            partialAttendance: true,
            memberExists: { _ in true },
            into: &violations
        )
        #expect(violations.list.isEmpty)
        #expect(partial.attendance.map(\.memberId) == ["m1", "m2"])
        #expect(partial.attendance.map(\.state) == [.present, .notRecorded])
        var full = meeting([("m1", .present)])
        MeetingMembership.check(
            &full,
            cell: cell,
            candidates: candidates,
            partialAttendance: false,
            memberExists: { _ in true },
            into: &violations
        )
        #expect(violations.list.map(\.field) == ["meeting.attendance"])
    }

    @Test func strangersTwiceAbsentChairsAndAnUnbornCellAreRefused() {
        var checked = meeting([("m1", .absentUnexcused), ("m1", .present), ("m3", .present)], chair: "m2")
        checked.heldOn = CalendarDate(year: 2014, month: 6, day: 1)
        var violations = Violations()
        MeetingMembership.check(
            &checked,
            cell: cell,
            candidates: candidates,
            partialAttendance: true,
            memberExists: { _ in true },
            into: &violations
        )
        #expect(
            violations.list.map(\.field) == [
                "meeting.held_on", "meeting.attendance[1].member_id", "meeting.attendance[2].member_id",
                "meeting.chair_member_id",
            ]
        )
    }
}
