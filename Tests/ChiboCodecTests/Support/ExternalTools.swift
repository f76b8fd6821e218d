import Foundation
import Testing

/// The project's own files and the external programs the interop and golden tests run:
/// `protoc` (apt: protobuf-compiler) and a Python with the `protobuf` package (`CHIBO_PYTHON`,
/// else the virtualenv `tools/test` makes). A missing tool fails the test with a message saying
/// how to get it; it never skips silently.
enum ExternalTools {
    /// The package root, found from this file's path.
    static let projectRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The schema files, relative to `proto/`.
    static var protoFiles: [String] {
        let directory = projectRoot.appendingPathComponent("proto/chibo/v1")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".proto") }.sorted().map { "chibo/v1/" + $0 }
    }

    /// The Python interpreter with `protobuf` installed.
    static var python: String {
        if let configured = ProcessInfo.processInfo.environment["CHIBO_PYTHON"], !configured.isEmpty {
            return configured
        }
        return projectRoot.appendingPathComponent(".venv-tools/bin/python").path
    }

    /// What a tool printed and how it ended.
    struct Outcome {
        var status: Int32
        var stdout: Data
        var stderr: String
    }

    /// Runs `executable` (a path, or a name looked up on PATH) with `arguments`, feeding `input`.
    static func run(_ executable: String, _ arguments: [String], input: Data = Data()) throws -> Outcome {
        let process = Process()
        if executable.contains("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
        }
        process.currentDirectoryURL = projectRoot
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Read both pipes while the tool runs so that a large output cannot block it.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            outData = stdout.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        group.enter()
        DispatchQueue.global().async {
            errData = stderr.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        process.waitUntilExit()
        group.wait()
        return Outcome(
            status: process.terminationStatus,
            stdout: outData,
            stderr: String(decoding: errData, as: UTF8.self)
        )
    }

    /// Runs `protoc` over the schema with `arguments`; fails the test when protoc is missing.
    static func protoc(_ arguments: [String], input: Data = Data()) throws -> Outcome {
        do {
            return try run(
                "protoc",
                ["-I", projectRoot.appendingPathComponent("proto").path] + arguments + protoFiles,
                input: input
            )
        } catch {
            Issue.record("protoc could not be started (\(error)); install protobuf-compiler or run tools/test")
            throw error
        }
    }

    /// A descriptor set of the whole schema, made once per test run.
    static func descriptorSet() throws -> URL {
        let url = temporaryDirectory().appendingPathComponent("chibo.fds")
        let outcome = try protoc(["--include_imports", "--descriptor_set_out=" + url.path])
        guard outcome.status == 0 else {
            Issue.record("protoc failed: \(outcome.stderr)")
            throw ToolFailure.failed(outcome.stderr)
        }
        return url
    }

    /// A fresh temporary directory.
    static func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("chibo-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs the Python interop script; fails the test when Python or its protobuf package is missing.
    static func interop(_ arguments: [String]) throws -> Outcome {
        let script = projectRoot.appendingPathComponent("tools/interop/codec_interop.py").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            Issue.record("no Python at \(python): run tools/test, or set CHIBO_PYTHON to a Python with `protobuf`")
            throw ToolFailure.missing(python)
        }
        return try run(python, [script, "--descriptor-set", try descriptorSet().path] + arguments)
    }

    enum ToolFailure: Error {
        case missing(String)
        case failed(String)
    }
}
