import ChiboAccess
import ChiboClient
import ChiboModel
import ChiboStore
import ChiboTesting
import Foundation
import GRDB
import Testing

/// The audit trail through the real server over TCP: reads of personal fields audited, the log
/// authenticated with the server's key and checked against its checkpoints, paging to the end.
@Suite struct AuditTrailTests {
    static func entries(_ harness: AccessHarness) async throws -> [AuditEntry] {
        try await harness.store.auditEntries(AuditQuery(limit: 10_000))
    }

    static func verify(_ harness: AccessHarness, checkpoint: String = "") async throws -> VerifyAuditResponse {
        let auditor = harness.client(.auditor)
        defer { Task { await auditor.close() } }
        return try await auditor.unary(
            .auditVerify,
            VerifyAuditRequest(checkpoint: checkpoint),
            as: VerifyAuditResponse.self
        )
    }

    @Test func readsOfPersonalFieldsAreAuditedWithoutTheData() async throws {
        try await AccessHarness.with { harness in
            let officer = harness.client(.officer)
            let viewer = harness.client(.viewer)
            defer {
                Task {
                    await officer.close()
                    await viewer.close()
                }
            }
            let got = try await officer.unary(.membersGet, GetMemberRequest(id: "b1"), as: MemberResponse.self)
            #expect(got.member?.citizenId == "014085000123")
            var listed: [Member] = []
            for try await member in try await officer.serverStream(
                .membersList,
                ListMembersRequest(cellId: "bo"),
                as: Member.self
            ) {
                listed.append(member)
            }
            #expect(listed.map(\.id) == ["b1"])
            // A viewer gets no personal fields: nothing to audit.
            _ = try await viewer.unary(.membersGet, GetMemberRequest(id: "b1"), as: MemberResponse.self)

            let entries = try await Self.entries(harness)
            let reads = entries.filter { $0.method == "MEMBERS_GET" || $0.method == "MEMBERS_LIST" }
            #expect(reads.map(\.method) == ["MEMBERS_GET", "MEMBERS_LIST"], "\(reads)")
            #expect(reads.allSatisfy { $0.actor == "officer" && $0.role == "officer" && $0.entity == "member" })
            #expect(reads.allSatisfy { $0.peer.hasPrefix("127.0.0.1:") && $0.detail.contains("b1") })
            #expect(reads.first?.entityId == "b1")
            for entry in entries {
                let text = [entry.detail, entry.beforeJson, entry.afterJson, entry.entityId].joined(separator: " ")
                #expect(!text.contains("014085000123") && !text.contains("0912345678"), "no data in \(entry.seq)")
            }
        }
    }

