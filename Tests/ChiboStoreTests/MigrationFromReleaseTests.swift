import ChiboModel
import ChiboStore
import ChiboStorePostgres
import ChiboStoreSQL
import ChiboTesting
import Foundation
import GRDB
import Testing

@testable import ChiboStoreSQLite

/// Databases written by the release before records were kept once (Tests/migrations) migrate
/// to the current layout keeping every record, revision, change position, request outcome and
/// a verifiable audit chain, on SQLite and PostgreSQL.
@Suite struct MigrationFromReleaseTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("migrations")

    /// What the released database held, read before it was migrated.
    struct Held: Sendable {
        /// Every change: position, kind of record and the record's bytes.
        var changes: [(seq: Int64, entity: String, record: Data)] = []
        /// Every kept meeting revision.
        var meetingRevisions: [(id: String, revision: Int64, record: Data)] = []
        /// Every request outcome by request id.
        var requests: [String: Data] = [:]
        /// Entries of the audit log.
        var auditEntries: Int64 = 0
    }

    /// Reads what a migrated store must keep, from the released tables (`prefix` names their
    /// schema on PostgreSQL).
    static func held(_ db: any SQLDatabase, prefix: String = "") throws -> Held {
        var held = Held()
        try SQLRow.forEach(db, sql: "SELECT seq, entity, record FROM \(prefix)change_log ORDER BY seq") { row in
            held.changes.append((row["seq"], row["entity"], row["record"]))
        }
        try SQLRow.forEach(db, sql: "SELECT meeting_id, revision, record FROM \(prefix)meeting_revision") { row in
            held.meetingRevisions.append((row["meeting_id"], row["revision"], row["record"]))
        }
        try SQLRow.forEach(db, sql: "SELECT request_id, outcome FROM \(prefix)request_log") { row in
            held.requests[row["request_id"]] = row["outcome"]
        }
        held.auditEntries = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM \(prefix)audit_log") ?? 0
        return held
    }

    /// The record a change held, as the change feed returns it.
    static func record(entity: String, _ data: Data) throws -> ChangeEvent.Record? {
        let bytes = [UInt8](data)
        switch entity {
        case "org_unit": return .orgUnit(try OrgUnit(serializedBytes: bytes))
        case "member": return .member(try Member(serializedBytes: bytes))
        case "meeting": return .meeting(try Meeting(serializedBytes: bytes))
        case "rule_set": return .ruleSet(try RuleSet(serializedBytes: bytes))
        case "evaluation": return .evaluation(try Evaluation(serializedBytes: bytes))
        default: return nil
        }
    }

    /// Checks that `store`, migrated from `held`, keeps all of it and that its audit log still
    /// verifies with the key and the release's checkpoint, before and after a new change.
    static func checkKept(_ store: SQLStore, _ held: Held, key: AuditKey, checkpoint: AuditCheckpoint) async throws {
        #expect(held.changes.count > 10 && held.meetingRevisions.count >= 3 && !held.requests.isEmpty)
        let verified = try await AuditVerifier.verify(store: store, key: key, checkpoints: [checkpoint])
        #expect(verified.intact && verified.entries == held.auditEntries, "\(verified)")

        // Every change, at its position, with its record as it was.
        let changes = try await store.changes(after: 0, limit: 10_000)
        #expect(changes.map(\.seq) == held.changes.map(\.seq))
        for (change, was) in zip(changes, held.changes) {
            #expect(change.record == (try Self.record(entity: was.entity, was.record)), "change \(change.seq)")
        }
        // Every meeting revision, now read from the change log.
        for revision in held.meetingRevisions {
            let meeting = try await store.meeting(id: revision.id, revision: revision.revision)
            #expect(
                meeting == (try Meeting(serializedBytes: [UInt8](revision.record))),
                "\(revision.id) r\(revision.revision)"
            )
        }
        let (requests, copies, revisionsLeft) = try await store.engine.read { db in
            var requests: [String: Data] = [:]
            try SQLRow.forEach(db, sql: "SELECT request_id, outcome FROM request_log") { row in
                requests[row["request_id"]] = row["outcome"]
            }
            return (
                requests,
                try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM change_log WHERE record IS NULL") ?? 0,
                try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM meeting_revision") ?? 0
            )
        }
        #expect(requests == held.requests, "every request outcome kept")
        // The current versions' second copies are gone, and so are meeting revisions the
        // change log holds alike.
        #expect(copies > 0 && revisionsLeft == 0, "\(copies) current versions, \(revisionsLeft) revisions left")

        // The counts per cell and month are filled from the meetings recorded before.
        let province = try #require(try await store.orgUnit(code: "SL"))
        let kept = try await store.cellMonthCounts(
            everUnder: province.id,
            from: CalendarDate(year: 2000, month: 1, day: 1),
            through: CalendarDate(year: 2099, month: 12, day: 31)
        )
        let recounted = try await store.recountedCellMonths()
        #expect(!kept.isEmpty && kept == recounted, "\(kept)")

        // A change after the migration is audited in the new layout and the whole log verifies.
        let context = MutationContext(actor: "admin", nowMs: 1_790_000_000_000)
        var member = try #require(try await store.member(partyCardNumber: "01012346"))
        member.phone = "0912000000"
        _ = try await store.updateMember(member, mask: ["phone"], context: context)
        let after = try await AuditVerifier.verify(store: store, key: key, checkpoints: [checkpoint])
        #expect(after.intact && after.entries == held.auditEntries + 1 && after.changesChecked == 1, "\(after)")
    }

    /// A copy of the release's audit key and checkpoint in `folder`, as files a server reads.
    static func keyAndCheckpoint(
        in folder: URL,
        checkpoint name: String
    ) throws -> (key: AuditKey, checkpoint: AuditCheckpoint, checkpointPath: String) {
        let keyPath = folder.appendingPathComponent("audit-key").path
        try FileManager.default.copyItem(
            atPath: Self.folder.appendingPathComponent("release.audit-key").path,
            toPath: keyPath
        )
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyPath)
        let checkpointPath = AuditKeyFile.checkpointPath(forKey: keyPath)
        let text = try String(contentsOf: Self.folder.appendingPathComponent(name), encoding: .utf8)
        try text.write(toFile: checkpointPath, atomically: true, encoding: .utf8)
        return (try AuditKeyFile.load(path: keyPath), try AuditCheckpoint(text: text), checkpointPath)
    }

    @Test func aReleasedSQLiteFileMigrates() async throws {
        let folder = temporaryFolder("migration")
        let path = folder.appendingPathComponent("chibo.sqlite").path
        let dump = try String(contentsOf: Self.folder.appendingPathComponent("release-sqlite.sql"), encoding: .utf8)
        let queue = try DatabaseQueue(path: path)
        try await queue.writeWithoutTransaction { db in try db.execute(sql: dump) }
        try queue.close()
        let (key, checkpoint, checkpointPath) = try Self.keyAndCheckpoint(
            in: folder,
            checkpoint: "release-sqlite.checkpoint"
        )
        // The released tables, read as they are.
        let held = try await DatabaseQueue(path: path).read { db in try Self.held(GRDBDatabase(db)) }
        let store = try SQLiteStore(path: path, auditSeal: try AuditSeal(key: key, checkpointPath: checkpointPath))
        try await Self.checkKept(store, held, key: key, checkpoint: checkpoint)
    }

    @Test(.enabled(if: PostgresTestDatabase.isAvailable, "needs the PostgreSQL server tools/test starts"))
    func aReleasedPostgreSQLSchemaMigrates() async throws {
        let folder = temporaryFolder("migration")
        let location = try PostgresTestDatabase.freshLocation()
        // The dump names its schema; it is loaded under the fresh one's name, through a store on
        // a scratch schema of its own (statements only: no psql commands, no session settings).
        let dump = try String(contentsOf: Self.folder.appendingPathComponent("release-postgres.sql"), encoding: .utf8)
            .replacingOccurrences(of: "fixture_release", with: location.schema)
        let statements = dump.components(separatedBy: ";\n").map { statement in
            statement.split(separator: "\n").filter { !$0.hasPrefix("--") && !$0.hasPrefix("\\") }.joined(
                separator: "\n"
            )
        }.filter { statement in
            let text = statement.trimmingCharacters(in: .whitespacesAndNewlines)
            return !text.isEmpty && !text.hasPrefix("SET ") && !text.hasPrefix("SELECT pg_catalog.set_config")
        }
        let loader = try await PostgresTestDatabase.freshStore()
        try await loader.engine.write { db in
            for statement in statements { try db.execute(sql: statement) }
        }
        let held = try await loader.engine.read { db in try Self.held(db, prefix: location.schema + ".") }
        await loader.close()
        let (key, checkpoint, _) = try Self.keyAndCheckpoint(in: folder, checkpoint: "release-postgres.checkpoint")
        let store = try await PostgresStore(
            location: location,
            readerThreads: 1,
            auditSeal: try AuditSeal(key: key, checkpointPath: nil)
        )
        try await Self.checkKept(store, held, key: key, checkpoint: checkpoint)
        await store.close()
    }
}
