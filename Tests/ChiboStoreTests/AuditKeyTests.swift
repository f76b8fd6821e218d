import ChiboModel
import ChiboStore
import ChiboStorePostgres
import ChiboStoreSQL
import ChiboStoreSQLite
import Foundation
import Testing

/// The audit log against the owner of its database: entries authenticated with a key kept
/// outside it, and checkpoints of its head, on every backend. `owner` is a second store on the
/// same database without the key, as the database's owner would use it.
@Suite struct AuditKeyTests {
    /// A store with an audit seal and a keyless one on the same database.
    struct Pair {
        let sealed: SQLStore
        let owner: SQLStore
        let seal: AuditSeal
        let folder: URL
        let reopen: @Sendable (AuditSeal?) async throws -> SQLStore

        func close() async {
            for store in [sealed, owner] { await (store as? PostgresStore)?.close() }
        }
    }

    static func pair(_ backend: TestBackend, key: AuditKey = AuditKey.random()) async throws -> Pair {
        let folder = URL(fileURLWithPath: SQLiteStoreTests.temporaryPath()).deletingLastPathComponent()
            .appendingPathComponent("audit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let seal = try AuditSeal(key: key, checkpointPath: folder.appendingPathComponent("checkpoint").path)
        let reopen: @Sendable (AuditSeal?) async throws -> SQLStore
        switch backend {
        case .sqlite:
            let path = folder.appendingPathComponent("chibo.sqlite").path
            reopen = { seal in try SQLiteStore(path: path, auditSeal: seal) }
        case .postgres:
            let location = try PostgresTestDatabase.freshLocation()
            reopen = { seal in try await PostgresStore(location: location, readerThreads: 1, auditSeal: seal) }
        }
        let sealed = try await reopen(seal)
        return Pair(sealed: sealed, owner: try await reopen(nil), seal: seal, folder: folder, reopen: reopen)
    }

    static func entries(_ count: Int, from first: Int = 1) -> [AuditEntry] {
        (first..<first + count).map { index in
            AuditEntry(
                atMs: Int64(index),
                actor: "officer",
                method: "MEMBERS_UPDATE",
                entity: "member",
                entityId: "m\(index)"
            )
        }
    }

    /// Every entry of the log.
    static func log(_ store: any Store) async throws -> [AuditEntry] {
        try await store.auditEntries(AuditQuery(limit: 10_000))
    }

    /// Rewrites the entries from `seq` on as `edit` says, numbers them from `seq` and
    /// recomputes every hash, as someone with the database but not the key can.
    static func rewrite(
        _ store: SQLStore,
        from seq: Int64,
        _ edit: @escaping @Sendable ([AuditEntry]) -> [AuditEntry] = { $0 }
    ) async throws {
        let entries = try await log(store)
        var previous = entries.first { $0.seq == seq - 1 }?.hash ?? ""
        var rewritten = edit(entries.filter { $0.seq >= seq })
        for index in rewritten.indices {
            rewritten[index].seq = seq + Int64(index)
            rewritten[index].prevHash = previous
            rewritten[index].hash = AuditChain.hash(of: rewritten[index])
            previous = rewritten[index].hash
        }
        let entriesToWrite = rewritten
        try await store.engine.write { db in
            try db.execute(sql: "DELETE FROM audit_log WHERE seq >= ?", arguments: [seq])
            for entry in entriesToWrite {
                try db.execute(
                    sql: """
                        INSERT INTO audit_log (seq, at_ms, actor, role, peer, method, entity, entity_id, outcome,
                            detail, before_json, after_json, prev_hash, hash, mac, layout, changes, records_hash)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        entry.seq, entry.atMs, entry.actor, entry.role, entry.peer, entry.method, entry.entity,
                        entry.entityId, entry.outcome, entry.detail, entry.beforeJson, entry.afterJson,
                        entry.prevHash, entry.hash, entry.mac, Int64(entry.layout), entry.changes, entry.recordsHash,
                    ]
                )
            }
        }
    }

    @Test(arguments: TestBackend.all) func anEntryEditedAndReChainedIsDetectedWithTheKey(
        backend: TestBackend
    )
        async throws
    {
        let pair = try await Self.pair(backend)
        try await pair.sealed.appendAudit(Self.entries(6))
        #expect(try await Self.log(pair.sealed).allSatisfy { $0.mac.hasPrefix(pair.seal.key.id + ":") })
        let clean = try await AuditVerifier.verify(store: pair.owner, key: pair.seal.key)
        #expect(clean.intact && clean.entries == 6 && clean.keyedFromSeq == 1, "\(clean)")

        try await Self.rewrite(pair.owner, from: 3) { entries in
            var entries = entries
            entries[0].actor = "someone else"
            return entries
        }
        let entries = try await Self.log(pair.owner)
        #expect(AuditChain.verify(entries) == nil, "the plain chain was recomputed: it alone cannot tell")
        let found = try await AuditVerifier.verify(store: pair.owner, key: pair.seal.key)
        #expect(!found.intact)
        #expect(found.firstBrokenSeq == 3)
        #expect(found.problem.contains("MAC does not match"), "\(found.problem)")
        await pair.close()
    }

    @Test(arguments: TestBackend.all) func deletingTheNewestEntriesIsDetectedAgainstACheckpoint(
        backend: TestBackend
    )
        async throws
    {
        let pair = try await Self.pair(backend)
        try await pair.sealed.appendAudit(Self.entries(5))
        let checkpointPath = try #require(pair.seal.checkpointPath)
        let written = try #require(try AuditCheckpointFile.read(path: checkpointPath))
        #expect(written.seq == 5 && written.keyedFromSeq == 1 && written.problem(with: pair.seal.key) == nil)

        try await pair.owner.engine.write { db in try db.execute(sql: "DELETE FROM audit_log WHERE seq > 3") }
        let chainOnly = try await AuditVerifier.verify(store: pair.owner, key: pair.seal.key)
        #expect(chainOnly.intact, "what is left is a valid chain: only a checkpoint shows the loss")
        let found = try await AuditVerifier.verify(store: pair.owner, key: pair.seal.key, checkpoints: [written])
        #expect(!found.intact)
        #expect(found.problem.contains("ends at entry 3") && found.problem.contains("deleted"), "\(found.problem)")

        // A server started on the cut log refuses, and leaves the checkpoint as evidence.
        let restarted = try await pair.reopen(try AuditSeal(key: pair.seal.key, checkpointPath: checkpointPath))
        await #expect {
            try await restarted.checkAuditSeal()
        } throws: { error in
            "\(error)".contains("newest entries were deleted")
        }
        await (restarted as? PostgresStore)?.close()

        // The running server writes on, past the checkpoint: the checkpoint is not replaced by
        // one of the rewritten history, and verification names the entry that changed.
        try await pair.sealed.appendAudit(Self.entries(4, from: 10))
        #expect(try AuditCheckpointFile.read(path: checkpointPath) == written)
        #expect(pair.seal.checkpointFailure?.contains("cut short or rewritten") == true)
        let later = try await AuditVerifier.verify(store: pair.owner, key: pair.seal.key, checkpoints: [written])
        #expect(!later.intact && later.firstBrokenSeq == 5, "\(later)")
        await pair.close()
    }

    @Test(arguments: TestBackend.all) func deletingAMiddleEntryIsDetected(backend: TestBackend) async throws {
        let pair = try await Self.pair(backend)
        try await pair.sealed.appendAudit(Self.entries(6))
        // Deleted alone: a gap.
        try await pair.owner.engine.write { db in try db.execute(sql: "DELETE FROM audit_log WHERE seq = 3") }
        let gap = try await AuditVerifier.verify(store: pair.owner, key: pair.seal.key)
        #expect(!gap.intact && gap.firstBrokenSeq == 4 && gap.problem.contains("missing"), "\(gap)")

        // Deleted, the later entries renumbered and re-chained: their MACs no longer match.
        try await Self.rewrite(pair.owner, from: 3)
        #expect(try await Self.log(pair.owner).map(\.seq) == [1, 2, 3, 4, 5])
        let found = try await AuditVerifier.verify(store: pair.owner, key: pair.seal.key)
        #expect(!found.intact && found.firstBrokenSeq == 3 && found.problem.contains("MAC"), "\(found)")
        await pair.close()
    }

    @Test(arguments: TestBackend.all) func aWrongKeyIsReportedAsSuch(backend: TestBackend) async throws {
        let pair = try await Self.pair(backend)
        try await pair.sealed.appendAudit(Self.entries(3))
        let other = AuditKey.random()
        let found = try await AuditVerifier.verify(store: pair.owner, key: other)
        #expect(!found.intact && found.firstBrokenSeq == 1)
        #expect(found.problem.contains("another key") && found.problem.contains(other.id), "\(found.problem)")
        let checkpoint = try #require(pair.seal.lastCheckpoint)
        let againstCheckpoint = try await AuditVerifier.verify(store: pair.owner, key: other, checkpoints: [checkpoint])
        #expect(againstCheckpoint.problem.contains("checkpoint was signed with another key"))

        // A server given another key than the log's refuses to write with it.
        let wrong = try await pair.reopen(try AuditSeal(key: other, checkpointPath: nil))
        await #expect {
            try await wrong.checkAuditSeal()
        } throws: { error in
            "\(error)".contains(pair.seal.key.id) && "\(error)".contains(other.id)
        }
        await (wrong as? PostgresStore)?.close()
        await pair.close()
    }

    @Test(arguments: TestBackend.all) func anOldKeylessChainStillVerifies(backend: TestBackend) async throws {
        let pair = try await Self.pair(backend)
        // Written before the database had a key.
        try await pair.owner.appendAudit(Self.entries(3))
        try await pair.sealed.appendAudit(Self.entries(2, from: 4))
        let entries = try await Self.log(pair.owner)
        #expect(entries.map(\.mac.isEmpty) == [true, true, true, false, false])
        let found = try await AuditVerifier.verify(store: pair.owner, key: pair.seal.key)
        #expect(found.intact && found.entries == 5 && found.keyedFromSeq == 4, "\(found)")
        let withoutKey = try await AuditVerifier.verify(store: pair.owner, key: nil)
        #expect(withoutKey.intact && withoutKey.keyedFromSeq == 4)

        // A keyless entry after keyed ones is written without the key, or was altered.
        try await pair.owner.appendAudit(Self.entries(1, from: 6))
        let late = try await AuditVerifier.verify(store: pair.owner, key: pair.seal.key)
        #expect(!late.intact && late.firstBrokenSeq == 6 && late.problem.contains("no MAC"), "\(late)")
        await pair.close()
    }

    @Test(arguments: TestBackend.all) func tokenCreationAndRevocationAreAudited(backend: TestBackend) async throws {
        let pair = try await Self.pair(backend)
        let token = try await pair.sealed.createToken(
            TokenRecord(
                name: "cán bộ",
                role: "officer",
                scopeUnitID: "",
                hash: String(repeating: "a", count: 64),
                hint: "chibo_ab",
                createdAtMs: 1000
            )
        )
        _ = try await pair.sealed.revokeToken(idOrName: "cán bộ", atMs: 2000)
        let entries = try await Self.log(pair.sealed)
        #expect(entries.map(\.method) == ["token.create", "token.revoke"])
        #expect(entries.allSatisfy { $0.entityId == token.id && $0.outcome == "OK" && $0.detail.contains("cán bộ") })
        #expect(!entries.contains { $0.detail.contains(token.hash) }, "the hash is not logged")
        let found = try await AuditVerifier.verify(store: pair.owner, key: pair.seal.key)
        #expect(found.intact && found.keyedFromSeq == 1)
        await pair.close()
    }

    @Test func keyAndCheckpointFilesAreCheckedAndReadBack() throws {
        let folder = URL(fileURLWithPath: SQLiteStoreTests.temporaryPath()).deletingLastPathComponent()
        let path = folder.appendingPathComponent("key-\(UUID().uuidString)").path
        let made = try AuditKeyFile.create(path: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try AuditKeyFile.load(path: path).id == made.id)
        #expect(try AuditKeyFile.loadOrCreate(path: path).created == false)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        #expect {
            _ = try AuditKeyFile.load(path: path)
        } throws: { error in
            "\(error)".contains("readable or writable by others") && "\(error)".contains("chmod 600")
        }
        let short = folder.appendingPathComponent("key-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(
            atPath: short,
            contents: Data("abcd\n".utf8),
            attributes: [.posixPermissions: 0o600]
        )
        #expect {
            _ = try AuditKeyFile.load(path: short)
        } throws: { error in
            "\(error)".contains("64 hex digits")
        }

        let checkpoint = AuditCheckpoint(
            seq: 7,
            headHash: String(repeating: "b", count: 64),
            keyedFromSeq: 2,
            atMs: 9,
            key: made
        )
        #expect(try AuditCheckpoint(text: checkpoint.text + "\n") == checkpoint)
        var altered = checkpoint
        altered.seq = 6
        #expect(altered.problem(with: made)?.contains("altered") == true)
        #expect(throws: AuditKeyError.self) { _ = try AuditCheckpoint(text: "seq=7") }
    }
}