    @Test func theServersKeyShowsAnEntryEditedAndReChained() async throws {
        let key = AuditKey.random()
        try await AccessHarness.with(auditKey: key) { harness in
            let intact = try await Self.verify(harness)
            #expect(intact.intact && intact.keyedFromSeq == 1 && intact.checkpointsChecked == 1, "\(intact)")
            let checkpoint = try AuditCheckpoint(text: intact.checkpoint)
            #expect(checkpoint.problem(with: key) == nil && checkpoint.headHash == intact.headHash)
            let tokenEntries = try await Self.entries(harness).filter { $0.entity == "token" }
            #expect(tokenEntries.count == 5 && tokenEntries.allSatisfy { $0.method == "token.create" })

            // Someone with the database file edits an entry and recomputes every hash after it.
            let queue = try DatabaseQueue(path: harness.path)
            try await queue.write { db in
                let rows = try Row.fetchAll(db, sql: "SELECT * FROM audit_log WHERE seq >= 3 ORDER BY seq")
                var previous = try String.fetchOne(db, sql: "SELECT hash FROM audit_log WHERE seq = 2") ?? ""
                for row in rows {
                    var entry = AuditEntry(
                        seq: row["seq"],
                        atMs: row["at_ms"],
                        actor: row["actor"],
                        role: row["role"],
                        peer: row["peer"],
                        method: row["method"],
                        entity: row["entity"],
                        entityId: row["entity_id"],
                        outcome: row["outcome"],
                        detail: row["detail"],
                        beforeJson: row["before_json"],
                        afterJson: row["after_json"],
                        prevHash: previous,
                        layout: Int32(row["layout"] as Int64),
                        changes: row["changes"],
                        recordsHash: row["records_hash"]
                    )
                    if entry.seq == 3 { entry.actor = "someone else" }
                    entry.hash = AuditChain.hash(of: entry)
                    try db.execute(
                        sql: "UPDATE audit_log SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                        arguments: [entry.actor, "x\(entry.seq)", entry.hash, entry.seq]
                    )
                    previous = entry.hash
                }
                // prev_hash is unique: set in a second pass once every old value is gone.
                previous = try String.fetchOne(db, sql: "SELECT hash FROM audit_log WHERE seq = 2") ?? ""
                for row in try Row.fetchAll(db, sql: "SELECT seq, hash FROM audit_log WHERE seq >= 3 ORDER BY seq") {
                    try db.execute(
                        sql: "UPDATE audit_log SET prev_hash = ? WHERE seq = ?",
                        arguments: [previous, row["seq"] as Int64]
                    )
                    previous = row["hash"]
                }
            }
            try queue.close()
            #expect(AuditChain.verify(try await Self.entries(harness)) == nil, "the plain chain was recomputed")
            let broken = try await Self.verify(harness)
            #expect(!broken.intact && broken.firstBrokenSeq == 3 && broken.problem.contains("MAC"), "\(broken)")
            #expect(broken.checkpoint.isEmpty, "no checkpoint is signed for a broken log")
        }
    }

    @Test func deletingTheNewestEntriesShowsAgainstTheServersCheckpointAndAKeptOne() async throws {
        try await AccessHarness.with(auditKey: AuditKey.random()) { harness in
            let kept = try await Self.verify(harness).checkpoint
            let head = try AuditCheckpoint(text: kept).seq
            let queue = try DatabaseQueue(path: harness.path)
            try await queue.write { db in
                try db.execute(sql: "DELETE FROM audit_log WHERE seq > ?", arguments: [head - 3])
            }
            try queue.close()
            let found = try await Self.verify(harness, checkpoint: kept)
            #expect(!found.intact && found.checkpointsChecked >= 1)
            #expect(found.problem.contains("newest entries were deleted"), "\(found.problem)")

            let garbled = try await #require(throws: ClientError.self) {
                _ = try await Self.verify(harness, checkpoint: "not a checkpoint")
            }
            #expect("\(garbled)".contains("checkpoint"))
        }
    }

    @Test func listingPagesThroughToTheEnd() async throws {
        try await AccessHarness.with(auditKey: AuditKey.random()) { harness in
            try await harness.store.appendAudit(
                (1...2_345).map { AuditEntry(atMs: Int64($0), method: "TEST", detail: "entry \($0)") }
            )
            let total = try await Self.entries(harness).count
            let auditor = harness.client(.auditor)
            defer { Task { await auditor.close() } }
            // Reading the log is audited, so every call adds an entry the next one returns: the
            // end is a page shorter than asked for.
            var seen: [Int64] = []
            var after: Int64 = 0
            var ended = false
            for _ in 0..<10 where !ended {
                var page: [AuditEntry] = []
                for try await entry in try await auditor.serverStream(
                    .auditList,
                    ListAuditRequest(limit: 1000, afterSeq: after, entity: "", entityId: "", actor: ""),
                    as: AuditEntry.self
                ) {
                    page.append(entry)
                }
                seen += page.map(\.seq)
                after = page.last?.seq ?? after
                ended = page.count < 1000
            }
            #expect(ended)
            #expect(seen.count >= total && total > 2_345)
            #expect(seen == Array(1...Int64(seen.count)), "every entry once, in order, then an empty page")
        }
    }
}
