import ChiboModel
import ChiboStore
import ChiboStorePostgres
import ChiboStoreSQL
import ChiboTesting
import Testing

/// `SQLStore.storageStats`, which `chibo-server stats` prints: every table and index of the
/// store's database with its bytes, tables with their rows, on every backend.
@Suite struct StorageStatsTests {
    @Test(arguments: TestBackend.all)
    func tablesAndIndexesAreCountedWithTheirRows(backend: TestBackend) async throws {
        let store = try #require(try await backend.makeStore() as? SQLStore)
        let context = SQLiteStoreTests.context()
        _ = try await store.createOrgUnit(OrgUnit(id: "mb", name: "Xã Mường Bằng", kind: .commune), context: context)
        _ = try await store.createOrgUnit(
            OrgUnit(id: "bo", name: "Chi bộ bản Bó", kind: .cell, parentId: "mb"),
            context: context
        )
        for index in 1...25 {
            _ = try await store.createMember(
                Member(
                    partyCardNumber: "91.\(1000 + index)",
                    fullName: "Lò Văn \(index)",
                    cellId: "bo",
                    events: [StatusEvent(kind: .admitted, effectiveOn: day(2005, 5, 19))]
                ),
                context: context
            )
        }
        let stats = try await store.storageStats()
        let member = try #require(stats.relations.first { $0.name == "member" })
        #expect(member.rows == 25 && !member.isIndex && member.bytes > 0)
        let byCard = try #require(stats.relations.first { $0.name == "member_by_card" })
        #expect(byCard.isIndex && byCard.table == "member" && byCard.bytes > 0)
        #expect(stats.relations.first { $0.name == "change_log" }?.rows == 27)
        #expect(stats.relations.first { $0.name == "audit_log" }?.rows == 27)
        #expect(stats.bytes(ofTable: "member") >= member.bytes + byCard.bytes)
        #expect(stats.totalBytes == stats.relations.reduce(0) { $0 + $1.bytes })
        await (store as? PostgresStore)?.close()
    }
}
