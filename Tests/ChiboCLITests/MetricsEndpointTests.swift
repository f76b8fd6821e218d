import ChiboTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `chibo-server --metrics`: after real calls, `GET /metrics` answers Prometheus text with the
/// calls per method and status, their durations, errors and open connections; other paths 404.
@Suite struct MetricsEndpointTests {
    /// One HTTP/1.0 request over a plain socket: the status line and the body.
    static func get(_ host: String, _ port: UInt16, _ path: String) throws -> (status: String, body: String) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(descriptor >= 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        inet_pton(AF_INET, host, &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        #expect(connected == 0, "connect to \(host):\(port)")
        let request = Array("GET \(path) HTTP/1.0\r\nHost: \(host)\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            response += chunk[0..<count]
        }
        let text = String(decoding: response, as: UTF8.self)
        let parts = text.components(separatedBy: "\r\n\r\n")
        return (
            parts.first?.components(separatedBy: "\r\n").first ?? "", parts.dropFirst().joined(separator: "\r\n\r\n")
        )
    }

    @Test func metricsCountCallsPerMethodAndStatus() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("chibo.sqlite").path
        let token = try ServerProcess.makeToken(db: db, role: "admin", name: "metrics-test")
        let server = try LaunchedServer(db: db, extra: ["--metrics", "127.0.0.1:0"])
        defer { server.stop() }
        let address = server.address
        let metricsLine = server.nextLine()
        #expect(
            metricsLine.hasPrefix("metrics http://127.0.0.1:") && metricsLine.hasSuffix("/metrics"),
            "\(metricsLine)"
        )
        let port = UInt16(metricsLine.dropFirst("metrics http://127.0.0.1:".count).dropLast("/metrics".count)) ?? 0

        let environment = ["CHIBO_SERVER": address, "CHIBO_TOKEN": token]
        #expect(try Executables.run("chibo", ["units", "list"], environment: environment).status == 0)
        #expect(try Executables.run("chibo", ["units", "list"], environment: environment).status == 0)
        // A refused call: no such unit.
        #expect(
            try Executables.run(
                "chibo",
                ["call", "OrgUnits/Get", "-d", #"{"id":"ou-none"}"#],
                environment: environment
            )
            .status != 0
        )

        // An import of two units, one refused (no parent of that code).
        let units = folder.appendingPathComponent("units.csv")
        try Data("code,name,kind,parent\nMT,Đảng bộ xã Thử,Đảng bộ xã,\nMT-X,Chi bộ X,Chi bộ,KHONG-CO\n".utf8).write(
            to: units
        )
        let imported = try Executables.run(
            "chibo-import",
            [units.path, "--entity", "org_units", "--quiet"],
            environment: environment
        )
        #expect(imported.status == 1, "\(imported.stderr)")

        let (status, body) = try Self.get("127.0.0.1", port, "/metrics")
        #expect(status.hasSuffix("200 OK"), "\(status)")
        let lines = body.split(separator: "\n").map(String.init)
        func value(_ prefix: String) -> Double? {
            lines.first { $0.hasPrefix(prefix) }.flatMap { Double($0.split(separator: " ").last ?? "") }
        }
        #expect(value(#"chibo_calls_total{method="ORG_UNITS_LIST",code="OK"}"#) == 2, "\(body)")
        #expect(value(#"chibo_calls_total{method="ORG_UNITS_GET",code="NOT_FOUND"}"#) == 1, "\(body)")
        #expect(value(#"chibo_call_errors_total{method="ORG_UNITS_GET"}"#) == 1, "\(body)")
        #expect(body.contains(#"chibo_call_duration_seconds_count{method="ORG_UNITS_LIST"} 2"#), "\(body)")
        #expect(value("chibo_connections") != nil, "\(body)")
        #expect(value(#"chibo_import_rows_total{entity="org_units",outcome="inserted"}"#) == 1, "\(body)")
        #expect(value(#"chibo_import_rows_total{entity="org_units",outcome="rejected"}"#) == 1, "\(body)")
        #expect(try Self.get("127.0.0.1", port, "/other").status.contains("404"))
    }

    /// Connections are counted per listener: a gRPC connection held open is one in
    /// `chibo_connections{listener="grpc"}`, and leaves it when it closes.
    @Test func connectionsAreCountedOnEachListener() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("chibo.sqlite").path
        _ = try ServerProcess.makeToken(db: db, role: "admin", name: "metrics-test")
        let server = try LaunchedServer(db: db, extra: ["--grpc-listen", "127.0.0.1:0", "--metrics", "127.0.0.1:0"])
        defer { server.stop() }
        let grpcLine = server.nextLine()
        let metricsLine = server.nextLine()
        #expect(grpcLine.hasPrefix("grpc 127.0.0.1:"), "\(grpcLine)")
        let grpcPort = UInt16(grpcLine.dropFirst("grpc 127.0.0.1:".count)) ?? 0
        let metricsPort =
            UInt16(metricsLine.dropFirst("metrics http://127.0.0.1:".count).dropLast("/metrics".count)) ?? 0
        func connections(_ listener: String) throws -> Double? {
            let prefix = #"chibo_connections{listener=""# + listener + #""}"#
            return try Self.get("127.0.0.1", metricsPort, "/metrics").body.split(separator: "\n")
                .first { $0.hasPrefix(prefix) }.flatMap { Double($0.split(separator: " ").last ?? "") }
        }
        /// Asks again until the metric reads `expected` (the server counts on its event loop,
        /// after the connection is made or closed); a minute is far more than it takes.
        func waitFor(_ listener: String, _ expected: Double) throws -> Double? {
            let deadline = ContinuousClock.now + .seconds(60)
            var seen = try connections(listener)
            while seen != expected && ContinuousClock.now < deadline {
                usleep(20_000)
                seen = try connections(listener)
            }
            return seen
        }

        // A gRPC connection: TCP, then the HTTP/2 client preface and an empty SETTINGS frame,
        // so the handshake timeout does not close it.
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = grpcPort.bigEndian
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        #expect(connected == 0)
        let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + [0, 0, 0, 4, 0, 0, 0, 0, 0]
        _ = preface.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
        #expect(try waitFor("grpc", 1) == 1)
        close(descriptor)
        #expect(try waitFor("grpc", 0) == 0)
    }
}
