import ChiboClient
import ChiboModel
import ChiboTesting
import Testing

/// Members through the real server and client over loopback TCP, on a real SQLite file.
@Suite struct MemberServiceTests {

    private func setUpCell(_ client: ChiboClient) async throws {
        for unit in [
            OrgUnit(id: "mb", name: "Xã Mường Bằng", kind: .commune),
            OrgUnit(id: "bo", name: "Chi bộ bản Bó", kind: .cell, parentId: "mb", meetingDay: 3),
        ] {
            _ = try await client.unary(.orgUnitsCreate, CreateOrgUnitRequest(unit: unit), as: OrgUnitResponse.self)
        }
    }

    private func create(_ client: ChiboClient, _ member: Member) async throws -> Member {
        try #require(
            try await client.unary(.membersCreate, CreateMemberRequest(member: member), as: MemberResponse.self).member
        )
    }

    @Test func aMembersLifeOverTheWire() async throws {
        try await OrgUnitServiceTests.withRecordsServer { client in
            try await setUpCell(client)
            let member = try await create(
                client,
                Member(
                    partyCardNumber: "91.012345",
                    fullName: "Tòng Văn Hạnh",
                    gender: .male,
                    cellId: "bo",
                    events: [StatusEvent(kind: .admitted, effectiveOn: day(2024, 5, 19))]
                )
            )
            #expect(member.status == .probationary)
            let official = try await client.unary(
                .membersAddStatusEvent,
                AddStatusEventRequest(
                    memberId: member.id,
                    revision: 1,
                    event: StatusEvent(kind: .madeOfficial, effectiveOn: day(2025, 5, 19))
                ),
                as: MemberResponse.self
            )
            #expect(official.member?.status == .official)
            do {
                _ = try await client.unary(
                    .membersAddStatusEvent,
                    AddStatusEventRequest(
                        memberId: member.id,
                        revision: 2,
                        event: StatusEvent(kind: .madeOfficial, effectiveOn: day(2025, 6, 1))
                    ),
                    as: MemberResponse.self
                )
                Issue.record("an illegal transition must fail")
            } catch let error as ClientError {
                #expect(error.code == .failedPrecondition)
            }
            let byCard = try await client.unary(
                .membersGet,
                GetMemberRequest(partyCardNumber: "91.012345"),
                as: MemberResponse.self
            )
            #expect(byCard.member?.events.map(\.kind) == [.admitted, .madeOfficial])
            var found: [String] = []
            for try await hit in try await client.serverStream(
                .membersList,
                ListMembersRequest(nameQuery: "tong van hanh"),
                as: Member.self
            ) {
                found.append(hit.fullName)
            }
            #expect(found == ["Tòng Văn Hạnh"])
        }
    }

    @Test func listsFilteredByAUnitThatDoesNotExistAreNotFound() async throws {
        try await OrgUnitServiceTests.withRecordsServer { client in
            try await setUpCell(client)
            for request in [ListMembersRequest(cellId: "nope"), ListMembersRequest(subtreeOf: "nope")] {
                do {
                    for try await _ in try await client.serverStream(.membersList, request, as: Member.self) {}
                    Issue.record("a list of an unknown unit must fail, not answer an empty page")
                } catch let error as ClientError {
                    #expect(error.code == .notFound && error.message == "org unit nope does not exist", "\(error)")
                }
            }
            do {
                for try await _ in try await client.serverStream(
                    .meetingsList,
                    ListMeetingsRequest(cellId: "nope"),
                    as: Meeting.self
                ) {}
                Issue.record("a list of an unknown cell's meetings must fail")
            } catch let error as ClientError {
                #expect(error.code == .notFound, "\(error)")
            }
        }
    }

    @Test func invalidMembersGetFieldViolations() async throws {
        try await OrgUnitServiceTests.withRecordsServer { client in
            try await setUpCell(client)
            do {
                _ = try await create(
                    client,
                    Member(
                        citizenId: "12ab",
                        birthDate: day(2001, 2, 29),
                        events: [StatusEvent(kind: .workingAway, effectiveOn: day(2020, 1, 1))]
                    )
                )
                Issue.record("an invalid member must fail")
            } catch let error as ClientError {
                #expect(error.code == .invalidArgument)
                #expect(
                    Set(error.violations.map(\.field)) == [
                        "member.full_name", "member.citizen_id", "member.birth_date", "member.cell_id",
                        "member.events[0].place",
                    ]
                )
            }
            // An illegal history is refused as a whole, and nothing is stored.
            do {
                _ = try await create(
                    client,
                    Member(
                        fullName: "Lò Văn Bun",
                        cellId: "bo",
                        events: [StatusEvent(kind: .returned, effectiveOn: day(2020, 1, 1))]
                    )
                )
                Issue.record("an illegal history must fail")
            } catch let error as ClientError {
                #expect(error.code == .failedPrecondition)
            }
            var count = 0
            for try await _ in try await client.serverStream(.membersList, ListMembersRequest(), as: Member.self) {
                count += 1
            }
            #expect(count == 0)
        }
    }

    @Test func anInvalidUpdateWritesNothing() async throws {
        try await OrgUnitServiceTests.withRecordsServer { client in
            try await setUpCell(client)
            let member = try await create(client, Member(fullName: "Lò Văn Bun", cellId: "bo"))
            do {
                _ = try await client.unary(
                    .membersUpdate,
                    UpdateMemberRequest(
                        member: Member(id: member.id, fullName: " ", meta: member.meta),
                        updateMask: FieldMask(paths: ["full_name"])
                    ),
                    as: MemberResponse.self
                )
                Issue.record("an empty name must fail")
            } catch let error as ClientError {
                #expect(error.violations.map(\.field) == ["member.full_name"])
            }
            let stored = try await client.unary(.membersGet, GetMemberRequest(id: member.id), as: MemberResponse.self)
            #expect(stored.member == member)
        }
    }
}
