import ChiboModel
import ChiboStore
import ChiboStoreSQL
import ChiboTesting
import Foundation
import Testing

/// The audit log keeps no copy of the records: an entry names the change-log positions it
/// covers and a hash of their stored bytes, on every backend. Altering, removing or adding a
/// change around the server shows on verification, with and without the key.
@Suite struct AuditLayoutTests {
    /// A sealed store with a commune, a cell and a member updated once.
    static func storeWithChanges(_ backend: TestBackend) async throws -> (AuditKeyTests.Pair, Member) {
        let pair = try await AuditKeyTests.pair(backend)
        let store = pair.sealed
        let context = SQLiteStoreTests.context()
        _ = try await store.createOrgUnit(OrgUnit(id: "mb", name: "Xã Mường Bằng", kind: .commune), context: context)
        _ = try await store.createOrgUnit(
            OrgUnit(id: "bo", name: "Chi bộ bản Bó", kind: .cell, parentId: "mb"),
            context: context
        )
        var member = try await store.createMember(
            Member(
                partyCardNumber: "91.0001",
                citizenId: "014085009999",
                fullName: "Tòng Văn Hạnh",
                cellId: "bo",
                events: [StatusEvent(kind: .admitted, effectiveOn: day(2005, 5, 19))]
            ),
            context: context
        )
        member.fullName = "Tòng Văn Hạnh Mới"
        member = try await store.updateMember(member, mask: ["full_name"], context: context)
        return (pair, member)
    }

    @Test(arguments: TestBackend.all)
    func entriesNameTheirChangesAndHoldNoRecords(backend: TestBackend) async throws {
        let (pair, member) = try await Self.storeWithChanges(backend)
        let stored = try await pair.owner.engine.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT layout, changes, records_hash, before_json, after_json FROM audit_log")
        }
        #expect(stored.count == 4)
        for row in stored {
            #expect((row["layout"] as Int64) == 2)
            #expect((row["before_json"] as String).isEmpty && (row["after_json"] as String).isEmpty)
            #expect(ChangePositions(text: row["changes"])?.positions.count == 1)
            #expect((row["records_hash"] as String).count == 64)
        }
        // Read back, the entry of the update shows the record before and after, without the
        // citizen ID, assembled from the change log.
        let entries = try await pair.sealed.auditEntries(AuditQuery(entityID: member.id))
        let update = try #require(entries.last)
        #expect(update.beforeJson.contains("Tòng Văn Hạnh") && !update.beforeJson.contains("Mới"))
        #expect(update.afterJson.contains("Tòng Văn Hạnh Mới"))
        #expect(!update.afterJson.contains("014085009999"))
        let verified = try await AuditVerifier.verify(store: pair.owner, key: pair.seal.key)
        #expect(verified.intact && verified.changesChecked == 4, "\(verified)")
        await pair.close()
    }

    @Test(arguments: TestBackend.all)
    func aChangeAlteredInTheLogIsDetected(backend: TestBackend) async throws {
        let (pair, member) = try await Self.storeWithChanges(backend)
        var forged = member
        forged.fullName = "Someone Else"
        let bytes = Data(try forged.serializedBytes())
        try await pair.owner.engine.write { db in
            try db.execute(
                sql: "UPDATE change_log SET record = ? WHERE entity = 'member' AND revision = 2",
                arguments: [bytes]
            )
        }
        // Without the key too: the hash is part of the chain.
        let found = try await AuditVerifier.verify(store: pair.owner, key: nil)
        #expect(!found.intact && found.firstBrokenSeq == 4, "\(found)")
        #expect(found.problem.contains("a stored record was altered"), "\(found.problem)")
        await pair.close()
    }

    @Test(arguments: TestBackend.all)
    func aChangeRemovedOrAddedAroundTheServerIsDetected(backend: TestBackend) async throws {
        let (pair, _) = try await Self.storeWithChanges(backend)
        try await pair.owner.engine.write { db in
            try db.execute(
                sql: """
                    INSERT INTO change_log (at_ms, actor, entity, entity_id, revision, change, record)
                    SELECT at_ms, actor, entity, entity_id, revision + 1, change, record FROM change_log
                    WHERE entity = 'member' AND revision = 1
                    """
            )
            // A change in the middle of the covered range, as an insert with a chosen position.
            try db.execute(sql: "UPDATE change_log SET seq = seq + 1000 WHERE seq = (SELECT MAX(seq) FROM change_log)")
        }
        let added = try await AuditVerifier.verify(store: pair.owner, key: pair.seal.key)
        #expect(added.intact, "a change after the last covered one is not yet in question: \(added)")
        try await pair.owner.engine.write { db in
            try db.execute(sql: "DELETE FROM change_log WHERE entity = 'org_unit' AND entity_id = 'bo'")
        }
        let removed = try await AuditVerifier.verify(store: pair.owner, key: pair.seal.key)
        #expect(!removed.intact && removed.firstBrokenSeq == 2, "\(removed)")
        #expect(removed.problem.contains("missing change"), "\(removed.problem)")
        await pair.close()
    }
}
