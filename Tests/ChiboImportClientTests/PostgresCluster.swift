import ChiboTesting
import Foundation
import Synchronization

/// PostgreSQL servers of a test's own, started with `tools/postgres` in a fresh folder (a primary
/// and a hot standby, or one server), which the test may restart, stop and promote; stopped and
/// removed by `stop()`.
final class PostgresCluster: Sendable {
    /// The folder of the servers.
    let folder: URL
    /// The primary's URL (the only server's, without a standby).
    let primaryURL: String
    /// The standby's URL; nil without one.
    let standbyURL: String?
    /// The password of user chibo on every server.
    let password: String

    /// The repository's `tools/postgres`.
    static var tool: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("tools/postgres").path
    }

    /// Starts a primary and a standby (`pair`), or one server; durable (fsync on), as a
    /// deployment is, so that what was acknowledged survives a crash.
    init(pair: Bool) async throws {
        folder = temporaryFolder("chibo-postgres")
        let lines = try await Self.tool([pair ? "start-pair" : "start", folder.path, "--durable"])
            .split(separator: "\n").map(String.init)
        guard let first = lines.first else { throw ClusterError(text: "tools/postgres printed no URL") }
        primaryURL = first
        standbyURL = pair ? lines.dropFirst().first : nil
        let passwordFile = folder.appendingPathComponent("password").path
        password = try String(contentsOfFile: passwordFile, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs `body` on new servers (see `init`), stopping them after whatever happens.
    static func with(pair: Bool, _ body: (PostgresCluster) async throws -> Void) async throws {
        let cluster = try await PostgresCluster(pair: pair)
        do {
            try await body(cluster)
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    /// The folder of the primary's server.
    var primaryFolder: String { standbyURL == nil ? folder.path : folder.appendingPathComponent("primary").path }
    /// The folder of the standby's server.
    var standbyFolder: String { folder.appendingPathComponent("standby").path }

    /// The port of a server's URL.
    static func port(of url: String) -> String {
        String(url.split(separator: ":").last?.split(separator: "/").first ?? "")
    }

    /// The primary and the standby in libpq's multi-host form.
    var multiHostURL: String {
        "postgres://chibo@127.0.0.1:\(Self.port(of: primaryURL)),127.0.0.1:\(Self.port(of: standbyURL ?? ""))/chibo"
    }

    /// Runs `tools/postgres` with `arguments`; its standard output.
    @discardableResult
    static func tool(_ arguments: [String]) async throws -> String {
        try await run(tool, arguments, environment: [:])
    }

    /// Runs SQL with `psql` on the server of `url`; its answer, unaligned.
    @discardableResult
    func sql(_ url: String, _ statement: String) async throws -> String {
        try await Self.run(
            Self.binary("psql"),
            ["-h", "127.0.0.1", "-p", Self.port(of: url), "-U", "chibo", "-d", "chibo", "-qAtX", "-c", statement],
            environment: ["PGPASSWORD": password]
        ).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A `psql` session on the server of `url` kept open, running `statements`; it ends when
    /// its server does or on `terminate()`.
    func session(_ url: String, _ statements: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary("psql"))
        process.arguments = ["-h", "127.0.0.1", "-p", Self.port(of: url), "-U", "chibo", "-d", "chibo", "-qAtX"]
        process.environment = ProcessInfo.processInfo.environment.merging(["PGPASSWORD": password]) { $1 }
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data((statements + "\n").utf8))
        // The pipe stays open: psql waits for more and keeps its session.
        sessions.withLock { $0.append(input) }
        return process
    }

    private let sessions = Mutex<[Pipe]>([])

    /// Stops every server and removes the folder.
    func stop() async {
        _ = try? await Self.tool(["stop", folder.path])
        try? FileManager.default.removeItem(at: folder)
    }

    /// The newest installed PostgreSQL's program `name`.
    static func binary(_ name: String) -> String {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        let newest = versions.compactMap(Int.init).max().map(String.init) ?? ""
        return "/usr/lib/postgresql/\(newest)/bin/\(name)"
    }

    /// Runs a program to its end off the concurrency pool; its standard output, or an error
    /// with its standard error when it fails.
    static func run(_ path: String, _ arguments: [String], environment: [String: String]) async throws -> String {
        try await Executables.offThePool {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            let folder = temporaryFolder("chibo-run")
            let out = folder.appendingPathComponent("stdout")
            let err = folder.appendingPathComponent("stderr")
            _ = FileManager.default.createFile(atPath: out.path, contents: nil)
            _ = FileManager.default.createFile(atPath: err.path, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: out)
            process.standardError = try FileHandle(forWritingTo: err)
            process.standardInput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            let output = String(decoding: try Data(contentsOf: out), as: UTF8.self)
            guard process.terminationStatus == 0 else {
                let errors = String(decoding: try Data(contentsOf: err), as: UTF8.self)
                throw ClusterError(text: "\(path) \(arguments.joined(separator: " ")) failed: \(errors)")
            }
            return output
        }
    }

    /// A program of the test's failed.
    struct ClusterError: Error, CustomStringConvertible {
        var text: String
        var description: String { text }
    }
}
