import ChiboStore
import ChiboStoreConformance
import ChiboStorePostgres
import Testing

/// The shared store conformance suite, on PostgreSQL: the same checks SQLite passes.
@Suite(.enabled(if: PostgresTestDatabase.isAvailable, "needs the PostgreSQL server tools/test starts"))
struct PostgresConformanceTests {
    @Test func postgresPassesTheConformanceSuite() async {
        let failures = await StoreConformance.run { try await PostgresTestDatabase.freshStore() }
        #expect(failures.isEmpty, "\(failures.map(\.description).joined(separator: "\n"))")
        #expect(StoreConformance.checkNames.count >= 10)
    }
}
