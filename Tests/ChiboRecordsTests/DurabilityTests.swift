import ChiboClient
import ChiboModel
import ChiboTesting
import Foundation
import GRDB
import Testing

/// The real `chibo-server` executable on a real database file: killed in the middle of writing,
/// it loses no acknowledged write; a file from a newer version is refused with a clear message.
@Suite(.serialized) struct DurabilityTests {
    /// Makes an admin token with `chibo-server token create` on the database file.
    static func adminToken(database path: String) throws -> String {
        try LaunchedServer.makeToken(db: path, role: "admin", name: "durability")
    }

    @Test func killedMidWriteItKeepsEveryAcknowledgedWrite() async throws {
        let path = OrgUnitServiceTests.temporaryDatabasePath()
        let token = try Self.adminToken(database: path)
        let launched = try LaunchedServer(db: path)
        let server = launched.process
        let port = launched.hostAndPort?.port
        let client = ChiboClient(
            host: "127.0.0.1",
            port: try #require(port),
            configuration: ClientConfiguration(token: token)
        )
        let writersDone = AcknowledgedIDs()
        let acknowledged = AcknowledgedIDs()
        // Several writers at once; the server is killed (SIGKILL, no shutdown) while they write.
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    defer { writersDone.add("\(writer)") }
                    for index in 0..<10_000 {
                        let id = "u-\(writer)-\(index)"
                        do {
                            _ = try await client.unary(
                                .orgUnitsCreate,
                                CreateOrgUnitRequest(unit: OrgUnit(id: id, name: id, kind: .cell)),
                                as: OrgUnitResponse.self
                            )
                            acknowledged.add(id)
                        } catch {
                            return
                        }
                    }
                }
            }
            // Killed once writes are flowing, however slowly a loaded machine acknowledges them.
            group.addTask {
                try? await waitUntil("20 acknowledged writes", bound: .seconds(600)) {
                    acknowledged.count >= 20 || writersDone.count == 4
                }
                kill(server.processIdentifier, SIGKILL)
            }
        }
        server.waitUntilExit()
        await client.close()
        let ids = acknowledged.all
        #expect(ids.count >= 20)
        // Reopen the file as the server would and look for every acknowledged unit.
        let restarted = try LaunchedServer(db: path)
        defer { restarted.stop() }
        let newPort = restarted.hostAndPort?.port
        let reader = ChiboClient(
            host: "127.0.0.1",
            port: try #require(newPort),
            configuration: ClientConfiguration(token: token)
        )
        var stored = Set<String>()
        var pageToken = ""
        repeat {
            let page = try await reader.serverStream(
                .orgUnitsList,
                ListOrgUnitsRequest(page: PageRequest(pageSize: 1000, pageToken: pageToken)),
                as: OrgUnit.self
            )
            for try await unit in page { stored.insert(unit.id) }
            pageToken = try page.trailer(as: PageEnd.self)?.nextPageToken ?? ""
        } while !pageToken.isEmpty
        await reader.close()
        #expect(Set(ids).isSubset(of: stored), "\(Set(ids).subtracting(stored).count) acknowledged writes lost")
    }

    @Test func aDatabaseFromANewerVersionIsRefusedClearly() throws {
        let path = OrgUnitServiceTests.temporaryDatabasePath()
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
            try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('v99: from the future')")
        }
        let server = try LaunchedServer(db: path)
        server.process.waitUntilExit()
        #expect(server.hostAndPort == nil)
        #expect(server.process.terminationStatus != 0)
        let message = server.errors
        #expect(message.contains("written by a newer version of Chibo"), "\(message)")
    }

    /// The ids whose creation the server acknowledged.
    final class AcknowledgedIDs: @unchecked Sendable {
        private let lock = NSLock()
        private var ids: [String] = []

        func add(_ id: String) {
            lock.lock()
            ids.append(id)
            lock.unlock()
        }

        var count: Int {
            lock.lock()
            defer { lock.unlock() }
            return ids.count
        }

        var all: [String] {
            lock.lock()
            defer { lock.unlock() }
            return ids
        }
    }
}
