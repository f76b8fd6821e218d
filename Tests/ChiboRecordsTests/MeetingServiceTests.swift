import ChiboClient
import ChiboModel
import ChiboTesting
import Testing

/// Meetings through the real server and client: attendance checked against membership on the
/// meeting's date, partial logbooks, amendments with revisions kept.
@Suite struct MeetingServiceTests {

    /// A cell with four members: two official since 2010, one admitted in 2025 (probationary),
    /// one working away since 2024; and a member of another cell on temporary transfer to it.
    private func setUp(_ client: ChiboClient) async throws {
        let units = [
            OrgUnit(id: "mb", name: "Xã Mường Bằng", kind: .commune),
            OrgUnit(id: "bo", name: "Chi bộ bản Bó", kind: .cell, parentId: "mb", meetingDay: 3),
            OrgUnit(id: "ang", name: "Chi bộ bản Áng", kind: .cell, parentId: "mb", meetingDay: 5),
            OrgUnit(
                id: "old",
                name: "Chi bộ đã giải thể",
                kind: .cell,
                parentId: "mb",
                valid: DateRange(to: day(2020, 1, 1))
            ),
        ]
        for unit in units {
            _ = try await client.unary(.orgUnitsCreate, CreateOrgUnitRequest(unit: unit), as: OrgUnitResponse.self)
        }
        let admitted = StatusEvent(kind: .admitted, effectiveOn: day(2009, 1, 1))
        let official = StatusEvent(kind: .madeOfficial, effectiveOn: day(2010, 1, 1))
        let members = [
            Member(id: "m1", fullName: "Tòng Văn Hạnh", cellId: "bo", events: [admitted, official]),
            Member(id: "m2", fullName: "Lò Thị Xuân", cellId: "bo", events: [admitted, official]),
            Member(
                id: "m3",
                fullName: "Cầm Văn Mới",
                cellId: "bo",
                events: [StatusEvent(kind: .admitted, effectiveOn: day(2025, 3, 1))]
            ),
            Member(
                id: "m4",
                fullName: "Quàng Văn Xa",
                cellId: "bo",
                events: [
                    admitted, official,
                    StatusEvent(kind: .workingAway, effectiveOn: day(2024, 2, 1), place: "Bình Dương"),
                ]
            ),
            Member(
                id: "m5",
                fullName: "Hà Thị Khách",
                cellId: "ang",
                events: [
                    admitted, official,
                    StatusEvent(kind: .temporaryTransferOut, effectiveOn: day(2025, 1, 1), otherUnitId: "bo"),
                ]
            ),
        ]
        for member in members {
            _ = try await client.unary(.membersCreate, CreateMemberRequest(member: member), as: MemberResponse.self)
        }
    }

    private func attendance(_ pairs: [(String, AttendanceState)]) -> [AttendanceRecord] {
        pairs.map { AttendanceRecord(memberId: $0.0, state: $0.1, reason: $0.1 == .absentExcused ? "ốm" : "") }
    }

