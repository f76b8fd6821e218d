import ChiboClient
import ChiboModel
import ChiboTesting
import Foundation
import Glibc
import Testing

/// A `chibo-server` with an admin token, and the cells `MB-BO` and `MB-PH` under the commune
/// `MB`; stopped by `stop()`. By default on a fresh SQLite file; given `database` (a
/// `postgres://` URL, its password in `serverEnvironment`) and the `token` of a server already
/// running there, a second server on the same database.
final class ImportServer: @unchecked Sendable {
    let launched: LaunchedServer
    let token: String
    let folder = temporaryFolder("chibo-import")
    /// The ids of the units made at start, by code (empty for a second server).
    private(set) var unitIDs: [String: String] = [:]

    /// The `host:port` the server listens on.
    var address: String { launched.address }
    /// The server's process.
    var process: Process { launched.process }

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
        token =
            try existing
            ?? LaunchedServer.makeToken(
                db: db,
                role: "admin",
                name: "import-test-admin",
                extra: keyArguments,
                environment: serverEnvironment
            )
        launched = try LaunchedServer(db: db, extra: keyArguments, environment: serverEnvironment)
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
        try Executables.run("chibo", arguments, environment: environment)
    }

    /// Runs `chibo-import`.
    func chiboImport(_ arguments: [String], environment extra: [String: String] = [:]) throws -> RunResult {
        try Executables.run("chibo-import", arguments, environment: environment.merging(extra) { $1 })
    }

    /// A client with the admin token.
    func client() -> ChiboClient {
        let (host, port) = launched.hostAndPort ?? ("127.0.0.1", 0)
        return ChiboClient(host: host, port: port, configuration: ClientConfiguration(token: token, maxAttempts: 1))
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

    func stop() { launched.stop() }
}

/// Writes `text` (or bytes) to a file in a fresh folder and returns its path.
func writeFile(_ name: String, _ bytes: [UInt8]) throws -> String {
    let path = temporaryFolder("chibo-import").appendingPathComponent(name).path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

/// A members CSV of `count` rows with card numbers from `first`, all in cell MB-BO.
func rosterFile(count: Int, first: Int = 1, cell: String = "MB-BO", born: String = "01/02/1980") throws -> String {
    let path = temporaryFolder("chibo-import").appendingPathComponent("roster-\(count).csv").path
    _ = FileManager.default.createFile(atPath: path, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    var chunk = "Số thẻ đảng viên,Họ và tên,Giới tính,Ngày sinh,Chi bộ\n"
    for index in first..<(first + count) {
        chunk += "\(String(format: "%08d", index)),Lò Văn Số \(index),Nam,\(born),\(cell)\n"
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

/// The records of a CSV file (quotes and doubled quotes understood; bytes that are not UTF-8 read
/// as replacement characters).
func csvRecords(_ path: String) throws -> [[String]] {
    // Leniently: a reject file quotes rows byte for byte, invalid UTF-8 included.
    let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
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

/// A roster that arrives in parts: a named pipe `chibo-import` reads as its CSV file, written
/// by the test a range of rows at a time, so the import cannot end before `finish()`, however
/// fast or slow the machine.
final class RosterPipe: @unchecked Sendable {
    /// The pipe's path, named `.csv` so that `chibo-import` reads it as CSV.
    let path: String
    private var descriptor: Int32 = -1

    init() throws {
        path = temporaryFolder("chibo-import").appendingPathComponent("roster.csv").path
        guard mkfifo(path, 0o600) == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        // A reader that dies mid-file makes the next write fail with EPIPE, not kill the tests.
        signal(SIGPIPE, SIG_IGN)
    }

    deinit { finish() }

    /// Opens the pipe for writing once the importer has opened it for reading; fails if
    /// `readerEnded` says the importer ended first.
    func open(readerEnded: @escaping () -> Bool) async throws {
        try await waitUntil("chibo-import to open the roster", every: .milliseconds(20)) {
            // Without a reader, a non-blocking open fails with ENXIO instead of waiting.
            descriptor = Glibc.open(path, O_WRONLY | O_NONBLOCK)
            if descriptor >= 0 { return true }
            guard errno == ENXIO, !readerEnded() else {
                throw RosterPipeError(message: "cannot open the roster pipe: chibo-import ended or errno \(errno)")
            }
            return false
        }
        // Writes wait for the reader from here on.
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
    }

    /// Writes the header (when `header`) and the members numbered `rows` of bản Bó, in the
    /// layout of `rosterFile`.
    func write(rows: ClosedRange<Int>, header: Bool = false) async throws {
        var text = header ? "Số thẻ đảng viên,Họ và tên,Giới tính,Ngày sinh,Chi bộ\n" : ""
        for index in rows {
            text += "\(String(format: "%08d", index)),Lò Văn Số \(index),Nam,01/02/1980,MB-BO\n"
        }
        let bytes = Array(text.utf8)
        let descriptor = self.descriptor
        try await Executables.offThePool {
            var written = 0
            while written < bytes.count {
                let count = bytes[written...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
                guard count > 0 else {
                    if count < 0, errno == EINTR { continue }
                    throw RosterPipeError(message: "the roster pipe's reader went away (errno \(errno))")
                }
                written += count
            }
        }
    }

    /// Closes the pipe: the importer reads the end of its file.
    func finish() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
    }
}

/// Why a `RosterPipe` could not be written.
struct RosterPipeError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
