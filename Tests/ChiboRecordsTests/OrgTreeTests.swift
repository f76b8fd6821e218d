import ChiboClient
import ChiboModel
import ChiboTesting
import Testing

/// Moving units and assigning supervisors, over the wire.
@Suite struct OrgTreeTests {

    private func create(_ client: ChiboClient, _ unit: OrgUnit) async throws -> OrgUnit {
        try #require(
            try await client.unary(.orgUnitsCreate, CreateOrgUnitRequest(unit: unit), as: OrgUnitResponse.self).unit
        )
    }

    private func children(_ client: ChiboClient, of parent: String, on date: CalendarDate) async throws -> [String] {
        var ids: [String] = []
        for try await unit in try await client.serverStream(
            .orgUnitsList,
            ListOrgUnitsRequest(parentId: parent, asOf: date),
            as: OrgUnit.self
        ) {
            ids.append(unit.id)
        }
        return ids
    }

    @Test func aCommuneMovesFromItsDistrictToItsProvince() async throws {
        try await OrgUnitServiceTests.withRecordsServer { client in
            _ = try await create(client, OrgUnit(id: "son-la", name: "Tỉnh Sơn La", kind: .province))
            _ = try await create(
                client,
                OrgUnit(id: "mai-son", name: "Huyện Mai Sơn", kind: .district, parentId: "son-la")
            )
            let commune = try await create(
                client,
                OrgUnit(
                    id: "muong-bang",
                    name: "Xã Mường Bằng",
                    kind: .commune,
                    parentId: "mai-son",
                    valid: DateRange(from: day(2000, 1, 1))
                )
            )
            let moved = try await client.unary(
                .orgUnitsMove,
                MoveOrgUnitRequest(
                    id: "muong-bang",
                    revision: commune.meta?.revision ?? 0,
                    newParentId: "son-la",
                    effectiveOn: day(2025, 7, 1)
                ),
                as: OrgUnitResponse.self
            )
            #expect(moved.unit?.parentId == "son-la")
            #expect(try await children(client, of: "mai-son", on: day(2025, 6, 30)) == ["muong-bang"])
            #expect(try await children(client, of: "mai-son", on: day(2025, 7, 1)) == [])
            #expect(try await children(client, of: "son-la", on: day(2025, 7, 1)) == ["mai-son", "muong-bang"])
            let then = try await client.unary(
                .orgUnitsGet,
                GetOrgUnitRequest(id: "muong-bang", asOf: day(2020, 1, 1)),
                as: OrgUnitResponse.self
            )
            #expect(then.unit?.parentId == "mai-son")
            // A unit cannot move under its own descendant.
            do {
                _ = try await client.unary(
                    .orgUnitsMove,
                    MoveOrgUnitRequest(
                        id: "son-la",
                        revision: 1,
                        newParentId: "muong-bang",
                        effectiveOn: day(2026, 1, 1)
                    ),
                    as: OrgUnitResponse.self
                )
                Issue.record("a cycle must be refused")
            } catch let error as ClientError {
                #expect(error.code == .failedPrecondition)
            }
        }
    }

    @Test func supervisorsAreAssignedAndEndedWithDates() async throws {
        try await OrgUnitServiceTests.withRecordsServer { client in
            _ = try await create(client, OrgUnit(id: "mb", name: "Xã Mường Bằng", kind: .commune))
            _ = try await create(client, OrgUnit(id: "bo", name: "Chi bộ bản Bó", kind: .cell, parentId: "mb"))
            _ = try await client.unary(
                .membersCreate,
                CreateMemberRequest(
                    member: Member(
                        id: "tv",
                        fullName: "Lò Văn Thường",
                        cellId: "bo",
                        events: [StatusEvent(kind: .admitted, effectiveOn: day(2000, 1, 1))]
                    )
                ),
                as: MemberResponse.self
            )
            let assigned = try await client.unary(
                .orgUnitsAssignSupervisor,
                AssignSupervisorRequest(
                    unitId: "bo",
                    assignment: SupervisorAssignment(memberId: "tv", valid: DateRange(from: day(2024, 1, 1)))
                ),
                as: OrgUnitResponse.self
            )
            let assignment = try #require(assigned.unit?.supervisors.first)
            #expect(assignment.fullName == "Lò Văn Thường")
            let ended = try await client.unary(
                .orgUnitsEndSupervisor,
                EndSupervisorRequest(unitId: "bo", assignmentId: assignment.id, endedOn: day(2025, 7, 1)),
                as: OrgUnitResponse.self
            )
            #expect(ended.unit?.supervisors.first?.valid == DateRange(from: day(2024, 1, 1), to: day(2025, 7, 1)))
            do {
                _ = try await client.unary(
                    .orgUnitsAssignSupervisor,
                    AssignSupervisorRequest(unitId: "bo", assignment: SupervisorAssignment(memberId: "tv")),
                    as: OrgUnitResponse.self
                )
                Issue.record("an assignment without a start must fail")
            } catch let error as ClientError {
                #expect(error.violations.map(\.field) == ["assignment.valid.from"])
            }
        }
    }
}
