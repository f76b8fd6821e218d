import ChiboClient
import ChiboModel
import ChiboRecords
import ChiboServer
import ChiboStore
import ChiboStoreSQLite
import ChiboTesting
import Foundation
import Logging
import Testing

/// Org units through the real server and client over loopback TCP, on a real SQLite file.
@Suite struct OrgUnitServiceTests {
    /// Runs `body` with a client of a fresh server on a fresh database at `path`.
    static func withRecordsServer(
        path: String = temporaryDatabasePath(),
        _ body: @Sendable (ChiboClient) async throws -> Void
    ) async throws {
        let store = try SQLiteStore(path: path)
        var registry = MethodRegistry()
        Records.register(into: &registry, store: store)
        let server = ChiboServer(
            configuration: ServerConfiguration(port: 0, storage: store.backendName),
            registry: registry,
            logger: TestServer.quietLogger
        )
        try await TestServer.run(server) { running in
            let client = ChiboClient(host: "127.0.0.1", port: running.port)
            try await body(client)
            await client.close()
        }
    }

    static func temporaryDatabasePath() -> String {
        temporaryFolder("chibo-records").appendingPathComponent("chibo.sqlite").path
    }

    private func create(_ client: ChiboClient, _ unit: OrgUnit, requestID: String = "") async throws -> OrgUnit {
        let response = try await client.unary(
            .orgUnitsCreate,
            CreateOrgUnitRequest(options: MutationOptions(requestId: requestID), unit: unit),
            as: OrgUnitResponse.self
        )
        return try #require(response.unit)
    }

    private func violations(_ body: () async throws -> Void) async -> [FieldViolation] {
        do {
            try await body()
            Issue.record("the call should fail")
            return []
        } catch let error as ClientError {
            #expect(error.code == .invalidArgument, "\(error)")
            return error.violations
        } catch {
            Issue.record("unexpected \(error)")
            return []
        }
    }

    @Test func createGetAndListOverTheWire() async throws {
        try await Self.withRecordsServer { client in
            let commune = try await create(client, OrgUnit(code: "MB", name: "Đảng bộ xã Mường Bằng", kind: .commune))
            let cell = try await create(
                client,
                OrgUnit(code: "MB-BO", name: "Chi bộ bản Bó", kind: .cell, parentId: commune.id, meetingDay: 3)
            )
            let fetched = try await client.unary(.orgUnitsGet, GetOrgUnitRequest(id: cell.id), as: OrgUnitResponse.self)
            #expect(fetched.unit == cell)
            let children = try await client.serverStream(
                .orgUnitsList,
                ListOrgUnitsRequest(parentId: commune.id),
                as: OrgUnit.self
            )
            var names: [String] = []
            for try await unit in children { names.append(unit.name) }
            #expect(names == ["Chi bộ bản Bó"])
            #expect(try children.trailer(as: PageEnd.self)?.nextPageToken ?? "" == "")
        }
    }

    @Test func invalidUnitsGetFieldViolations() async throws {
        try await Self.withRecordsServer { client in
            let found = await violations {
                _ = try await create(client, OrgUnit(kind: OrgUnitKind(rawValue: 77), meetingDay: 40))
            }
            #expect(Set(found.map(\.field)) == ["unit.name", "unit.kind", "unit.meeting_day"])
            let missing = await violations {
                _ = try await client.unary(.orgUnitsCreate, CreateOrgUnitRequest(), as: OrgUnitResponse.self)
            }
            #expect(missing.map(\.field) == ["unit"])
            let badRange = await violations {
                _ = try await create(
                    client,
                    OrgUnit(
                        name: "x",
                        kind: .commune,
                        valid: DateRange(from: CalendarDate(year: 2025, month: 2, day: 30))
                    )
                )
            }
            #expect(badRange.map(\.field) == ["unit.valid.from"])
        }
    }

