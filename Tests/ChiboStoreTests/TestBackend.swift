import ChiboStore
import ChiboStorePostgres
import ChiboStoreSQLite
import Foundation
import Testing

/// The PostgreSQL server the test command started (`tools/postgres`), named by
/// `CHIBO_TEST_POSTGRES_URL` with its password in the file `CHIBO_TEST_POSTGRES_PASSWORD_FILE`.
/// Each store gets a schema of its own, so tests never see each other's records.
enum PostgresTestDatabase {
    static let environment = ProcessInfo.processInfo.environment

    /// Whether a server was given. `tools/test` always gives one and sets
    /// `CHIBO_REQUIRE_POSTGRES`, so there a missing server fails the tests instead of skipping them.
    static var isAvailable: Bool {
        environment["CHIBO_TEST_POSTGRES_URL"] != nil || environment["CHIBO_REQUIRE_POSTGRES"] != nil
    }

    /// A location in a new, empty schema.
    static func freshLocation() throws -> PostgresLocation {
        guard let url = environment["CHIBO_TEST_POSTGRES_URL"] else {
            throw StoreError.unavailable(
                "CHIBO_TEST_POSTGRES_URL is not set: run the tests with tools/test, which starts PostgreSQL"
            )
        }
        let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
        return try PostgresLocation(
            url: url + "?schema=\(schema)",
            passwordFile: environment["CHIBO_TEST_POSTGRES_PASSWORD_FILE"]
        )
    }

    /// A store in a new, empty schema.
    static func freshStore() async throws -> PostgresStore {
        try await PostgresStore(location: freshLocation(), readerThreads: 2)
    }
}

/// A store backend the shared store tests run on.
enum TestBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    /// SQLite always; PostgreSQL when the test command started a server.
    static var all: [TestBackend] { PostgresTestDatabase.isAvailable ? [.sqlite, .postgres] : [.sqlite] }

    var testDescription: String { rawValue }

    /// A new, empty store.
    func makeStore() async throws -> any Store {
        switch self {
        case .sqlite: try SQLiteStore(path: SQLiteStoreTests.temporaryPath())
        case .postgres: try await PostgresTestDatabase.freshStore()
        }
    }
}
