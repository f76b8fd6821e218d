import ChiboClient
import ChiboModel
import ChiboTesting
import Testing

/// A small commune history with every answer worked out by hand in ReportServiceTests.
///
/// Tree: province `tinh` holds communes `mb` (Mường Bằng) and `cmold` (Chiềng Mung). On
/// 2025-07-01 both merge into the new commune `cm`; their cells move under it:
///   `bo`  Chi bộ bản Bó  (mb, meets on the 3rd)
///   `ang` Chi bộ bản Áng (mb, meets on the 31st: the month's last day)
///   `na`  Chi bộ bản Na  (cmold, meets on the 10th)
/// Rules: the national sets seeded in every store, plus Mường Bằng's own set from 2019-01-01
/// (`rules-mb`: a good meeting needs more than 90% present).
///
/// Members of bo: b1 (official, admitted 10/5/1995: 30 years in 2025), b2, b3 (official since
/// 2000), b4 (probationary since 1/3/2024: due for review 1/3/2025), b5 (official; working away
/// from 1/2/2025, expected back 30/6/2025, never reported back).
/// Members of ang: a1, a2 (official), a3 (admitted 2/9/1985: 40 years in 2025; exempt since 2020).
/// Members of na: n1 (supervises bo from 1/1/2025 until the merge), n2, n3.
///
/// Meetings of bo in 2025 (19:00–21:00 unless said; everyone present unless said; b1 speaks at
/// every meeting he attends, b2 also speaks on 3/1):
///   03/01 regular (b5 still counted: 5 expected)      supervisor present
///   03/02 regular, b3 absent without reason            supervisor present
///   15/02 thematic 19:00–21:30
///   05/03 regular, off the cell's day                  supervisor present
///   03/04 regular, b2 absent with reason, b3 without   supervisor present
///   03/05 regular, b2 absent with reason
///   15/05 thematic 19:00–21:30, b2 absent with reason
///   03/06 regular, b2 absent with reason (4th running)
///   03/07 regular (under cm from now on)
///   (August: no meeting)
///   03/09 regular 19:00–20:00 (60 minutes: no minimum yet)
///   03/10 regular, b3 absent without reason (3rd month)
///   03/11 regular 19:30–20:30 (60 minutes, under the 90-minute rule from 28/10/2025)
///   15/11 thematic 19:00–21:30
///   03/12 regular
///   (no thematic meeting in Q3)
/// Meetings of ang: the last day of every month of 2025, 19:00–21:00; combined regular and
/// thematic at each quarter's end, 19:00–21:30, except 31/12 19:00–20:40 (100 minutes, under
/// the 120 required for a combined meeting from 28/10/2025); a2 absent without reason on 31/01;
/// on 28/02 the logbook lists only a1 (a2 not recorded). a3 is exempt and not counted.
/// Meetings of na: 10/06 and 10/07 only, everyone present.
/// Resolutions of bo's 03/01 meeting: a road due 30/04/2025 still open; a loan scheme due
/// 01/03/2025 done; a census due 31/01/2026 open.
/// Evaluations 2024 (rules HD 21 + Mường Bằng): cells bo excellent (clean and strong) and ang
/// excellent; members b1, b2 excellent; b3, b5, a1 good; b4 completed; a2 not completed.
/// Evaluation 2025: n1 scored 92 (excellent on the 100-point scale).
enum ReportFixture {

    static let mbRulesID = "rules-mb"

