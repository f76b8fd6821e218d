import ChiboClient
import ChiboModel
import Testing

/// The change feed and voiding, over the wire.
@Suite struct ChangeFeedTests {
    private func createUnit(_ client: ChiboClient, _ id: String, kind: OrgUnitKind = .cell) async throws -> OrgUnit {
        try #require(
            try await client.unary(
                .orgUnitsCreate,
                CreateOrgUnitRequest(unit: OrgUnit(id: id, name: "Đơn vị \(id)", kind: kind)),
                as: OrgUnitResponse.self
            ).unit
        )
    }

    private func changes(_ client: ChiboClient, after: Int64) async throws -> [ChangeEvent] {
        var events: [ChangeEvent] = []
        for try await event in try await client.serverStream(
            .changesFollow,
            FollowChangesRequest(after: after),
            as: ChangeEvent.self
        ) {
            events.append(event)
        }
        return events
    }

    @Test func everyChangeIsInTheFeedInOrderAndResumable() async throws {
        try await OrgUnitServiceTests.withRecordsServer { client in
            let unit = try await createUnit(client, "bo")
            let update = UpdateOrgUnitRequest(
                unit: OrgUnit(id: "bo", meetingDay: 3, meta: unit.meta),
                updateMask: FieldMask(paths: ["meeting_day"])
            )
            let updated = try await client.unary(.orgUnitsUpdate, update, as: OrgUnitResponse.self)
            let voided = try await client.unary(
                .orgUnitsVoidRecord,
                VoidRequest(id: "bo", revision: updated.unit?.meta?.revision ?? 0, reason: "nhập nhầm"),
                as: OrgUnitResponse.self
            )
            #expect(voided.unit?.meta?.voided == true)
            #expect(voided.unit?.meta?.voidReason == "nhập nhầm")
            let all = try await changes(client, after: 0)
            #expect(all.map(\.change) == ["create", "update", "void"])
            #expect(all.map(\.revision) == [1, 2, 3])
            #expect(all.allSatisfy { $0.entity == "org_unit" && $0.entityId == "bo" })
            guard case .orgUnit(let last)? = all.last?.record else {
                Issue.record("the change carries the record")
                return
            }
            #expect(last == voided.unit)
            let rest = try await changes(client, after: all[0].seq)
            #expect(rest.map(\.seq) == Array(all.dropFirst()).map(\.seq))
            // A voided unit leaves lists but stays readable.
            var listed = 0
            for try await _ in try await client.serverStream(.orgUnitsList, ListOrgUnitsRequest(), as: OrgUnit.self) {
                listed += 1
            }
            #expect(listed == 0)
            let read = try await client.unary(.orgUnitsGet, GetOrgUnitRequest(id: "bo"), as: OrgUnitResponse.self)
            #expect(read.unit?.meta?.voided == true)
        }
    }

    @Test func followingDeliversNewChangesAsTheyHappen() async throws {
        try await OrgUnitServiceTests.withRecordsServer { client in
            _ = try await createUnit(client, "a")
            let stream = try await client.serverStream(
                .changesFollow,
                FollowChangesRequest(follow: true),
                as: ChangeEvent.self
            )
            var iterator = stream.makeAsyncIterator()
            #expect(try await iterator.next()?.entityId == "a")
            let writer = Task { try await createUnit(client, "b") }
            #expect(try await iterator.next()?.entityId == "b")
            _ = try await writer.value
        }
    }

    @Test func aCursorStaysValidAcrossARestart() async throws {
        let path = OrgUnitServiceTests.temporaryDatabasePath()
        let seen = CursorBox()
        try await OrgUnitServiceTests.withRecordsServer(path: path) { client in
            for id in ["a", "b", "c"] { _ = try await createUnit(client, id) }
            let events = try await changes(client, after: 0)
            seen.cursor = events[1].seq
            seen.expected = [events[2].seq]
        }
        try await OrgUnitServiceTests.withRecordsServer(path: path) { client in
            _ = try await createUnit(client, "d")
            let events = try await changes(client, after: seen.cursor)
            #expect(events.map(\.entityId) == ["c", "d"], "nothing missed, nothing repeated")
            #expect(events.first?.seq == seen.expected.first)
        }
    }

    @Test func voidingNeedsAReasonAndTheCurrentRevision() async throws {
        try await OrgUnitServiceTests.withRecordsServer { client in
            _ = try await createUnit(client, "bo")
            do {
                _ = try await client.unary(.orgUnitsVoidRecord, VoidRequest(id: "bo"), as: OrgUnitResponse.self)
                Issue.record("a void without revision and reason must fail")
            } catch let error as ClientError {
                #expect(Set(error.violations.map(\.field)) == ["revision", "reason"])
            }
            do {
                _ = try await client.unary(
                    .orgUnitsVoidRecord,
                    VoidRequest(id: "bo", revision: 7, reason: "sai"),
                    as: OrgUnitResponse.self
                )
                Issue.record("a stale revision must fail")
            } catch let error as ClientError {
                #expect(error.code == .aborted)
            }
        }
    }

    /// Carries cursors between server runs.
    final class CursorBox: @unchecked Sendable {
        var cursor: Int64 = 0
        var expected: [Int64] = []
    }
}
