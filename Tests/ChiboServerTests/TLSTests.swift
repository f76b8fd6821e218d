import ChiboClient
import ChiboModel
import ChiboServer
import ChiboTesting
import Foundation
import Logging
import NIOSSL
import Testing

/// TLS through swift-nio-ssl with certificates made by `openssl` for the test: a server
/// certificate, mutual TLS with a client certificate, a wrong CA, plaintext against TLS; and
/// `chibo-server` refusing plaintext off loopback.
@Suite struct TLSTests {
    /// A CA, a server certificate for 127.0.0.1 and localhost, a client certificate, and a
    /// second CA that signed nothing here.
    struct Certificates {
        let folder: URL
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

        static func make() throws -> Certificates {
            let folder = temporaryFolder("chibo-tls")
            let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
            for ca in ["ca", "other-ca"] {
                try openssl(
                    ["req", "-x509"] + ec + [
                        "-keyout", "\(ca).key", "-out", "\(ca).pem", "-days", "30", "-subj", "/CN=Chibo test \(ca)",
                    ],
                    in: folder
                )
            }
            for (name, usage, san) in [
                ("server", "serverAuth", "subjectAltName=IP:127.0.0.1,DNS:localhost\n"),
                ("client", "clientAuth", ""),
            ] {
                try openssl(
                    ["req"] + ec + ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=chibo-\(name)"],
                    in: folder
                )
                try Data((san + "basicConstraints=CA:FALSE\nextendedKeyUsage=\(usage)\n").utf8)
                    .write(to: folder.appendingPathComponent("\(name).ext"))
                try openssl(
                    [
                        "x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                        "-out", "\(name).pem", "-days", "30", "-extfile", "\(name).ext",
                    ],
                    in: folder
                )
            }
            return Certificates(folder: folder)
        }

        static func openssl(_ arguments: [String], in folder: URL) throws {
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

    private func withServer(tls: NIOSSLContext, _ body: @Sendable (Int) async throws -> Void) async throws {
        try await TestServer.run(configuration: ServerConfiguration(port: 0, tls: tls)) { server in
            try await body(server.port)
        }
    }

    private func health(port: Int, tls: NIOSSLContext?) async -> Bool {
        let client = ChiboClient(
            host: "127.0.0.1",
            port: port,
            configuration: ClientConfiguration(connectTimeout: .seconds(5), maxAttempts: 1, tls: tls)
        )
        defer { Task { await client.close() } }
        do {
            let response = try await client.unary(.healthCheck, HealthCheckRequest(), as: HealthCheckResponse.self)
            return response.status == .serving
        } catch {
            return false
        }
    }

    @Test func serverCertificateTrustedThroughItsCA() async throws {
        let certificates = try Certificates.make()
        let tls = try TLSSettings.server(
            certificate: certificates.path("server.pem"),
            key: certificates.path("server.key")
        )
        try await withServer(tls: tls) { port in
            let trusting = try ClientTLS.context(caCertificate: certificates.path("ca.pem"))
            #expect(await health(port: port, tls: trusting))
            #expect(!(await health(port: port, tls: nil)), "plaintext against a TLS server fails")
            let wrongCA = try ClientTLS.context(caCertificate: certificates.path("other-ca.pem"))
            #expect(!(await health(port: port, tls: wrongCA)), "a server certificate from an unknown CA is refused")
        }
    }

    @Test func mutualTLSRequiresAClientCertificateFromTheCA() async throws {
        let certificates = try Certificates.make()
        let tls = try TLSSettings.server(
            certificate: certificates.path("server.pem"),
            key: certificates.path("server.key"),
            clientCA: certificates.path("ca.pem")
        )
        try await withServer(tls: tls) { port in
            let withoutCertificate = try ClientTLS.context(caCertificate: certificates.path("ca.pem"))
            #expect(!(await health(port: port, tls: withoutCertificate)), "no client certificate")
            let withCertificate = try ClientTLS.context(
                caCertificate: certificates.path("ca.pem"),
                certificate: certificates.path("client.pem"),
                key: certificates.path("client.key")
            )
            #expect(await health(port: port, tls: withCertificate))
            // A client certificate the server's CA did not sign.
            let stranger = try ClientTLS.context(
                caCertificate: certificates.path("ca.pem"),
                certificate: certificates.path("other-ca.pem"),
                key: certificates.path("other-ca.key")
            )
            #expect(!(await health(port: port, tls: stranger)))
        }
    }

    @Test func theExecutablesSpeakTLS() throws {
        let certificates = try Certificates.make()
        let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let database = certificates.path("chibo.sqlite")
        func run(_ name: String, _ arguments: [String]) throws -> (Int32, String, String) {
            let process = Process()
            process.executableURL = folder.appendingPathComponent(name)
            process.arguments = arguments
            process.environment = ["LANG": "C.UTF-8", "CHIBO_CONFIG": certificates.path("config.json")]
            let output = Pipe()
            let error = Pipe()
            process.standardOutput = output
            process.standardError = error
            try process.run()
            let out = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let err = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, out, err)
        }
        let (_, token, _) = try run("chibo-server", ["token", "create", "--db", database, "--role", "admin"])
        let server = Process()
        server.executableURL = folder.appendingPathComponent("chibo-server")
        server.arguments = [
            "--listen", "127.0.0.1:0", "--db", database, "--log-level", "error",
            "--tls-cert", certificates.path("server.pem"), "--tls-key", certificates.path("server.key"),
        ]
        let output = Pipe()
        server.standardOutput = output
        try server.run()
        defer {
            server.terminate()
            server.waitUntilExit()
        }
        var line = Data()
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data([0x0A]) { break }
            line += byte
        }
        let address = String(decoding: line, as: UTF8.self)
        let secret = token.trimmingCharacters(in: .whitespacesAndNewlines)
        let (ok, info, why) = try run(
            "chibo",
            [
                "server", "info", "-o", "json", "--server", address, "--token", secret, "--cacert",
                certificates.path("ca.pem"),
            ]
        )
        #expect(ok == 0, "\(why)")
        #expect(info.contains("sqlite"))
        let (plain, _, _) = try run("chibo", ["server", "info", "--server", address, "--token", secret])
        #expect(plain != 0, "plaintext against the TLS server fails")
    }

    @Test func plaintextIsRefusedOffLoopback() throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("chibo-server")
        let database = FileManager.default.temporaryDirectory.appendingPathComponent(
            "chibo-\(UUID().uuidString).sqlite"
        )
        func run(_ arguments: [String]) throws -> (Int32, String) {
            let process = Process()
            process.executableURL = binary
            process.arguments = arguments + ["--db", database.path]
            let error = Pipe()
            process.standardError = error
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let text = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, text)
        }
        let (status, message) = try run(["--listen", "0.0.0.0:0"])
        #expect(status != 0)
        #expect(message.contains("refusing to serve plaintext on 0.0.0.0"), "\(message)")
        let (mismatch, why) = try run(["--listen", "127.0.0.1:0", "--tls-cert", "x.pem"])
        #expect(mismatch != 0 && why.contains("--tls-cert and --tls-key go together"))
    }
}
