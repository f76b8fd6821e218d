import ChiboModel
import ChiboStore
import ChiboStorePostgres
import ChiboStoreSQLite
import ChiboStoreTransfer
import ChiboTesting
import Testing

/// Copying a SQLite database into PostgreSQL: everything arrives, and the copy goes on where the
/// file left off.
@Suite(.enabled(if: PostgresTestDatabase.isAvailable, "needs the PostgreSQL server tools/test starts"))
struct SQLiteToPostgresTests {

    @Test func everyRecordChangeAndAuditEntryArrivesAndTheCopyGoesOn() async throws {
        let source = try SQLiteStore(path: SQLiteStoreTests.temporaryPath())
        var context = SQLiteStoreTests.context("request-1")
        context.requestDigest = MutationContext.requestDigest(of: Array("the first request".utf8))
        let commune = try await source.createOrgUnit(
            OrgUnit(code: "MB", name: "Mường Bằng", kind: .commune),
            context: context
        )
        let cell = try await source.createOrgUnit(
            OrgUnit(code: "MB-BO", name: "Chi bộ bản Bó", kind: .cell, parentId: commune.id),
            context: SQLiteStoreTests.context()
        )
        var members: [Member] = []
        for index in 1...7 {
            members.append(
                try await source.createMember(
                    Member(
                        partyCardNumber: "BO-\(index)",
                        fullName: "Lò Văn \(index)",
                        cellId: cell.id,
                        events: [StatusEvent(kind: .admitted, effectiveOn: day(2015, 1, 1))]
                    ),
                    context: SQLiteStoreTests.context()
                )
            )
        }
        let meeting = try await source.recordMeeting(
            Meeting(
                cellId: cell.id,
                heldOn: day(2019, 3, 5),
                kind: .regular,
                attendance: members.map { AttendanceRecord(memberId: $0.id, state: .present) }
            ),
            partialAttendance: false,
            context: SQLiteStoreTests.context()
        )
        var renamed = cell
        renamed.name = "Chi bộ bản Bó Mười"
        _ = try await source.updateOrgUnit(renamed, mask: ["name"], context: SQLiteStoreTests.context())
        _ = try await source.createToken(
            TokenRecord(
                id: "tok-1",
                name: "admin",
                role: "admin",
                scopeUnitID: "",
                hash: "h",
                hint: "abcd",
                createdAtMs: 1
            )
        )

        let destination = try await PostgresTestDatabase.freshStore()
        let report = try await SQLiteToPostgres.copy(from: source, to: destination, pageSize: 3)
        #expect(report.tables.first { $0.table == "member" }?.rows == 7)
        #expect(report.tables.first { $0.table == "attendance" }?.rows == 7)

        #expect(try await destination.orgUnit(id: cell.id) == source.orgUnit(id: cell.id))
        for member in members {
            #expect(try await destination.member(id: member.id) == source.member(id: member.id))
        }
        #expect(try await destination.meeting(id: meeting.id, revision: nil) == meeting)
        #expect(try await destination.tokens() == source.tokens())
        #expect(
            try await destination.listRuleSets(RuleSetQuery()).records == source.listRuleSets(RuleSetQuery()).records
        )
        let changes = try await source.changes(after: 0, limit: 1000)
        #expect(try await destination.changes(after: 0, limit: 1000) == changes)
        let audit = try await destination.auditEntries(AuditQuery(afterSeq: 0, limit: 1000))
        #expect(audit == (try await source.auditEntries(AuditQuery(afterSeq: 0, limit: 1000))))
        #expect(AuditChain.verify(audit) == nil)
        // A retried request finds its first outcome on the new database.
        let retried = try await destination.createOrgUnit(
            OrgUnit(code: "MB", name: "Mường Bằng", kind: .commune),
            context: context
        )
        #expect(retried == commune)
        // The request's digest came along: the id with another request is refused there too.
        var other = context
        other.requestDigest = MutationContext.requestDigest(of: Array("another request".utf8))
        await #expect(throws: StoreError.self) {
            _ = try await destination.createOrgUnit(
                OrgUnit(code: "MB", name: "Mường Bằng", kind: .commune),
                context: other
            )
        }

        // Writing goes on after the copied positions: the change feed and the audit chain grow.
        _ = try await destination.createOrgUnit(
            OrgUnit(code: "MB-PH", name: "Chi bộ bản Phiêng", kind: .cell, parentId: commune.id),
            context: SQLiteStoreTests.context()
        )
        let after = try await destination.changes(after: changes.last?.seq ?? 0, limit: 10)
        #expect(after.count == 1)
        #expect(after.first?.seq == (changes.last?.seq ?? 0) + 1)
        let longer = try await destination.auditEntries(AuditQuery(afterSeq: 0, limit: 1000))
        #expect(AuditChain.verify(longer) == nil)
        #expect(longer.count > audit.count)

        // A second copy into the same schema is refused before anything is written.
        await #expect {
            _ = try await SQLiteToPostgres.copy(from: source, to: destination)
        } throws: { error in
            guard case StoreError.failedPrecondition(let message) = error else { return false }
            return message.contains("empty schema")
        }
        await destination.close()
    }
}