    static func load(_ client: ChiboClient) async throws {
        try await createTree(client)
        try await createMembers(client)
        _ = try await client.unary(
            .orgUnitsAssignSupervisor,
            AssignSupervisorRequest(
                unitId: "bo",
                assignment: SupervisorAssignment(
                    memberId: "n1",
                    fullName: "Lường Văn Nam",
                    valid: DateRange(from: day(2025, 1, 1))
                )
            ),
            as: OrgUnitResponse.self
        )
        let bo = try #require(
            try await client.unary(.orgUnitsGet, GetOrgUnitRequest(id: "bo"), as: OrgUnitResponse.self).unit
        )
        _ = try await client.unary(
            .orgUnitsEndSupervisor,
            EndSupervisorRequest(
                unitId: "bo",
                assignmentId: try #require(bo.supervisors.first?.id),
                endedOn: day(2025, 7, 1)
            ),
            as: OrgUnitResponse.self
        )
        try await recordMeetingsBeforeMerge(client)
        _ = try await client.unary(
            .orgUnitsMerge,
            MergeOrgUnitsRequest(
                sourceIds: ["mb", "cmold"],
                successor: OrgUnit(id: "cm", code: "CM", name: "Xã Chiềng Mung", kind: .commune, parentId: "tinh"),
                effectiveOn: day(2025, 7, 1)
            ),
            as: OrgUnitsResponse.self
        )
        try await recordMeetingsAfterMerge(client)
        try await createEvaluations(client)
    }

    static func createTree(_ client: ChiboClient) async throws {
        let units = [
            OrgUnit(id: "tinh", code: "SL", name: "Tỉnh Sơn La", kind: .province),
            OrgUnit(id: "mb", code: "MB", name: "Xã Mường Bằng", kind: .commune, parentId: "tinh"),
            OrgUnit(id: "cmold", code: "CMO", name: "Xã Chiềng Mung (cũ)", kind: .commune, parentId: "tinh"),
            OrgUnit(id: "bo", code: "MB-BO", name: "Chi bộ bản Bó", kind: .cell, parentId: "mb", meetingDay: 3),
            OrgUnit(id: "ang", code: "MB-ANG", name: "Chi bộ bản Áng", kind: .cell, parentId: "mb", meetingDay: 31),
            OrgUnit(id: "na", code: "CM-NA", name: "Chi bộ bản Na", kind: .cell, parentId: "cmold", meetingDay: 10),
        ]
        for unit in units {
            _ = try await client.unary(.orgUnitsCreate, CreateOrgUnitRequest(unit: unit), as: OrgUnitResponse.self)
        }
        _ = try await client.unary(
            .rulesCreate,
            CreateRuleSetRequest(
                ruleSet: RuleSet(
                    id: mbRulesID,
                    scopeUnitId: "mb",
                    effectiveFrom: day(2019, 1, 1),
                    source: "Nghị quyết Đảng ủy xã Mường Bằng",
                    goodAttendanceBp: 9000
                )
            ),
            as: RuleSetResponse.self
        )
    }

    static func member(
        _ id: String,
        _ name: String,
        cell: String,
        admitted: CalendarDate,
        official: CalendarDate?,
        more: [StatusEvent] = []
    ) -> Member {
        var events = [StatusEvent(kind: .admitted, effectiveOn: admitted)]
        if let official { events.append(StatusEvent(kind: .madeOfficial, effectiveOn: official)) }
        return Member(
            id: id,
            fullName: name,
            admittedOn: admitted,
            officialOn: official,
            cellId: cell,
            events: events + more
        )
    }

    static func createMembers(_ client: ChiboClient) async throws {
        let members = [
            member("b1", "Lò Văn Bình", cell: "bo", admitted: day(1995, 5, 10), official: day(1996, 5, 10)),
            member("b2", "Cầm Thị Hoa", cell: "bo", admitted: day(2000, 3, 1), official: day(2001, 3, 1)),
            member("b3", "Quàng Văn Ba", cell: "bo", admitted: day(2000, 3, 1), official: day(2001, 3, 1)),
            member("b4", "Tòng Thị Mai", cell: "bo", admitted: day(2024, 3, 1), official: nil),
            member(
                "b5",
                "Lò Văn Xa",
                cell: "bo",
                admitted: day(2000, 3, 1),
                official: day(2001, 3, 1),
                more: [
                    StatusEvent(
                        kind: .workingAway,
                        effectiveOn: day(2025, 2, 1),
                        place: "Bắc Ninh",
                        expectedReturnOn: day(2025, 6, 30)
                    )
                ]
            ),
            member("a1", "Hà Văn An", cell: "ang", admitted: day(2000, 3, 1), official: day(2001, 3, 1)),
            member("a2", "Lường Thị Ánh", cell: "ang", admitted: day(2000, 3, 1), official: day(2001, 3, 1)),
            member(
                "a3",
                "Cầm Văn Già",
                cell: "ang",
                admitted: day(1985, 9, 2),
                official: day(1986, 9, 2),
                more: [StatusEvent(kind: .exempted, effectiveOn: day(2020, 1, 1))]
            ),
            member("n1", "Lường Văn Nam", cell: "na", admitted: day(2005, 1, 1), official: day(2006, 1, 1)),
            member("n2", "Lò Thị Nương", cell: "na", admitted: day(2005, 1, 1), official: day(2006, 1, 1)),
            member("n3", "Điêu Văn Ngọc", cell: "na", admitted: day(2005, 1, 1), official: day(2006, 1, 1)),
        ]
        for member in members {
            _ = try await client.unary(.membersCreate, CreateMemberRequest(member: member), as: MemberResponse.self)
        }
    }

    /// A meeting with attendance: everyone in `present` present, the rest as given.
    static func meeting(
        _ cell: String,
        _ date: CalendarDate,
        _ kind: MeetingKind = .regular,
        minutes: (Int32, Int32) = (1140, 1260),
        present: [String],
        excused: [String] = [],
        unexcused: [String] = [],
        speakers: [String] = [],
        supervisor: Bool = false,
        resolutions: [Resolution] = []
    ) -> Meeting {
        var attendance = present.map {
            AttendanceRecord(memberId: $0, state: .present, spoke: speakers.contains($0))
        }
        attendance += excused.map { AttendanceRecord(memberId: $0, state: .absentExcused, reason: "ốm") }
        attendance += unexcused.map { AttendanceRecord(memberId: $0, state: .absentUnexcused) }
        if cell == "bo" && date >= day(2025, 2, 1) {
            // b5 works away from 1/2/2025: still on the cell's list, not counted.
            attendance.append(AttendanceRecord(memberId: "b5", state: .absentExcused, reason: "đi làm ăn xa"))
        }
        return Meeting(
            cellId: cell,
            heldOn: date,
            startMinute: minutes.0,
            endMinute: minutes.1,
            kind: kind,
            topic: kind == .regular ? "" : "Chuyên đề xây dựng nông thôn mới",
            guests: supervisor ? [Guest(memberId: "n1", fullName: "Lường Văn Nam", isSupervisor: true)] : [],
            attendance: attendance,
            resolutions: resolutions
        )
    }

    static func record(_ client: ChiboClient, _ meeting: Meeting, partial: Bool = false) async throws {
        _ = try await client.unary(
            .meetingsRecord,
            RecordMeetingRequest(meeting: meeting, partialAttendance: partial),
            as: MeetingResponse.self
        )
    }

    static let thematicTimes: (Int32, Int32) = (1140, 1290)

    static func recordMeetingsBeforeMerge(_ client: ChiboClient) async throws {
        let all4 = ["b1", "b2", "b3", "b4"]
        let resolutions = [
            Resolution(
                text: "Làm đường bê tông nội bản",
                ownerName: "Trưởng bản",
                dueOn: day(2025, 4, 30),
                status: .open
            ),
            Resolution(text: "Bình xét hộ vay vốn", dueOn: day(2025, 3, 1), status: .done),
            Resolution(text: "Rà soát hộ nghèo", dueOn: day(2026, 1, 31), status: .open),
        ]
        let bo = [
            meeting(
                "bo",
                day(2025, 1, 3),
                present: all4 + ["b5"],
                speakers: ["b1", "b2"],
                supervisor: true,
                resolutions: resolutions
            ),
            meeting(
                "bo",
                day(2025, 2, 3),
                present: ["b1", "b2", "b4"],
                unexcused: ["b3"],
                speakers: ["b1"],
                supervisor: true
            ),
            meeting("bo", day(2025, 2, 15), .thematic, minutes: thematicTimes, present: all4, speakers: ["b1"]),
            meeting("bo", day(2025, 3, 5), present: all4, speakers: ["b1"], supervisor: true),
            meeting(
                "bo",
                day(2025, 4, 3),
                present: ["b1", "b4"],
                excused: ["b2"],
                unexcused: ["b3"],
                speakers: ["b1"],
                supervisor: true
            ),
            meeting("bo", day(2025, 5, 3), present: ["b1", "b3", "b4"], excused: ["b2"], speakers: ["b1"]),
            meeting(
                "bo",
                day(2025, 5, 15),
                .thematic,
                minutes: thematicTimes,
                present: ["b1", "b3", "b4"],
                excused: ["b2"],
                speakers: ["b1"]
            ),
            meeting("bo", day(2025, 6, 3), present: ["b1", "b3", "b4"], excused: ["b2"], speakers: ["b1"]),
        ]
        for entry in bo { try await record(client, entry) }
        for month in Int32(1)...6 {
            let date = CalendarDate(year: 2025, month: month, day: 1).endOfMonth
            let combined = month % 3 == 0
            let kind: MeetingKind = combined ? .combined : .regular
            let times = combined ? thematicTimes : (1140, 1260)
            if month == 1 {
                try await record(
                    client,
                    meeting("ang", date, kind, minutes: times, present: ["a1", "a3"], unexcused: ["a2"])
                )
            } else if month == 2 {
                // The logbook lists a1 only: a2 (and a3, exempt) are recorded as not recorded.
                try await record(client, meeting("ang", date, kind, minutes: times, present: ["a1"]), partial: true)
            } else {
                try await record(client, meeting("ang", date, kind, minutes: times, present: ["a1", "a2", "a3"]))
            }
        }
        try await record(client, meeting("na", day(2025, 6, 10), present: ["n1", "n2", "n3"]))
    }

    static func recordMeetingsAfterMerge(_ client: ChiboClient) async throws {
        let all4 = ["b1", "b2", "b3", "b4"]
        let bo = [
            meeting("bo", day(2025, 7, 3), present: all4, speakers: ["b1"]),
            meeting("bo", day(2025, 9, 3), minutes: (1140, 1200), present: all4, speakers: ["b1"]),
            meeting("bo", day(2025, 10, 3), present: ["b1", "b2", "b4"], unexcused: ["b3"], speakers: ["b1"]),
            meeting("bo", day(2025, 11, 3), minutes: (1170, 1230), present: all4, speakers: ["b1"]),
            meeting("bo", day(2025, 11, 15), .thematic, minutes: thematicTimes, present: all4, speakers: ["b1"]),
            meeting("bo", day(2025, 12, 3), present: all4, speakers: ["b1"]),
        ]
        for entry in bo { try await record(client, entry) }
        for month in Int32(7)...12 {
            let date = CalendarDate(year: 2025, month: month, day: 1).endOfMonth
            let combined = month % 3 == 0
            let kind: MeetingKind = combined ? .combined : .regular
            var times: (Int32, Int32) = combined ? thematicTimes : (1140, 1260)
            if month == 12 { times = (1140, 1240) }
            try await record(client, meeting("ang", date, kind, minutes: times, present: ["a1", "a2", "a3"]))
        }
        try await record(client, meeting("na", day(2025, 7, 10), present: ["n1", "n2", "n3"]))
    }

    static func createEvaluations(_ client: ChiboClient) async throws {
        func evaluation(_ subject: EvaluationSubject, _ id: String, _ grade: Grade, clean: Bool = false) -> Evaluation {
            Evaluation(subject: subject, subjectId: id, year: 2024, cleanAndStrong: clean, result: .grade(grade))
        }
        let evaluations = [
            evaluation(.orgUnit, "bo", .excellent, clean: true),
            evaluation(.orgUnit, "ang", .excellent),
            evaluation(.member, "b1", .excellent), evaluation(.member, "b2", .excellent),
            evaluation(.member, "b3", .good), evaluation(.member, "b5", .good), evaluation(.member, "a1", .good),
            evaluation(.member, "b4", .completed), evaluation(.member, "a2", .notCompleted),
            Evaluation(subject: .member, subjectId: "n1", year: 2025, result: .score(92)),
        ]
        for evaluation in evaluations {
            _ = try await client.unary(
                .evaluationsCreate,
                CreateEvaluationRequest(evaluation: evaluation),
                as: EvaluationResponse.self
            )
        }
    }
}
