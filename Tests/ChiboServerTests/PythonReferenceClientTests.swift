import ChiboTesting
import Foundation
import Testing

/// The Python reference client, written from docs/PROTOCOL.md and proto/ alone, against the real
/// `chibo-server` executable: handshake, unary calls, a server stream read to its end through a
/// graceful shutdown.
@Suite(.serialized) struct PythonReferenceClientTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var python: String {
        ProcessInfo.processInfo.environment["CHIBO_PYTHON"].flatMap { $0.isEmpty ? nil : $0 }
            ?? root.appendingPathComponent(".venv-tools/bin/python").path
    }

    /// A running `chibo-server` on a free port, with an admin token made for it.
    final class RunningServer {
        let server: LaunchedServer
        let token: String

        /// The `host:port` it listens on.
        var address: String { server.address }

        init() throws {
            let database = temporaryFolder("chibo-python").appendingPathComponent("chibo.sqlite").path
            token = try LaunchedServer.makeToken(db: database, role: "admin", name: "python-interop")
            server = try LaunchedServer(db: database, extra: ["--shutdown-grace", "5"])
        }

        func terminate() {
            server.process.terminate()
        }

        func waitForExit() -> Int32 {
            server.process.waitUntilExit()
            return server.process.terminationStatus
        }
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
