import Foundation
import Testing

/// The result of running the built `chibo`.
struct RunResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the built executables: `chibo` against a `chibo-server` on a free loopback port.
enum Binaries {
    /// The folder of the built products (next to the test bundle).
    static var folder: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }

    /// Runs `chibo` with `arguments`; `environment` adds to a clean environment (no CHIBO_*,
    /// English labels, a config file in a fresh folder unless given).
    static func chibo(
        _ arguments: [String],
        environment: [String: String] = [:],
        stdin: String? = nil
    ) throws -> RunResult {
        let process = Process()
        process.executableURL = folder.appendingPathComponent("chibo")
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CHIBO_") && $0.key != "NO_COLOR" }
        env["LANG"] = "C.UTF-8"
        env["LC_ALL"] = nil
        env["LC_MESSAGES"] = nil
        env["CHIBO_CONFIG"] = temporaryFolder().appendingPathComponent("config.json").path
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let folder = temporaryFolder()
        let outURL = folder.appendingPathComponent("stdout")
        let errURL = folder.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        return RunResult(
            status: process.terminationStatus,
            stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self)
        )
    }

    /// Runs blocking work (waiting for a process) on a Dispatch thread instead of the Swift
    /// concurrency pool, which has a thread per core: a test that blocks it for long can starve
    /// another test's in-process server of the threads it needs to answer.
    static func offThePool<Result: Sendable>(_ work: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Swift.Result { try work() }) }
        }
    }

    /// A new empty folder.
    static func temporaryFolder() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("chibo-cli-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// A `chibo-server` process on a fresh database with an admin token (`token`, given to every
/// `chibo` run as CHIBO_TOKEN unless the run sets its own), stopped by `stop()`.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let address: String
    let token: String
    let db: String

    /// Makes a token with `chibo-server token create` on a database file.
    static func makeToken(db: String, role: String, scope: String? = nil, name: String) throws -> String {
        let process = Process()
        process.executableURL = Binaries.folder.appendingPathComponent("chibo-server")
        process.arguments =
            ["token", "create", "--db", db, "--role", role, "--name", name] + (scope.map { ["--scope", $0] } ?? [])
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Starts a server on `db` (a new database in a new folder by default) with `token`, or a
    /// new admin token made first.
    init(
        db: String = Binaries.temporaryFolder().appendingPathComponent("chibo.sqlite").path,
        token existing: String? = nil
    ) throws {
        process.executableURL = Binaries.folder.appendingPathComponent("chibo-server")
        self.db = db
        token = try existing ?? Self.makeToken(db: db, role: "admin", name: "cli-test-admin")
        process.arguments = ["--listen", "127.0.0.1:0", "--db", db, "--log-level", "error"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data([0x0A]) { break }
            line += byte
        }
        address = String(decoding: line, as: UTF8.self)
    }

    /// Runs `chibo` against this server.
    func chibo(_ arguments: [String], environment: [String: String] = [:], stdin: String? = nil) throws -> RunResult {
        var env = environment
        env["CHIBO_SERVER"] = env["CHIBO_SERVER"] ?? address
        env["CHIBO_TOKEN"] = env["CHIBO_TOKEN"] ?? token
        return try Binaries.chibo(arguments, environment: env, stdin: stdin)
    }

    /// Runs `chibo` and expects exit code 0; returns standard output.
    func ok(
        _ arguments: [String],
        stdin: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> String {
        let result = try chibo(arguments, stdin: stdin)
        #expect(
            result.status == 0,
            "chibo \(arguments.joined(separator: " ")): \(result.stderr)",
            sourceLocation: sourceLocation
        )
        return result.stdout
    }

    /// Runs `chibo ... -o json` and returns the parsed `id` of the printed record.
    func createdID(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let text = try ok(arguments + ["-o", "json"], sourceLocation: sourceLocation)
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        return try #require(object?["id"] as? String, sourceLocation: sourceLocation)
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }

    deinit { if process.isRunning { stop() } }
}
