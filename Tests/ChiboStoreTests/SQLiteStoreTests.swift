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

    @Test func aListOfIdsReachesSQLiteAsItWasWhateverItHolds() async throws {
        let store = try SQLiteStore(path: Self.temporaryPath())
        let ids = ["ou-1", "a\"b", "c\\d", "e\\\"f", "Mường Bằng", "g,h", "[i]", "", "tab\there", "bell\u{7}", "a/b"]
        let back = try await store.engine.read { db in
            try String.fetchAll(db, sql: "SELECT value FROM json_each(?)", arguments: [try db.idList(ids)])
        }
        #expect(back == ids)
    }

    @Test func aDatabaseReadableByOthersIsMadePrivateWithItsWALAndSharedMemory() async throws {
        let path = Self.temporaryPath()
        let first = try SQLiteStore(path: path)
        _ = try await first.createOrgUnit(OrgUnit(name: "Xã Mường Bằng", kind: .commune), context: Self.context())
        let files = [path, path + "-wal", path + "-shm"]
        func mode(_ file: String) throws -> Int? {
            (try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? NSNumber)?.intValue
        }
        for file in files {
            #expect(try mode(file) == 0o600, "\(file)")
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        }
        let second = try SQLiteStore(path: path)
        for file in files { #expect(try mode(file) == 0o600, "\(file)") }
        #expect(try await second.listOrgUnits(OrgUnitQuery()).records.count == 1)
        _ = first
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
        #expect(try await store.schemaVersion == Migrations.migrator.migrations.count)
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
        #expect(try await store.schemaVersion == Migrations.migrator.migrations.count)
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
