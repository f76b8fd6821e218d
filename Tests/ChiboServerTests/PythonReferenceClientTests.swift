import Foundation
import Testing

/// The Python reference client, written from docs/PROTOCOL.md and proto/ alone, against the real
/// `chibo-server` executable: handshake, unary calls, a server stream read to its end through a
/// graceful shutdown.
@Suite(.serialized) struct PythonReferenceClientTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The `chibo-server` built next to the test bundle.
    static var serverExecutable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "chibo-server"
        )
    }

    static var python: String {
        ProcessInfo.processInfo.environment["CHIBO_PYTHON"].flatMap { $0.isEmpty ? nil : $0 }
            ?? root.appendingPathComponent(".venv-tools/bin/python").path
    }

    /// A running `chibo-server` on a free port, with an admin token made for it.
    final class RunningServer {
        let process = Process()
        let address: String
        let token: String
        private let output = Pipe()

        init() throws {
            process.executableURL = PythonReferenceClientTests.serverExecutable
            let database = FileManager.default.temporaryDirectory.appendingPathComponent(
                "chibo-python-\(UUID().uuidString).sqlite"
            )
            token = try PythonReferenceClientTests.makeToken(database: database.path)
            process.arguments = [
                "--listen", "127.0.0.1:0", "--log-level", "warning", "--shutdown-grace", "5", "--db", database.path,
            ]
            process.standardOutput = output
            try process.run()
            // The first line of standard output is the address.
            var line = Data()
            while true {
                let byte = output.fileHandleForReading.readData(ofLength: 1)
                if byte.isEmpty || byte == Data([0x0A]) { break }
                line += byte
            }
            address = String(decoding: line, as: UTF8.self)
        }

        func terminate() {
            process.terminate()
        }

        func waitForExit() -> Int32 {
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    /// Makes an admin token with `chibo-server token create` on the database file.
    static func makeToken(database: String) throws -> String {
        let process = Process()
        process.executableURL = serverExecutable
        process.arguments = ["token", "create", "--db", database, "--role", "admin", "--name", "python-interop"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func runClient(_ arguments: [String], address: String, token: String = "") throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments =
            [Self.root.appendingPathComponent("tools/interop/chibo_client.py").path, "--server", address]
            + (token.isEmpty ? [] : ["--token", token]) + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func unaryCallsFromPython() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.python), "run tools/test or set CHIBO_PYTHON")
        let server = try RunningServer()
        defer {
            server.terminate()
            _ = server.waitForExit()
        }
        #expect(server.address.hasPrefix("127.0.0.1:"))
        let (healthStatus, health) = try runClient(["health"], address: server.address)
        #expect(healthStatus == 0, "\(health)")
        #expect(health == "SERVING_STATUS_SERVING\n")
        // Server info needs a token; health does not.
        let (anonymousStatus, anonymous) = try runClient(["info"], address: server.address)
        #expect(anonymousStatus != 0)
        #expect(anonymous.contains("UNAUTHENTICATED"), "\(anonymous)")
        let (infoStatus, info) = try runClient(["info"], address: server.address, token: server.token)
        #expect(infoStatus == 0, "\(info)")
        #expect(info.contains("protocol_version: 1"))
        #expect(info.contains("max_frame_bytes: 4194304"))
    }

    @Test func aServerStreamReadToItsEndThroughShutdown() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.python), "run tools/test or set CHIBO_PYTHON")
        let server = try RunningServer()
        let client = Process()
        client.executableURL = URL(fileURLWithPath: Self.python)
        client.arguments = [
            Self.root.appendingPathComponent("tools/interop/chibo_client.py").path, "--server", server.address, "watch",
        ]
        let output = Pipe()
        client.standardOutput = output
        try client.run()
        // Wait for the first status, then shut the server down gracefully.
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("\n") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += chunk
        }
        #expect(String(decoding: seen, as: UTF8.self) == "SERVING_STATUS_SERVING\n")
        server.terminate()
        seen += output.fileHandleForReading.readDataToEndOfFile()
        client.waitUntilExit()
        #expect(client.terminationStatus == 0)
        #expect(
            String(decoding: seen, as: UTF8.self)
                == "SERVING_STATUS_SERVING\nSERVING_STATUS_NOT_SERVING\nstream ended\n"
        )
        #expect(server.waitForExit() == 0, "chibo-server exits cleanly after draining")
    }
}
