import ChiboClient
import ChiboModel
import Foundation
import GRDB
import Testing

/// The real `chibo-server` executable on a real database file: killed in the middle of writing,
/// it loses no acknowledged write; a file from a newer version is refused with a clear message.
@Suite(.serialized) struct DurabilityTests {
    /// The `chibo-server` built next to the test bundle.
    static var serverExecutable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "chibo-server"
        )
    }

    /// Starts `chibo-server` on a free port with the database at `path`; returns the process and
    /// the port, or the process and its standard error when it stopped at once.
    static func start(database path: String) throws -> (Process, Int?, Pipe) {
        let process = Process()
        process.executableURL = serverExecutable
        process.arguments = ["--listen", "127.0.0.1:0", "--db", path, "--log-level", "error"]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        var line = Data()
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data([0x0A]) { break }
            line += byte
        }
        let port = String(decoding: line, as: UTF8.self).split(separator: ":").last.flatMap { Int($0) }
        return (process, port, errors)
    }

    /// Makes an admin token with `chibo-server token create` on the database file.
    static func adminToken(database path: String) throws -> String {
        let process = Process()
        process.executableURL = serverExecutable
        process.arguments = ["token", "create", "--db", path, "--role", "admin", "--name", "durability"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func killedMidWriteItKeepsEveryAcknowledgedWrite() async throws {
        let path = OrgUnitServiceTests.temporaryDatabasePath()
        let token = try Self.adminToken(database: path)
        let (server, port, _) = try Self.start(database: path)
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
            group.addTask {
                while acknowledged.count < 200 && writersDone.count < 4 { try? await Task.sleep(for: .milliseconds(5)) }
                kill(server.processIdentifier, SIGKILL)
            }
        }
        server.waitUntilExit()
        await client.close()
        let ids = acknowledged.all
        #expect(ids.count >= 200)
        // Reopen the file as the server would and look for every acknowledged unit.
        let (restarted, newPort, _) = try Self.start(database: path)
        defer {
            restarted.terminate()
            restarted.waitUntilExit()
        }
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
        let (server, port, errors) = try Self.start(database: path)
        server.waitUntilExit()
        #expect(port == nil)
        #expect(server.terminationStatus != 0)
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
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