    @Test func updatesNeedARevisionAndAMask() async throws {
        try await Self.withRecordsServer { client in
            let cell = try await create(client, OrgUnit(name: "Chi bộ bản Bó", kind: .cell, meetingDay: 3))
            let noMask = await violations {
                _ = try await client.unary(
                    .orgUnitsUpdate,
                    UpdateOrgUnitRequest(unit: OrgUnit(id: cell.id, meta: cell.meta)),
                    as: OrgUnitResponse.self
                )
            }
            #expect(noMask.map(\.field) == ["update_mask"])
            let badPath = await violations {
                _ = try await client.unary(
                    .orgUnitsUpdate,
                    UpdateOrgUnitRequest(
                        unit: OrgUnit(id: cell.id, meta: cell.meta),
                        updateMask: FieldMask(paths: ["parent_id"])
                    ),
                    as: OrgUnitResponse.self
                )
            }
            #expect(badPath.map(\.field) == ["update_mask.paths[0]"])
            let update = UpdateOrgUnitRequest(
                unit: OrgUnit(id: cell.id, meetingDay: 5, meta: cell.meta),
                updateMask: FieldMask(paths: ["meeting_day"])
            )
            let updated = try await client.unary(.orgUnitsUpdate, update, as: OrgUnitResponse.self)
            #expect(updated.unit?.meetingDay == 5)
            #expect(updated.unit?.name == "Chi bộ bản Bó")
            do {
                _ = try await client.unary(.orgUnitsUpdate, update, as: OrgUnitResponse.self)
                Issue.record("a stale revision must fail")
            } catch let error as ClientError {
                #expect(error.code == .aborted)
            }
        }
    }

    @Test func retriesWithTheSameRequestIDCreateOnce() async throws {
        try await Self.withRecordsServer { client in
            let first = try await create(client, OrgUnit(name: "Chi bộ bản Bó", kind: .cell), requestID: "req-1")
            let second = try await create(client, OrgUnit(name: "Chi bộ bản Bó", kind: .cell), requestID: "req-1")
            #expect(first == second)
            var count = 0
            for try await _ in try await client.serverStream(.orgUnitsList, ListOrgUnitsRequest(), as: OrgUnit.self) {
                count += 1
            }
            #expect(count == 1)
        }
    }

    @Test func aRequestIDReusedWithAnotherRequestIsRefused() async throws {
        try await Self.withRecordsServer { client in
            let first = try await create(client, OrgUnit(name: "Chi bộ bản Bó", kind: .cell), requestID: "req-1")
            do {
                _ = try await create(client, OrgUnit(name: "Chi bộ bản Na", kind: .cell), requestID: "req-1")
                Issue.record("another request under a used request id must be refused")
            } catch let error as ClientError {
                #expect(error.code == .failedPrecondition)
                #expect(error.message.contains("request id req-1"), "\(error.message)")
            }
            // The same request retried, validate-only or not, still gets the first outcome.
            let retried = try await create(client, OrgUnit(name: "Chi bộ bản Bó", kind: .cell), requestID: "req-1")
            #expect(retried == first)
            let checked = try await client.unary(
                .orgUnitsCreate,
                CreateOrgUnitRequest(
                    options: MutationOptions(requestId: "req-1", validateOnly: true),
                    unit: OrgUnit(name: "Chi bộ bản Bó", kind: .cell)
                ),
                as: OrgUnitResponse.self
            )
            #expect(checked.unit == first)
            var names: [String] = []
            for try await unit in try await client.serverStream(.orgUnitsList, ListOrgUnitsRequest(), as: OrgUnit.self)
            {
                names.append(unit.name)
            }
            #expect(names == ["Chi bộ bản Bó"], "nothing of the refused request was written")
        }
    }

    @Test func recordsSurviveARestart() async throws {
        let path = Self.temporaryDatabasePath()
        let created = UnitBox()
        try await Self.withRecordsServer(path: path) { client in
            created.unit = try await create(client, OrgUnit(name: "Đảng bộ xã Mường Bằng", kind: .commune))
        }
        try await Self.withRecordsServer(path: path) { client in
            let id = try #require(created.unit?.id)
            let fetched = try await client.unary(.orgUnitsGet, GetOrgUnitRequest(id: id), as: OrgUnitResponse.self)
            #expect(fetched.unit == created.unit)
        }
    }

    /// Carries a unit out of a `@Sendable` closure.
    final class UnitBox: @unchecked Sendable {
        var unit: OrgUnit?
    }
}
