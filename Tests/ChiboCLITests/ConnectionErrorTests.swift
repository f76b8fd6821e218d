import ChiboServer
import ChiboTesting
import Foundation
import Logging
import Testing

/// `chibo` pointed at something that is not the Chibo server it expects says what it found, in
/// words: an HTTP server, a silent peer, a closed port, TLS against a plaintext server, and a
/// TLS server whose certificate it refuses (unknown CA, wrong host name, expired).
@Suite struct ConnectionErrorTests {
    /// `chibo server info` against `address` with `extra` arguments. The handshake deadline is
    /// long (a peer that answers is named by its answer, however loaded the machine) unless a
    /// test is about a peer that never answers and shortens it.
    private func serverInfo(
        _ address: String,
        _ extra: [String] = [],
        handshakeTimeout: String = "60"
    ) async throws -> RunResult {
        try await Executables.offThePool {
            try Executables.run(
                "chibo",
                ["server", "info", "--server", address] + extra,
                environment: ["CHIBO_TOKEN": "chibo_not_a_real_token", "CHIBO_HANDSHAKE_TIMEOUT": handshakeTimeout]
            )
        }
    }

    @Test func anHTTPServerIsNamed() async throws {
        let peer = try ForeignPeer(.http)
        defer { peer.stop() }
        let result = try await serverInfo("127.0.0.1:\(peer.port)")
        #expect(result.status != 0)
        #expect(
            result.stderr.contains(
                "127.0.0.1:\(peer.port) does not speak the Chibo protocol (it answered like an HTTP server)"
            ),
            "\(result.stderr)"
        )
    }

    @Test func aSilentPeerIsNamedWhenTheHandshakeDeadlinePasses() async throws {
        let peer = try ForeignPeer(.silent)
        defer { peer.stop() }
        let result = try await serverInfo("127.0.0.1:\(peer.port)", handshakeTimeout: "0.5")
        #expect(result.status != 0)
        #expect(
            result.stderr.contains(
                "127.0.0.1:\(peer.port) does not speak the Chibo protocol (it accepted the connection but did not "
                    + "answer the hello within 0.5 s)"
            ),
            "\(result.stderr)"
        )
    }

    @Test func aClosedPortSaysTheConnectionWasRefused() async throws {
        let peer = try ForeignPeer(.closed)
        defer { peer.stop() }
        let result = try await serverInfo("127.0.0.1:\(peer.port)")
        #expect(result.status != 0)
        #expect(result.stderr.contains("127.0.0.1:\(peer.port) refused the connection"), "\(result.stderr)")
        #expect(!result.stderr.contains("SingleConnectionFailure"), "no library internals")
        #expect(!result.stderr.contains("NIO"), "no library internals")
    }

    @Test func tlsAgainstAPlaintextServerAndPlaintextAgainstTLSAreNamed() async throws {
        let certificates = try TestCertificates.make()
        try await InProcessServer.with { port in
            let result = try await serverInfo("127.0.0.1:\(port)", ["--cacert", certificates.path("ca.pem")])
            #expect(result.status != 0)
            #expect(result.stderr.contains("127.0.0.1:\(port) does not speak TLS"), "\(result.stderr)")
        }
        let tls = try TLSSettings.server(
            certificate: certificates.path("server.pem"),
            key: certificates.path("server.key")
        )
        try await InProcessServer.with(ServerConfiguration(port: 0, tls: tls)) { port in
            let result = try await serverInfo("127.0.0.1:\(port)")
            #expect(result.status != 0)
            #expect(result.stderr.contains("connect with TLS"), "\(result.stderr)")
        }
    }

    @Test func certificateFailuresNameTheirReason() async throws {
        let certificates = try TestCertificates.make()
        for (name, expected) in [
            ("server", "is not signed by a CA this client trusts (unknown CA)"),
            ("wrong-name", "is not for 127.0.0.1 (wrong host name)"),
            ("expired", "expired on"),
        ] {
            let tls = try TLSSettings.server(
                certificate: certificates.path("\(name).pem"),
                key: certificates.path("\(name).key")
            )
            // The unknown CA case trusts another CA; the others trust the one that signed.
            let ca = name == "server" ? "other-ca.pem" : "ca.pem"
            try await InProcessServer.with(ServerConfiguration(port: 0, tls: tls)) { port in
                let result = try await serverInfo("127.0.0.1:\(port)", ["--cacert", certificates.path(ca)])
                #expect(result.status != 0)
                #expect(
                    result.stderr.contains("the TLS certificate of 127.0.0.1:\(port) \(expected)"),
                    "\(name): \(result.stderr)"
                )
            }
        }
        // A client that trusts the CA is served by the good certificate.
        let tls = try TLSSettings.server(
            certificate: certificates.path("server.pem"),
            key: certificates.path("server.key")
        )
        try await InProcessServer.with(ServerConfiguration(port: 0, tls: tls)) { port in
            let result = try await serverInfo("127.0.0.1:\(port)", ["--cacert", certificates.path("ca.pem")])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("protocolVersion"), "\(result.stdout)")
        }
    }
}

/// A gate-less Chibo server in this process (health only), plaintext or TLS.
enum InProcessServer {
    /// Runs `body` with the server's port.
    static func with(
        _ configuration: ServerConfiguration = ServerConfiguration(port: 0),
        _ body: @Sendable (Int) async throws -> Void
    ) async throws {
        var logger = Logger(label: "chibo.test")
        logger.logLevel = .critical
        let server = ChiboServer(
            configuration: configuration,
            registry: MethodRegistry(),
            logger: logger
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            try await body(try #require(try await server.listeningAddress.port))
            group.cancelAll()
        }
    }
}

/// Certificates made with `openssl` for the tests: a CA and another CA; signed by the first, a
/// server certificate for 127.0.0.1, one for another name only, and one that has expired.
struct TestCertificates {
    let folder: URL

    /// The path of a file in the folder.
    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    static func make() throws -> TestCertificates {
        let folder = temporaryFolder()
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        for ca in ["ca", "other-ca"] {
            try openssl(
                ["req", "-x509"] + ec + [
                    "-keyout", "\(ca).key", "-out", "\(ca).pem", "-days", "30", "-subj", "/CN=Chibo test \(ca)",
                ],
                in: folder
            )
        }
        for (name, san, days) in [
            ("server", "IP:127.0.0.1", "30"), ("wrong-name", "DNS:chibo.example", "30"),
            ("expired", "IP:127.0.0.1", "-1"),
        ] {
            try openssl(
                ["req"] + ec + ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=\(name)"],
                in: folder
            )
            try Data("subjectAltName=\(san)\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n".utf8)
                .write(to: folder.appendingPathComponent("\(name).ext"))
            try openssl(
                [
                    "x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                    "-out", "\(name).pem", "-days", days, "-extfile", "\(name).ext",
                ],
                in: folder
            )
        }
        return TestCertificates(folder: folder)
    }

    private static func openssl(_ arguments: [String], in folder: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        process.currentDirectoryURL = folder
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "openssl \(arguments.joined(separator: " "))")
    }
}
