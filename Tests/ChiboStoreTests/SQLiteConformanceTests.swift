import ChiboStore
import ChiboStoreConformance
import ChiboStoreSQLite
import Testing

/// The shared store conformance suite, on SQLite files.
@Suite struct SQLiteConformanceTests {
    @Test func sqlitePassesTheConformanceSuite() async {
        let failures = await StoreConformance.run { try SQLiteStore(path: SQLiteStoreTests.temporaryPath()) }
        #expect(failures.isEmpty, "\(failures.map(\.description).joined(separator: "\n"))")
        #expect(StoreConformance.checkNames.count >= 10)
    }
}