    private func record(_ client: ChiboClient, _ meeting: Meeting, partial: Bool = false) async throws -> Meeting {
        try #require(
            try await client.unary(
                .meetingsRecord,
                RecordMeetingRequest(meeting: meeting, partialAttendance: partial),
                as: MeetingResponse.self
            ).meeting
        )
    }

    private func violations(_ body: () async throws -> Void) async -> [String] {
        do {
            try await body()
            Issue.record("the call should fail")
        } catch let error as ClientError {
            #expect(error.code == .invalidArgument, "\(error)")
            return error.violations.map(\.field)
        } catch {
            Issue.record("unexpected \(error)")
        }
        return []
    }

    @Test func attendanceMustNameExactlyTheMembersOfThatDay() async throws {
        try await OrgUnitServiceTests.withRecordsServer { client in
            try await setUp(client)
            // On 3 June 2025: m1, m2 official, m3 probationary, m4 working away, m5 attached.
            let meeting = try await record(
                client,
                Meeting(
                    cellId: "bo",
                    heldOn: day(2025, 6, 3),
                    startMinute: 450,
                    endMinute: 570,
                    kind: .regular,
                    chairMemberId: "m1",
                    attendance: attendance([
                        ("m1", .present), ("m2", .absentExcused), ("m3", .present), ("m4", .absentExcused),
                        ("m5", .present),
                    ])
                )
            )
            let categories = Dictionary(uniqueKeysWithValues: meeting.attendance.map { ($0.memberId, $0.category) })
            #expect(
                categories == [
                    "m1": .official, "m2": .official, "m3": .probationary, "m4": .workingAway,
                    "m5": .temporarilyAttached,
                ]
            )
            #expect(meeting.attendance.first?.fullName == "Tòng Văn Hạnh")
            // In 2020, m3 was not yet a member and m5 was not attached.
            let fields = await violations {
                _ = try await record(
                    client,
                    Meeting(
                        cellId: "bo",
                        heldOn: day(2020, 6, 3),
                        kind: .regular,
                        attendance: attendance([
                            ("m1", .present), ("m1", .present), ("m3", .present), ("m5", .present), ("m4", .present),
                        ])
                    )
                )
            }
            #expect(
                fields == [
                    "meeting.attendance[1].member_id", "meeting.attendance[2].member_id",
                    "meeting.attendance[3].member_id", "meeting.attendance",
                ]
            )
        }
    }

    @Test func listsIncludeMembersAttachedFromOtherCells() async throws {
        try await OrgUnitServiceTests.withRecordsServer { client in
            try await setUp(client)
            var ids: [String] = []
            for try await member in try await client.serverStream(
                .membersList,
                ListMembersRequest(cellId: "bo", includeAttached: true),
                as: Member.self
            ) {
                ids.append(member.id)
            }
            #expect(Set(ids) == ["m1", "m2", "m3", "m4", "m5"])
            var before: [String] = []
            for try await member in try await client.serverStream(
                .membersList,
                ListMembersRequest(cellId: "bo", asOf: day(2020, 1, 1), includeAttached: true),
                as: Member.self
            ) {
                before.append(member.id)
            }
            #expect(Set(before) == ["m1", "m2", "m4"], "m5 was not attached yet, m3 not yet admitted")
        }
    }

    @Test func aPartialLogbookRecordsTheMissingAsNotRecorded() async throws {
        try await OrgUnitServiceTests.withRecordsServer { client in
            try await setUp(client)
            let meeting = try await record(
                client,
                Meeting(
                    cellId: "bo",
                    heldOn: day(2015, 3, 3),
                    kind: .regular,
                    attendance: attendance([("m1", .present)])
                ),
                partial: true
            )
            let states = Dictionary(uniqueKeysWithValues: meeting.attendance.map { ($0.memberId, $0.state) })
            #expect(states == ["m1": .present, "m2": .notRecorded, "m4": .notRecorded])
        }
    }

    @Test func invalidMeetingsAreRefusedFieldByField() async throws {
        try await OrgUnitServiceTests.withRecordsServer { client in
            try await setUp(client)
            let basic = await violations {
                _ = try await record(
                    client,
                    Meeting(
                        cellId: "bo",
                        heldOn: day(2025, 2, 30),
                        startMinute: 600,
                        endMinute: 540,
                        attendance: [AttendanceRecord(memberId: "m1", state: .absentExcused)]
                    )
                )
            }
            #expect(
                basic == [
                    "meeting.held_on", "meeting.kind", "meeting.end_minute", "meeting.attendance[0].reason",
                ]
            )
            let closed = await violations {
                _ = try await record(client, Meeting(cellId: "old", heldOn: day(2021, 1, 5), kind: .regular))
            }
            #expect(closed == ["meeting.held_on"])
            let chair = await violations {
                _ = try await record(
                    client,
                    Meeting(
                        cellId: "bo",
                        heldOn: day(2025, 6, 3),
                        kind: .regular,
                        chairMemberId: "m2",
                        attendance: attendance([
                            ("m1", .present), ("m2", .absentUnexcused), ("m3", .present), ("m4", .absentExcused),
                            ("m5", .present),
                        ])
                    )
                )
            }
            #expect(chair == ["meeting.chair_member_id"])
        }
    }

    @Test func amendmentsKeepEveryRevision() async throws {
        try await OrgUnitServiceTests.withRecordsServer { client in
            try await setUp(client)
            let first = try await record(
                client,
                Meeting(
                    cellId: "bo",
                    heldOn: day(2015, 3, 3),
                    kind: .regular,
                    attendance: attendance([("m1", .present), ("m2", .present), ("m4", .absentUnexcused)]),
                    minutes: "Biên bản lần đầu"
                )
            )
            let amendment = AmendMeetingRequest(
                meeting: Meeting(id: first.id, minutes: "Biên bản đã sửa", meta: first.meta),
                updateMask: FieldMask(paths: ["minutes"])
            )
            let amended = try #require(
                try await client.unary(.meetingsAmend, amendment, as: MeetingResponse.self).meeting
            )
            #expect(amended.minutes == "Biên bản đã sửa")
            #expect(amended.meta?.revision == 2)
            #expect(amended.attendance == first.attendance, "fields outside the mask are untouched")
            let original = try await client.unary(
                .meetingsGet,
                GetMeetingRequest(id: first.id, revision: 1),
                as: MeetingResponse.self
            )
            #expect(original.meeting == first)
            do {
                _ = try await client.unary(.meetingsAmend, amendment, as: MeetingResponse.self)
                Issue.record("a stale revision must fail")
            } catch let error as ClientError {
                #expect(error.code == .aborted)
            }
            var listed: [String] = []
            for try await meeting in try await client.serverStream(
                .meetingsList,
                ListMeetingsRequest(subtreeOf: "mb", from: day(2015, 1, 1), to: day(2016, 1, 1)),
                as: Meeting.self
            ) {
                listed.append(meeting.minutes)
            }
            #expect(listed == ["Biên bản đã sửa"])
        }
    }

    @Test func manyClientsRecordingAtOnceLoseNothing() async throws {
        try await OrgUnitServiceTests.withRecordsServer { client in
            try await setUp(client)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        _ = try await record(
                            client,
                            Meeting(
                                cellId: "bo",
                                heldOn: day(2011, Int32(index % 12) + 1, Int32(index / 12) + 1),
                                kind: .regular,
                                attendance: attendance([("m1", .present), ("m2", .present), ("m4", .present)])
                            )
                        )
                    }
                }
                try await group.waitForAll()
            }
            var count = 0
            for try await _ in try await client.serverStream(
                .meetingsList,
                ListMeetingsRequest(page: PageRequest(pageSize: 1000), cellId: "bo"),
                as: Meeting.self
            ) {
                count += 1
            }
            #expect(count == 40)
        }
    }
}

