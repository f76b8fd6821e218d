import ChiboCodec
import ChiboModel
import ChiboStore
import Foundation
import Testing

/// Org units, request ids and paging through the `Store` API, on every backend.
@Suite struct StoreBehaviourTests {
    @Test(arguments: TestBackend.all)
    func createAssignsIdRevisionAndParentHistory(backend: TestBackend) async throws {
        let store = try await backend.makeStore()
        let commune = try await store.createOrgUnit(
            OrgUnit(code: "MB", name: "Đảng bộ xã Mường Bằng", kind: .commune),
            context: SQLiteStoreTests.context()
        )
        #expect(!commune.id.isEmpty)
        #expect(commune.meta?.revision == 1)
        #expect(commune.meta?.updatedBy == "test")
        let cell = try await store.createOrgUnit(
            OrgUnit(
                code: "MB-BO",
                name: "Chi bộ bản Bó",
                kind: .cell,
                parentId: commune.id,
                meetingDay: 3,
                valid: DateRange(from: CalendarDate(year: 2010, month: 1, day: 1))
            ),
            context: SQLiteStoreTests.context()
        )
        #expect(
            cell.parentHistory == [
                ParentPeriod(parentId: commune.id, valid: DateRange(from: CalendarDate(year: 2010, month: 1, day: 1)))
            ]
        )
        await #expect(throws: StoreError.alreadyExists(entity: "org unit with code", key: "MB")) {
            _ = try await store.createOrgUnit(
                OrgUnit(code: "MB", name: "again", kind: .commune),
                context: SQLiteStoreTests.context()
            )
        }
        await #expect(throws: StoreError.failedPrecondition("parent unit nope does not exist")) {
            _ = try await store.createOrgUnit(
                OrgUnit(name: "orphan", kind: .cell, parentId: "nope"),
                context: SQLiteStoreTests.context()
            )
        }
    }

    @Test(arguments: TestBackend.all)
    func aRetriedRequestReturnsTheFirstOutcomeAndWritesNothingTwice(backend: TestBackend) async throws {
        let store = try await backend.makeStore()
        let first = try await store.createOrgUnit(
            OrgUnit(name: "Chi bộ bản Bó", kind: .cell),
            context: SQLiteStoreTests.context("r-1")
        )
        let retry = try await store.createOrgUnit(
            OrgUnit(name: "Chi bộ bản Bó", kind: .cell),
            context: SQLiteStoreTests.context("r-1")
        )
        #expect(retry == first)
        #expect(try await store.listOrgUnits(OrgUnitQuery()).records.count == 1)
    }

    @Test(arguments: TestBackend.all)
    func validateOnlyWritesNothing(backend: TestBackend) async throws {
        let store = try await backend.makeStore()
        let checked = try await store.createOrgUnit(
            OrgUnit(name: "Chi bộ bản Bó", kind: .cell),
            context: SQLiteStoreTests.context("r-2", validateOnly: true)
        )
        #expect(checked.meta?.revision == 1)
        #expect(try await store.orgUnit(id: checked.id) == nil)
        #expect(try await store.listOrgUnits(OrgUnitQuery()).records.isEmpty)
        // The request id was not spent by the dry run.
        let real = try await store.createOrgUnit(
            OrgUnit(name: "Chi bộ bản Bó", kind: .cell),
            context: SQLiteStoreTests.context("r-2")
        )
        #expect(try await store.orgUnit(id: real.id) == real)
    }

    @Test(arguments: TestBackend.all)
    func updatesCheckTheRevisionAndTouchOnlyMaskedFields(backend: TestBackend) async throws {
        let store = try await backend.makeStore()
        let unit = try await store.createOrgUnit(
            OrgUnit(code: "BO", name: "Chi bộ bản Bó", kind: .cell, meetingDay: 3, note: "ghi chú"),
            context: SQLiteStoreTests.context()
        )
        var change = OrgUnit(id: unit.id, name: "Chi bộ bản Bó mới", meetingDay: 5, meta: RecordMeta(revision: 1))
        let updated = try await store.updateOrgUnit(
            change,
            mask: ["meeting_day"],
            context: SQLiteStoreTests.context(at: 1_800_000_000_000)
        )
        #expect(updated.meetingDay == 5)
        #expect(updated.name == "Chi bộ bản Bó", "a field outside the mask is never touched")
        #expect(updated.note == "ghi chú")
        #expect(updated.meta?.revision == 2)
        #expect(updated.meta?.createdAtMs == 1_700_000_000_000)
        #expect(updated.meta?.updatedAtMs == 1_800_000_000_000)
        change.meta = RecordMeta(revision: 1)
        await #expect(throws: StoreError.staleRevision(entity: "org unit", id: unit.id, expected: 1, actual: 2)) {
            _ = try await store.updateOrgUnit(change, mask: ["name"], context: SQLiteStoreTests.context())
        }
        #expect(try await store.orgUnit(id: unit.id) == updated)
    }

    @Test(arguments: TestBackend.all)
    func listsFollowTheTreeOfAnyDate(backend: TestBackend) async throws {
        let store = try await backend.makeStore()
        let day = { (y: Int32, m: Int32, d: Int32) in CalendarDate(year: y, month: m, day: d) }
        let province = try await store.createOrgUnit(
            OrgUnit(id: "son-la", name: "Tỉnh Sơn La", kind: .province),
            context: SQLiteStoreTests.context()
        )
        let district = try await store.createOrgUnit(
            OrgUnit(
                id: "mai-son",
                name: "Huyện Mai Sơn",
                kind: .district,
                parentId: province.id,
                valid: DateRange(to: day(2025, 7, 1))
            ),
            context: SQLiteStoreTests.context()
        )
        // The commune sat under the district until July 2025, then directly under the province.
        let commune = try await store.createOrgUnit(
            OrgUnit(
                id: "muong-bang",
                name: "Xã Mường Bằng",
                kind: .commune,
                parentId: province.id,
                parentHistory: [
                    ParentPeriod(parentId: district.id, valid: DateRange(to: day(2025, 7, 1))),
                    ParentPeriod(parentId: province.id, valid: DateRange(from: day(2025, 7, 1))),
                ]
            ),
            context: SQLiteStoreTests.context()
        )
        for (index, name) in ["Chi bộ bản Bó", "Chi bộ bản Áng", "Chi bộ bản Cang"].enumerated() {
            _ = try await store.createOrgUnit(
                OrgUnit(id: "cell-\(index)", name: name, kind: .cell, parentId: commune.id),
                context: SQLiteStoreTests.context()
            )
        }
        let in2020 = try await store.listOrgUnits(OrgUnitQuery(parentID: district.id, asOf: day(2020, 6, 1)))
        #expect(in2020.records.map(\.id) == ["muong-bang"])
        let in2026 = try await store.listOrgUnits(OrgUnitQuery(parentID: district.id, asOf: day(2026, 1, 1)))
        #expect(in2026.records.isEmpty)
        let provinceNow = try await store.listOrgUnits(OrgUnitQuery(parentID: province.id, asOf: day(2026, 1, 1)))
        #expect(provinceNow.records.map(\.id) == ["muong-bang"], "the district itself ended in July 2025")
        let subtree2020 = try await store.listOrgUnits(OrgUnitQuery(subtreeOf: district.id, asOf: day(2020, 6, 1)))
        #expect(Set(subtree2020.records.map(\.id)) == ["mai-son", "muong-bang", "cell-0", "cell-1", "cell-2"])
        // Cells sort by folded name: Áng, Bó, Cang.
        let cells = try await store.listOrgUnits(OrgUnitQuery(kind: .cell))
        #expect(cells.records.map(\.name) == ["Chi bộ bản Áng", "Chi bộ bản Bó", "Chi bộ bản Cang"])
    }

    @Test(arguments: TestBackend.all)
    func listsPageWithTokens(backend: TestBackend) async throws {
        let store = try await backend.makeStore()
        for index in 0..<25 {
            _ = try await store.createOrgUnit(
                OrgUnit(id: "c\(index)", name: "Chi bộ \(index)", kind: .cell),
                context: SQLiteStoreTests.context()
            )
        }
        var seen: [String] = []
        var token = ""
        repeat {
            let page = try await store.listOrgUnits(OrgUnitQuery(pageSize: 10, pageToken: token))
            #expect(page.records.count <= 10)
            seen += page.records.map(\.id)
            token = page.nextPageToken
        } while !token.isEmpty
        #expect(seen.count == 25)
        #expect(Set(seen).count == 25)
    }
}
