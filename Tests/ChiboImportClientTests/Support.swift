import ChiboClient
import ChiboModel
import Foundation
import Testing

/// What a run of a built executable printed and returned.
struct RunResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the built executables (next to the test bundle): `chibo-import` and `chibo` against a
/// `chibo-server` on a free loopback port.
enum Binaries {
    /// The folder of the built products.
    static var folder: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }

    /// A clean environment: no CHIBO_* from the caller, a config file in a fresh folder.
    static func environment(_ extra: [String: String]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CHIBO_") }
        env["LANG"] = "C.UTF-8"
        env["CHIBO_CONFIG"] = temporaryFolder().appendingPathComponent("config.json").path
        for (key, value) in extra { env[key] = value }
        return env
    }

    /// Starts `name` with `arguments`, standard output and error going to files.
    static func start(
        _ name: String,
        _ arguments: [String],
        environment: [String: String]
    ) throws -> (process: Process, out: URL, err: URL) {
        let process = Process()
        process.executableURL = folder.appendingPathComponent(name)
        process.arguments = arguments
        process.environment = Self.environment(environment)
        let folder = temporaryFolder()
        let out = folder.appendingPathComponent("stdout")
        let err = folder.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (process, out, err)
    }

    /// Runs `name` to the end.
    static func run(_ name: String, _ arguments: [String], environment: [String: String]) throws -> RunResult {
        let (process, out, err) = try start(name, arguments, environment: environment)
        process.waitUntilExit()
        return RunResult(
            status: process.terminationStatus,
            stdout: String(decoding: try Data(contentsOf: out), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self)
        )
    }

    /// A new empty folder.
    static func temporaryFolder() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("chibo-import-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// A `chibo-server` with an admin token, and the cells `MB-BO` and `MB-PH` under the commune
/// `MB`; stopped by `stop()`. By default on a fresh SQLite file; given `database` (a
/// `postgres://` URL, its password in `serverEnvironment`) and the `token` of a server already
/// running there, a second server on the same database.
final class ImportServer: @unchecked Sendable {
    let process = Process()
    let address: String
    let token: String
    let folder = Binaries.temporaryFolder()
    /// The ids of the units made at start, by code (empty for a second server).
    private(set) var unitIDs: [String: String] = [:]

    /// A server on `database` (a new SQLite file by default); `auditKey` is the key file every
    /// server on a shared database is given, each writing its checkpoints in its own folder.
    init(
        database: String? = nil,
        serverEnvironment: [String: String] = [:],
        token existing: String? = nil,
        auditKey: String? = nil
    ) throws {
        let db = database ?? folder.appendingPathComponent("chibo.sqlite").path
        let checkpoint = folder.appendingPathComponent("audit.checkpoint").path
        let keyArguments = auditKey.map { ["--audit-key", $0, "--audit-checkpoint", checkpoint] } ?? []
        if let existing {
            token = existing
        } else {
            let maker = Process()
            maker.executableURL = Binaries.folder.appendingPathComponent("chibo-server")
            maker.arguments =
                ["token", "create", "--db", db, "--role", "admin", "--name", "import-test-admin"] + keyArguments
            maker.environment = Binaries.environment(serverEnvironment)
            let tokenOut = Pipe()
            maker.standardOutput = tokenOut
            maker.standardError = FileHandle.nullDevice
            try maker.run()
            let tokenData = tokenOut.fileHandleForReading.readDataToEndOfFile()
            maker.waitUntilExit()
            token = String(decoding: tokenData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        process.executableURL = Binaries.folder.appendingPathComponent("chibo-server")
        process.arguments = ["--listen", "127.0.0.1:0", "--db", db, "--log-level", "error"] + keyArguments
        process.environment = Binaries.environment(serverEnvironment)
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
        guard existing == nil else { return }
        let commune = try createUnit(["--name", "Đảng bộ xã Mường Bằng", "--code", "MB", "--kind", "commune"])
        unitIDs["MB"] = commune
        unitIDs["MB-BO"] = try createUnit(
            ["--name", "Chi bộ bản Bó", "--code", "MB-BO", "--kind", "cell", "--parent", commune]
        )
        unitIDs["MB-PH"] = try createUnit(
            ["--name", "Chi bộ bản Phiêng", "--code", "MB-PH", "--kind", "cell", "--parent", commune]
        )
    }

    private func createUnit(_ arguments: [String]) throws -> String {
        let result = try chibo(["units", "create"] + arguments + ["-o", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        return try #require(object?["id"] as? String, "\(result.stderr)")
    }

    var environment: [String: String] { ["CHIBO_SERVER": address, "CHIBO_TOKEN": token] }

    /// Runs `chibo`.
    func chibo(_ arguments: [String]) throws -> RunResult {
        try Binaries.run("chibo", arguments, environment: environment)
    }

    /// Runs `chibo-import`.
    func chiboImport(_ arguments: [String], environment extra: [String: String] = [:]) throws -> RunResult {
        try Binaries.run("chibo-import", arguments, environment: environment.merging(extra) { $1 })
    }

    /// A client with the admin token.
    func client() -> ChiboClient {
        let colon = address.lastIndex(of: ":")!
        return ChiboClient(
            host: String(address[..<colon]),
            port: Int(address[address.index(after: colon)...])!,
            configuration: ClientConfiguration(token: token, maxAttempts: 1)
        )
    }

    /// Import.Status; nil when nothing of the import is committed.
    func status(_ id: String) async throws -> ImportCheckpoint? {
        let client = client()
        defer { Task { await client.close() } }
        do {
            return try await client.unary(
                .importStatus,
                GetImportStatusRequest(importId: id),
                as: ImportCheckpoint.self
            )
        } catch let error as ClientError where error.code == .notFound {
            return nil
        }
    }

    /// Members stored, by listing them with `chibo`.
    func memberCards() throws -> [String] {
        let result = try chibo(["members", "list", "-o", "json", "--limit", "0"])
        let list = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
        return (list ?? []).compactMap { $0["partyCardNumber"] as? String }.sorted()
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }

    deinit { if process.isRunning { stop() } }
}

/// Writes `text` (or bytes) to a file in a fresh folder and returns its path.
func writeFile(_ name: String, _ bytes: [UInt8]) throws -> String {
    let path = Binaries.temporaryFolder().appendingPathComponent(name).path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

/// A members CSV of `count` rows with card numbers from `first`, all in cell MB-BO.
/// Runs blocking work (waiting for a process) on a Dispatch thread instead of the Swift
/// concurrency pool, which has a thread per core: a test that blocks it for a minute starves
/// other tests' in-process servers.
func offThePool<Result: Sendable>(_ work: @escaping @Sendable () throws -> Result) async throws -> Result {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Swift.Result { try work() }) }
    }
}

func rosterFile(count: Int, first: Int = 1) throws -> String {
    let path = Binaries.temporaryFolder().appendingPathComponent("roster-\(count).csv").path
    _ = FileManager.default.createFile(atPath: path, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    var chunk = "Số thẻ đảng viên,Họ và tên,Giới tính,Ngày sinh,Chi bộ\n"
    for index in first..<(first + count) {
        chunk += "\(String(format: "%08d", index)),Lò Văn Số \(index),Nam,01/02/1980,MB-BO\n"
        if chunk.utf8.count > 1 << 16 {
            handle.write(Data(chunk.utf8))
            chunk = ""
        }
    }
    handle.write(Data(chunk.utf8))
    return path
}

/// The JSON object in `path`.
func jsonObject(_ path: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
}

/// The records of a CSV file (quotes and doubled quotes understood).
func csvRecords(_ path: String) throws -> [[String]] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var records: [[String]] = []
    var fields: [String] = []
    var field = ""
    var quoted = false
    var previousQuote = false
    for character in text {
        if quoted {
            if character == "\"" {
                quoted = false
                previousQuote = true
            } else {
                field.append(character)
            }
            continue
        }
        switch character {
        case "\"":
            if previousQuote { field.append("\"") }
            quoted = true
        case ",":
            fields.append(field)
            field = ""
        case "\n", "\r\n":
            fields.append(field)
            records.append(fields)
            fields = []
            field = ""
        default:
            field.append(character)
        }
        previousQuote = false
    }
    if !field.isEmpty || !fields.isEmpty { records.append(fields + [field]) }
    return records
}
