import ChiboModel
import ChiboStore
import ChiboStoreSQLite
import Foundation
import Testing

/// `backup` copies a live database to a private file; `restore` puts a copy back, refusing to
/// replace a database unless asked, and the restored file opens with everything the copy held.
@Suite struct SQLiteBackupTests {
    static func mode(_ path: String) throws -> Int? {
        try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
    }

    @Test func aBackupIsAPrivateConsistentCopyThatRestores() async throws {
        let path = SQLiteStoreTests.temporaryPath()
        let store = try SQLiteStore(path: path)
        let commune = try await store.createOrgUnit(
            OrgUnit(code: "MB", name: "Đảng bộ xã Mường Bằng", kind: .commune),
            context: SQLiteStoreTests.context()
        )
        let copy = path + ".backup"
        try store.backup(to: copy)
        #expect(try Self.mode(copy) == 0o600)
        // A backup never overwrites.
        #expect(throws: StoreError.self) { try store.backup(to: copy) }

        // Changes after the backup are not in it.
        _ = try await store.createOrgUnit(
            OrgUnit(code: "MB-BO", name: "Chi bộ bản Bó", kind: .cell, parentId: commune.id),
            context: SQLiteStoreTests.context()
        )
        let target = SQLiteStoreTests.temporaryPath()
        try SQLiteStore.restore(from: copy, to: target, replace: false)
        #expect(try Self.mode(target) == 0o600)
        let restored = try SQLiteStore(path: target)
        #expect(try await restored.orgUnit(code: "MB")?.id == commune.id)
        #expect(try await restored.orgUnit(code: "MB-BO") == nil)
        #expect(try await restored.schemaVersion == store.schemaVersion)

        // An existing database is replaced only when asked.
        #expect(throws: StoreError.self) { try SQLiteStore.restore(from: copy, to: path, replace: false) }
        // Not a database: refused before anything is touched.
        let garbage = path + ".garbage"
        try Data("not a database".utf8).write(to: URL(fileURLWithPath: garbage))
        let other = SQLiteStoreTests.temporaryPath()
        #expect(throws: StoreError.self) { try SQLiteStore.restore(from: garbage, to: other, replace: false) }
        #expect(!FileManager.default.fileExists(atPath: other))
    }

    @Test func aBackupRefusesSymbolicLinks() throws {
        let path = SQLiteStoreTests.temporaryPath()
        let store = try SQLiteStore(path: path)
        let target = path + ".elsewhere"
        let dangling = path + ".dangling"
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: target)
        #expect(throws: StoreError.self) { try store.backup(to: dangling) }
        #expect(!FileManager.default.fileExists(atPath: target), "nothing written through the link")
    }

    @Test func restoreIsRefusedWhileAServerHoldsTheDatabase() throws {
        let path = SQLiteStoreTests.temporaryPath()
        let store = try SQLiteStore(path: path)
        let copy = path + ".backup"
        try store.backup(to: copy)
        do {
            let server = try DatabaseLock(databasePath: path, mode: .server)
            // Servers share the lock.
            let another = try DatabaseLock(databasePath: path, mode: .server)
            do {
                try SQLiteStore.restore(from: copy, to: path, replace: true)
                Issue.record("a restore under a server must be refused")
            } catch StoreError.failedPrecondition(let message) {
                #expect(message == "a chibo-server is using \(path) (pid \(getpid())); stop it first")
            }
            withExtendedLifetime((server, another)) {}
        }
        // No server starts while a restore holds the lock.
        do {
            let restore = try DatabaseLock(databasePath: path, mode: .restore)
            #expect(throws: StoreError.self) { _ = try DatabaseLock(databasePath: path, mode: .server) }
            withExtendedLifetime(restore) {}
        }
        try SQLiteStore.restore(from: copy, to: path, replace: true)
    }
}