/// Resolutions: their status follows the work after the meeting.
@Suite struct ResolutionTests {
    @Test func resolutionsAreUpdatedAndListedByDueDate() async throws {
        try await OrgUnitServiceTests.withRecordsServer { client in
            let day = { (y: Int32, m: Int32, d: Int32) in CalendarDate(year: y, month: m, day: d) }
            for unit in [
                OrgUnit(id: "mb", name: "Xã Mường Bằng", kind: .commune),
                OrgUnit(id: "bo", name: "Chi bộ bản Bó", kind: .cell, parentId: "mb"),
            ] {
                _ = try await client.unary(.orgUnitsCreate, CreateOrgUnitRequest(unit: unit), as: OrgUnitResponse.self)
            }
            _ = try await client.unary(
                .membersCreate,
                CreateMemberRequest(
                    member: Member(
                        id: "m1",
                        fullName: "Tòng Văn Hạnh",
                        cellId: "bo",
                        events: [StatusEvent(kind: .admitted, effectiveOn: day(2020, 1, 1))]
                    )
                ),
                as: MemberResponse.self
            )
            let meeting = try #require(
                try await client.unary(
                    .meetingsRecord,
                    RecordMeetingRequest(
                        meeting: Meeting(
                            cellId: "bo",
                            heldOn: day(2025, 11, 3),
                            kind: .regular,
                            attendance: [AttendanceRecord(memberId: "m1", state: .present)],
                            resolutions: [
                                Resolution(
                                    text: "Thu hoạch lúa",
                                    ownerMemberId: "m1",
                                    dueOn: day(2025, 12, 1),
                                    status: .open
                                ),
                                Resolution(text: "Làm đường", status: .open),
                            ]
                        )
                    ),
                    as: MeetingResponse.self
                ).meeting
            )
            let harvest = try #require(meeting.resolutions.first)
            #expect(harvest.meta?.revision == 1)
            let done = try await client.unary(
                .meetingsUpdateResolution,
                UpdateResolutionRequest(
                    resolution: Resolution(id: harvest.id, status: .done, meta: harvest.meta),
                    updateMask: FieldMask(paths: ["status"])
                ),
                as: ResolutionResponse.self
            )
            #expect(done.resolution?.status == .done)
            #expect(done.resolution?.closedOn != nil, "a resolution done today closes today")
            #expect(done.resolution?.text == "Thu hoạch lúa")
            let reread = try await client.unary(
                .meetingsGet,
                GetMeetingRequest(id: meeting.id),
                as: MeetingResponse.self
            )
            #expect(reread.meeting?.resolutions.first?.status == .done)
            var open: [String] = []
            for try await resolution in try await client.serverStream(
                .meetingsListResolutions,
                ListResolutionsRequest(subtreeOf: "mb", statuses: [.open]),
                as: Resolution.self
            ) {
                open.append(resolution.text)
            }
            #expect(open == ["Làm đường"])
        }
    }
}
