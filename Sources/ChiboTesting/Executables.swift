import Foundation

/// What a run of a built executable printed and returned.
public struct RunResult: Sendable {
    /// The exit status.
    public var status: Int32
    /// Everything written to standard output.
    public var stdout: String
    /// Everything written to standard error.
    public var stderr: String
}

/// Starts the built executables (`chibo-server`, `chibo`, `chibo-import`), which lie next to
/// the test bundle, in a clean environment.
public enum Executables {
    /// The folder of the built products.
    public static var folder: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }

    /// The path of the built executable `name`.
    public static func url(_ name: String) -> URL {
        folder.appendingPathComponent(name)
    }

    /// The caller's environment without CHIBO_* or NO_COLOR, with English messages, a config
    /// file in a fresh folder and a long client handshake deadline; `extra` is added last.
    public static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CHIBO_") && $0.key != "NO_COLOR" }
        env["LANG"] = "C.UTF-8"
        env["LC_ALL"] = nil
        env["LC_MESSAGES"] = nil
        env["CHIBO_CONFIG"] = temporaryFolder("chibo-config").appendingPathComponent("config.json").path
        // The clients' 5-second handshake deadline names a peer that does not speak Chibo; a test
        // server on a loaded machine may take longer to welcome (its token check waits for the
        // database), which is not what the tests are about. Tests of the deadline set their own.
        env["CHIBO_HANDSHAKE_TIMEOUT"] = "60"
        for (key, value) in extra { env[key] = value }
        return env
    }

    /// A started executable whose standard output and error go to files.
    public struct Started: Sendable {
        /// The running process.
        public let process: Process
        /// The file standard output goes to.
        public let out: URL
        /// The file standard error goes to.
        public let err: URL

        /// Waits for the process to end and reads what it printed.
        public func result() throws -> RunResult {
            process.waitUntilExit()
            return RunResult(
                status: process.terminationStatus,
                stdout: String(decoding: try Data(contentsOf: out), as: UTF8.self),
                stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self)
            )
        }
    }

    /// Starts `name` with `arguments` in `environment(extra)`; `stdin` is written to its
    /// standard input and closed (no input when nil).
    public static func start(
        _ name: String,
        _ arguments: [String],
        environment extra: [String: String] = [:],
        stdin: String? = nil
    ) throws -> Started {
        let process = Process()
        process.executableURL = url(name)
        process.arguments = arguments
        process.environment = environment(extra)
        let folder = temporaryFolder("chibo-run")
        let out = folder.appendingPathComponent("stdout")
        let err = folder.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        let input = stdin.map { _ in Pipe() }
        process.standardInput = input ?? FileHandle.nullDevice
        try process.run()
        if let input, let stdin {
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try input.fileHandleForWriting.close()
        }
        return Started(process: process, out: out, err: err)
    }

    /// Runs `name` to its end.
    public static func run(
        _ name: String,
        _ arguments: [String],
        environment extra: [String: String] = [:],
        stdin: String? = nil
    ) throws -> RunResult {
        try start(name, arguments, environment: extra, stdin: stdin).result()
    }

    /// Runs blocking work (waiting for a process) on a Dispatch thread instead of the Swift
    /// concurrency pool, which has a thread per core: a test that blocks it for long starves
    /// other tests' in-process servers of the threads they need to answer.
    public static func offThePool<Result: Sendable>(
        _ work: @escaping @Sendable () throws -> Result
    ) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Swift.Result { try work() }) }
        }
    }
}

/// A `chibo-server` process listening on a free loopback port, stopped by `stop()` or when it
/// is released.
public final class LaunchedServer: @unchecked Sendable {
    /// The running process.
    public let process = Process()
    /// The `host:port` it listens on, as it printed it.
    public let address: String

    /// Makes a token with `chibo-server token create` on `db`; `extra` is added to the command
    /// (an audit key, for instance).
    public static func makeToken(
        db: String,
        role: String,
        scope: String? = nil,
        name: String,
        extra: [String] = [],
        environment: [String: String] = [:]
    ) throws -> String {
        let process = Process()
        process.executableURL = Executables.url("chibo-server")
        process.arguments =
            ["token", "create", "--db", db, "--role", role, "--name", name] + (scope.map { ["--scope", $0] } ?? [])
            + extra
        process.environment = Executables.environment(environment)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Standard output, read line by line.
    private let output: FileHandle
    /// The file standard error goes to.
    public let errorLog: URL

    /// Starts `chibo-server --listen 127.0.0.1:0 --db db --log-level error` and `extra`, and
    /// reads the address it prints first (empty when it stopped before printing one).
    public init(db: String, extra: [String] = [], environment: [String: String] = [:]) throws {
        process.executableURL = Executables.url("chibo-server")
        // A long handshake deadline (see `TestServer.patientHandshake`) unless the test sets one.
        let handshake =
            extra.contains("--handshake-timeout")
            ? [] : ["--handshake-timeout", String(TestServer.patientHandshakeSeconds)]
        process.arguments = ["--listen", "127.0.0.1:0", "--db", db, "--log-level", "error"] + handshake + extra
        process.environment = Executables.environment(environment)
        let pipe = Pipe()
        output = pipe.fileHandleForReading
        errorLog = temporaryFolder("chibo-server-log").appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: errorLog.path, contents: nil)
        process.standardOutput = pipe
        process.standardError = try FileHandle(forWritingTo: errorLog)
        try process.run()
        address = Self.line(of: output)
    }

    private static func line(of handle: FileHandle) -> String {
        var line = Data()
        while true {
            let byte = handle.readData(ofLength: 1)
            if byte.isEmpty || byte == Data([0x0A]) { break }
            line += byte
        }
        return String(decoding: line, as: UTF8.self)
    }

    /// The next line the server prints after its address (the metrics address, for one).
    public func nextLine() -> String { Self.line(of: output) }

    /// What the server wrote to standard error so far.
    public var errors: String {
        (try? String(contentsOf: errorLog, encoding: .utf8)) ?? ""
    }

    /// The host and port of `address`; nil when the server printed none.
    public var hostAndPort: (host: String, port: Int)? {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else {
            return nil
        }
        return (String(address[..<colon]), port)
    }

    /// Stops the server and waits for it to end.
    public func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    deinit { if process.isRunning { stop() } }
}
