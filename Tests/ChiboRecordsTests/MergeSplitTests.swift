import ChiboClient
import ChiboModel
import ChiboTesting
import Testing

/// Cells merge and split; old meetings keep pointing at the unit of their day and members follow.
@Suite struct MergeSplitTests {

    private func setUp(_ client: ChiboClient) async throws {
        for unit in [
            OrgUnit(id: "mb", name: "Xã Mường Bằng", kind: .commune),
            OrgUnit(
                id: "bo",
                name: "Chi bộ bản Bó",
                kind: .cell,
                parentId: "mb",
                valid: DateRange(from: day(2000, 1, 1))
            ),
            OrgUnit(
                id: "ang",
                name: "Chi bộ bản Áng",
                kind: .cell,
                parentId: "mb",
                valid: DateRange(from: day(2000, 1, 1))
            ),
        ] {
            _ = try await client.unary(.orgUnitsCreate, CreateOrgUnitRequest(unit: unit), as: OrgUnitResponse.self)
        }
        let admitted = StatusEvent(kind: .admitted, effectiveOn: day(2010, 1, 1))
        for (id, cell) in [("b1", "bo"), ("b2", "bo"), ("a1", "ang")] {
            _ = try await client.unary(
                .membersCreate,
                CreateMemberRequest(
                    member: Member(id: id, fullName: "Thành viên \(id)", cellId: cell, events: [admitted])
                ),
                as: MemberResponse.self
            )
        }
    }

    private func present(_ ids: [String]) -> [AttendanceRecord] {
        ids.map { AttendanceRecord(memberId: $0, state: .present) }
    }

    @Test func mergedCellsContinueInTheSuccessor() async throws {
        try await OrgUnitServiceTests.withRecordsServer { client in
            try await setUp(client)
            let before = try #require(
                try await client.unary(
                    .meetingsRecord,
                    RecordMeetingRequest(
                        meeting: Meeting(
                            cellId: "bo",
                            heldOn: day(2024, 3, 3),
                            kind: .regular,
                            attendance: present(["b1", "b2"])
                        )
                    ),
                    as: MeetingResponse.self
                ).meeting
            )
            let merged = try await client.unary(
                .orgUnitsMerge,
                MergeOrgUnitsRequest(
                    sourceIds: ["bo", "ang"],
                    successor: OrgUnit(
                        id: "bo-ang",
                        code: "BA",
                        name: "Chi bộ bản Bó Áng",
                        kind: .cell,
                        parentId: "mb"
                    ),
                    effectiveOn: day(2025, 7, 1)
                ),
                as: OrgUnitsResponse.self
            )
            #expect(merged.units.map(\.id) == ["bo-ang", "bo", "ang"])
            #expect(merged.units[0].predecessorIds == ["bo", "ang"])
            #expect(merged.units[1].successorIds == ["bo-ang"])
            #expect(merged.units[1].valid?.to == day(2025, 7, 1))
            // After the merge the successor expects every member of both cells.
            let after = try await client.unary(
                .meetingsRecord,
                RecordMeetingRequest(
                    meeting: Meeting(
                        cellId: "bo-ang",
                        heldOn: day(2025, 8, 3),
                        kind: .regular,
                        attendance: present(["b1", "b2", "a1"])
                    )
                ),
                as: MeetingResponse.self
            )
            #expect(after.meeting?.attendance.count == 3)
            // The old cell no longer meets, but its old meeting can still be amended.
            do {
                _ = try await client.unary(
                    .meetingsRecord,
                    RecordMeetingRequest(
                        meeting: Meeting(
                            cellId: "bo",
                            heldOn: day(2025, 8, 3),
                            kind: .regular,
                            attendance: present(["b1"])
                        )
                    ),
                    as: MeetingResponse.self
                )
                Issue.record("a merged cell cannot meet after the merge")
            } catch let error as ClientError {
                #expect(error.code == .invalidArgument)
            }
            let amended = try await client.unary(
                .meetingsAmend,
                AmendMeetingRequest(
                    meeting: Meeting(id: before.id, topic: "Bổ sung", meta: before.meta),
                    updateMask: FieldMask(paths: ["topic"])
                ),
                as: MeetingResponse.self
            )
            #expect(amended.meeting?.cellId == "bo")
            let member = try await client.unary(.membersGet, GetMemberRequest(id: "b1"), as: MemberResponse.self)
            #expect(member.member?.cellId == "bo-ang")
            #expect(member.member?.cellHistory.map(\.cellId) == ["bo", "bo-ang"])
            // Lists read the cells of any date.
            var before2025: [String] = []
            for try await member in try await client.serverStream(
                .membersList,
                ListMembersRequest(cellId: "bo", asOf: day(2024, 1, 1)),
                as: Member.self
            ) {
                before2025.append(member.id)
                #expect(member.cellId == "bo")
            }
            #expect(before2025 == ["b1", "b2"])
            let byCode = try await client.unary(.orgUnitsGet, GetOrgUnitRequest(code: "BA"), as: OrgUnitResponse.self)
            #expect(byCode.unit?.id == "bo-ang")
        }
    }

    @Test func aSplitPlacesEveryMember() async throws {
        try await OrgUnitServiceTests.withRecordsServer { client in
            try await setUp(client)
            let successors = [
                OrgUnit(id: "bo-1", name: "Chi bộ bản Bó 1", kind: .cell),
                OrgUnit(id: "bo-2", name: "Chi bộ bản Bó 2", kind: .cell),
            ]
            do {
                _ = try await client.unary(
                    .orgUnitsSplit,
                    SplitOrgUnitRequest(
                        sourceId: "bo",
                        successors: successors,
                        effectiveOn: day(2025, 1, 1),
                        memberMoves: [MemberMove(memberId: "b1", cellId: "bo-1")]
                    ),
                    as: OrgUnitsResponse.self
                )
                Issue.record("b2 is not placed")
            } catch let error as ClientError {
                #expect(error.code == .invalidArgument)
                #expect(error.violations.map(\.field) == ["member_moves"])
            }
            let split = try await client.unary(
                .orgUnitsSplit,
                SplitOrgUnitRequest(
                    sourceId: "bo",
                    successors: successors,
                    effectiveOn: day(2025, 1, 1),
                    memberMoves: [
                        MemberMove(memberId: "b1", cellId: "bo-1"), MemberMove(memberId: "b2", cellId: "bo-2"),
                    ]
                ),
                as: OrgUnitsResponse.self
            )
            #expect(split.units.map(\.id) == ["bo-1", "bo-2", "bo"])
            #expect(split.units[0].parentId == "mb", "successors sit where the source sat")
            let meeting = try await client.unary(
                .meetingsRecord,
                RecordMeetingRequest(
                    meeting: Meeting(
                        cellId: "bo-2",
                        heldOn: day(2025, 2, 3),
                        kind: .regular,
                        attendance: present(["b2"])
                    )
                ),
                as: MeetingResponse.self
            )
            #expect(meeting.meeting?.attendance.map(\.memberId) == ["b2"])
        }
    }
}
