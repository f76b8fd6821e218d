import BenchSupport
import Foundation

/// A benchmark server running as its own process: an executable built beside this one.
final class ServerProcess {
    let name: String
    let port: Int
    private let process: Process
    private let input: Pipe

    var pid: Int32 { process.processIdentifier }

    /// Starts the executable `name` and waits for its `LISTENING <port>` line.
    init(_ name: String) throws {
        let directory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let process = Process()
        process.executableURL = directory.appendingPathComponent(name)
        let output = Pipe()
        process.standardOutput = output
        // The server exits when this pipe closes, that is when this process ends.
        let input = Pipe()
        process.standardInput = input
        try process.run()
        var line: [UInt8] = []
        let handle = output.fileHandleForReading
        while true {
            let byte = handle.readData(ofLength: 1)
            guard let first = byte.first else { throw ServerFailed(name: name) }
            if first == UInt8(ascii: "\n") { break }
            line.append(first)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix(ServerAnnouncement.prefix), let port = Int(text.dropFirst(ServerAnnouncement.prefix.count))
        else { throw ServerFailed(name: name) }
        self.name = name
        self.port = port
        self.process = process
        self.input = input
    }

    /// Stops the server.
    func stop() {
        process.terminate()
        process.waitUntilExit()
    }

    struct ServerFailed: Error, CustomStringConvertible {
        var name: String
        var description: String { "the benchmark server \(name) did not start" }
    }
}
