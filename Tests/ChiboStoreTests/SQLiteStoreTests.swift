import ChiboCodec
import ChiboModel
import ChiboStore
import Foundation
import GRDB
import Testing

@testable import ChiboStoreSQLite

/// The SQLite store on real files: how the file is opened and kept, and org units end to end.
@Suite struct SQLiteStoreTests {
    /// A fresh database path in a temporary folder.
    static func temporaryPath() -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chibo-store-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.appendingPathComponent("chibo.sqlite").path
    }

    static func context(
        _ requestID: String = "",
        validateOnly: Bool = false,
        at nowMs: Int64 = 1_700_000_000_000
    )
        -> MutationContext
    {
        MutationContext(requestID: requestID, validateOnly: validateOnly, actor: "test", nowMs: nowMs)
    }

    @Test func theFileIsPrivateInWALModeWithForeignKeysAndFullSync() async throws {
        let path = Self.temporaryPath()
        let store = try SQLiteStore(path: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let queue = try DatabaseQueue(path: path)
        let journalMode = try await queue.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(journalMode == "wal")
        // Connection settings, read on the store's own connections.
        let (synchronous, foreignKeys) = try await store.pool.read { db in
            (
                try Int.fetchOne(db, sql: "PRAGMA synchronous"),
                try Int.fetchOne(db, sql: "PRAGMA foreign_keys")
            )
        }
        #expect(synchronous == 2, "synchronous=FULL")
        #expect(foreignKeys == 1)
        #expect(try await store.schemaVersion == 10)
    }

    @Test func upgradingAVersion4FileSeedsTheRulesAndCountsEveryStoredMeeting() async throws {
        // A file as version 4 left it: one cell, two members, one meeting with its attendance.
        let path = Self.temporaryPath()
        let queue = try DatabaseQueue(path: path)
        try Migrations.migrator.migrate(queue, upTo: "v4: members' cell history")
        let meeting = Meeting(
            id: "mt1",
            cellId: "bo",
            heldOn: CalendarDate(year: 2019, month: 3, day: 3),
            startMinute: 1140,
            endMinute: 1260,
            kind: .regular,
            attendance: [
                AttendanceRecord(memberId: "m1", state: .present, category: .official, spoke: true),
                AttendanceRecord(memberId: "m2", state: .absentUnexcused, category: .probationary),
            ]
        )
        try await queue.write { db in
            try db.execute(
                sql: "INSERT INTO org_unit (id, name_key, kind, revision, record) VALUES ('bo', 'bo', 4, 1, ?)",
                arguments: [Data(try OrgUnit(id: "bo", name: "Bó", kind: .cell).serializedBytes())]
            )
            for id in ["m1", "m2"] {
                try db.execute(
                    sql:
                        "INSERT INTO member (id, cell_id, status, name_key, sort_key, revision, record) VALUES (?, 'bo', 2, ?, ?, 1, ?)",
                    arguments: [id, id, id, Data(try Member(id: id, cellId: "bo").serializedBytes())]
                )
            }
            try db.execute(
                sql:
                    "INSERT INTO meeting (id, cell_id, held_on, kind, revision, record) VALUES ('mt1', 'bo', '2019-03-03', 1, 1, ?)",
                arguments: [Data(try meeting.serializedBytes())]
            )
        }
        try queue.close()
        let store = try SQLiteStore(path: path)
        #expect(try await store.schemaVersion == 10)
        let summaries = try await store.meetingSummaries(
            everUnder: "bo",
            from: CalendarDate(year: 2019, month: 1, day: 1),
            through: CalendarDate(year: 2019, month: 12, day: 31)
        )
        #expect(summaries == [MeetingSummary(of: meeting)])
        #expect(summaries.first?.expected == 2 && summaries.first?.present == 1 && summaries.first?.spoke == 1)
        let national = try await store.listRuleSets(RuleSetQuery(nationalOnly: true))
        #expect(national.records.map(\.id) == NationalRules.all.map(\.id))
    }

    @Test func aFileFromANewerVersionIsRefused() throws {
        let path = Self.temporaryPath()
        _ = try SQLiteStore(path: path)
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99: from the future')")
        }
        #expect(throws: StoreError.newerSchema(path: path)) {
            _ = try SQLiteStore(path: path)
        }
    }

    @Test func unitsSurviveARestart() async throws {
        let path = Self.temporaryPath()
        var created: OrgUnit
        do {
            let store = try SQLiteStore(path: path)
            created = try await store.createOrgUnit(
                OrgUnit(code: "MB", name: "Đảng bộ xã Mường Bằng", kind: .commune),
                context: Self.context()
            )
        }
        let reopened = try SQLiteStore(path: path)
        #expect(try await reopened.orgUnit(id: created.id) == created)
    }

    @Test func createAssignsIdRevisionAndParentHistory() async throws {
        let store = try SQLiteStore(path: Self.temporaryPath())
        let commune = try await store.createOrgUnit(
            OrgUnit(code: "MB", name: "Đảng bộ xã Mường Bằng", kind: .commune),
            context: Self.context()
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
            context: Self.context()
        )
        #expect(
            cell.parentHistory == [
                ParentPeriod(parentId: commune.id, valid: DateRange(from: CalendarDate(year: 2010, month: 1, day: 1)))
            ]
        )
        await #expect(throws: StoreError.alreadyExists(entity: "org unit with code", key: "MB")) {
            _ = try await store.createOrgUnit(
                OrgUnit(code: "MB", name: "again", kind: .commune),
                context: Self.context()
            )
        }
        await #expect(throws: StoreError.failedPrecondition("parent unit nope does not exist")) {
            _ = try await store.createOrgUnit(
                OrgUnit(name: "orphan", kind: .cell, parentId: "nope"),
                context: Self.context()
            )
        }
    }

    @Test func aRetriedRequestReturnsTheFirstOutcomeAndWritesNothingTwice() async throws {
        let store = try SQLiteStore(path: Self.temporaryPath())
        let first = try await store.createOrgUnit(
            OrgUnit(name: "Chi bộ bản Bó", kind: .cell),
            context: Self.context("r-1")
        )
        let retry = try await store.createOrgUnit(
            OrgUnit(name: "Chi bộ bản Bó", kind: .cell),
            context: Self.context("r-1")
        )
        #expect(retry == first)
        #expect(try await store.listOrgUnits(OrgUnitQuery()).records.count == 1)
    }

    @Test func validateOnlyWritesNothing() async throws {
        let store = try SQLiteStore(path: Self.temporaryPath())
        let checked = try await store.createOrgUnit(
            OrgUnit(name: "Chi bộ bản Bó", kind: .cell),
            context: Self.context("r-2", validateOnly: true)
        )
        #expect(checked.meta?.revision == 1)
        #expect(try await store.orgUnit(id: checked.id) == nil)
        #expect(try await store.listOrgUnits(OrgUnitQuery()).records.isEmpty)
        // The request id was not spent by the dry run.
        let real = try await store.createOrgUnit(
            OrgUnit(name: "Chi bộ bản Bó", kind: .cell),
            context: Self.context("r-2")
        )
        #expect(try await store.orgUnit(id: real.id) == real)
    }

    @Test func updatesCheckTheRevisionAndTouchOnlyMaskedFields() async throws {
        let store = try SQLiteStore(path: Self.temporaryPath())
        let unit = try await store.createOrgUnit(
            OrgUnit(code: "BO", name: "Chi bộ bản Bó", kind: .cell, meetingDay: 3, note: "ghi chú"),
            context: Self.context()
        )
        var change = OrgUnit(id: unit.id, name: "Chi bộ bản Bó mới", meetingDay: 5, meta: RecordMeta(revision: 1))
        let updated = try await store.updateOrgUnit(
            change,
            mask: ["meeting_day"],
            context: Self.context(at: 1_800_000_000_000)
        )
        #expect(updated.meetingDay == 5)
        #expect(updated.name == "Chi bộ bản Bó", "a field outside the mask is never touched")
        #expect(updated.note == "ghi chú")
        #expect(updated.meta?.revision == 2)
        #expect(updated.meta?.createdAtMs == 1_700_000_000_000)
        #expect(updated.meta?.updatedAtMs == 1_800_000_000_000)
        change.meta = RecordMeta(revision: 1)
        await #expect(throws: StoreError.staleRevision(entity: "org unit", id: unit.id, expected: 1, actual: 2)) {
            _ = try await store.updateOrgUnit(change, mask: ["name"], context: Self.context())
        }
        #expect(try await store.orgUnit(id: unit.id) == updated)
    }

    @Test func listsFollowTheTreeOfAnyDate() async throws {
        let store = try SQLiteStore(path: Self.temporaryPath())
        let day = { (y: Int32, m: Int32, d: Int32) in CalendarDate(year: y, month: m, day: d) }
        let province = try await store.createOrgUnit(
            OrgUnit(id: "son-la", name: "Tỉnh Sơn La", kind: .province),
            context: Self.context()
        )
        let district = try await store.createOrgUnit(
            OrgUnit(
                id: "mai-son",
                name: "Huyện Mai Sơn",
                kind: .district,
                parentId: province.id,
                valid: DateRange(to: day(2025, 7, 1))
            ),
            context: Self.context()
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
            context: Self.context()
        )
        for (index, name) in ["Chi bộ bản Bó", "Chi bộ bản Áng", "Chi bộ bản Cang"].enumerated() {
            _ = try await store.createOrgUnit(
                OrgUnit(id: "cell-\(index)", name: name, kind: .cell, parentId: commune.id),
                context: Self.context()
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

    @Test func listsPageWithTokens() async throws {
        let store = try SQLiteStore(path: Self.temporaryPath())
        for index in 0..<25 {
            _ = try await store.createOrgUnit(
                OrgUnit(id: "c\(index)", name: "Chi bộ \(index)", kind: .cell),
                context: Self.context()
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

    @Test func upgradingAVersion8FileFindsMembersByCitizenID() async throws {
        // A file as version 8 left it: a member without a card number, known by citizen ID.
        let path = Self.temporaryPath()
        let queue = try DatabaseQueue(path: path)
        try Migrations.migrator.migrate(queue, upTo: "v8: indexes the reports read")
        try await queue.write { db in
            try db.execute(
                sql: "INSERT INTO org_unit (id, name_key, kind, revision, record) VALUES ('bo', 'bo', 4, 1, ?)",
                arguments: [Data(try OrgUnit(id: "bo", name: "Bó", kind: .cell).serializedBytes())]
            )
            let member = Member(id: "m1", citizenId: "014090000001", fullName: "Lò Văn Một", cellId: "bo")
            try db.execute(
                sql:
                    "INSERT INTO member (id, cell_id, status, name_key, sort_key, revision, record) VALUES ('m1', 'bo', 2, 'lo van mot', 'mot', 1, ?)",
                arguments: [Data(try member.serializedBytes())]
            )
        }
        try queue.close()
        let store = try SQLiteStore(path: path)
        let outcome = try await store.importBatch(
            ImportBatchInput(
                importID: "3e4f5a6b-7c8d-4e9f-0a1b-2c3d4e5f6a7b",
                batchNumber: 1,
                entity: .members,
                onConflict: .skip,
                rows: [
                    ImportRow(
                        rowNumbers: [2],
                        unitRef: "Bó",
                        record: .member(Member(citizenId: "014090000001", fullName: "Lò Văn Một"))
                    )
                ]
            ),
            context: MutationContext(nowMs: 1_700_000_000_000)
        )
        #expect(outcome.counts == ImportCounts(read: 1, skipped: 1))
    }
}
