import ChiboClient
import ChiboModel
import ChiboServer
import Foundation
import Logging
import NIOSSL
import Testing

/// The server speaks TLS 1.3, or TLS 1.2 with ECDHE and an AEAD cipher only: a client offering
/// only RSA key exchange or only CBC suites is refused, and a normal client is served after it.
/// The same clients are served by a server with swift-nio-ssl's defaults, so the refusal is the
/// server's choice and not the clients' inability.
@Suite struct TLSCipherTests {
    /// A self-signed RSA certificate for 127.0.0.1 (RSA key exchange needs an RSA key), in a
    /// new folder.
    static func rsaCertificate() throws -> (certificate: String, key: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chibo-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "rsa.key", "-out", "rsa.pem",
            "-days", "30", "-subj", "/CN=Chibo RSA test", "-addext", "subjectAltName=IP:127.0.0.1",
        ]
        process.currentDirectoryURL = folder
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "openssl made the RSA certificate")
        return (folder.appendingPathComponent("rsa.pem").path, folder.appendingPathComponent("rsa.key").path)
    }

    private func withServer(tls: NIOSSLContext, _ body: @Sendable (Int) async throws -> Void) async throws {
        var logger = Logger(label: "chibo.test")
        logger.logLevel = .critical
        let server = ChiboServer(
            configuration: ServerConfiguration(port: 0, tls: tls),
            registry: MethodRegistry(),
            logger: logger
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            try await body(try #require(try await server.listeningAddress.port))
            group.cancelAll()
        }
    }

    /// A TLS 1.2 client that trusts `ca` and offers only `ciphers`.
    private func client(trusting ca: String, ciphers: [NIOTLSCipher]) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .file(ca)
        configuration.minimumTLSVersion = .tlsv12
        configuration.maximumTLSVersion = .tlsv12
        configuration.cipherSuiteValues = ciphers
        return try NIOSSLContext(configuration: configuration)
    }

    /// A health check over `tls`: the error when it fails.
    private func health(port: Int, tls: NIOSSLContext) async -> ClientError? {
        let client = ChiboClient(
            host: "127.0.0.1",
            port: port,
            configuration: ClientConfiguration(maxAttempts: 1, tls: tls)
        )
        defer { Task { await client.close() } }
        do {
            let response = try await client.unary(.healthCheck, HealthCheckRequest(), as: HealthCheckResponse.self)
            return response.status == .serving ? nil : ClientError(code: .internal, message: "not serving")
        } catch let error as ClientError {
            return error
        } catch {
            return ClientError(code: .unknown, message: "\(error)")
        }
    }

    static let rsaKeyExchange: [NIOTLSCipher] = [
        .TLS_RSA_WITH_AES_128_GCM_SHA256, .TLS_RSA_WITH_AES_256_GCM_SHA384,
    ]
    static let cbc: [NIOTLSCipher] = [
        .TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, .TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, .TLS_RSA_WITH_AES_128_CBC_SHA,
    ]

    @Test func clientsOfferingOnlyRSAKeyExchangeOrCBCAreRefused() async throws {
        let (certificate, key) = try Self.rsaCertificate()
        let tls = try TLSSettings.server(certificate: certificate, key: key)
        try await withServer(tls: tls) { port in
            for (name, ciphers) in [("RSA key exchange", Self.rsaKeyExchange), ("CBC", Self.cbc)] {
                let refused = await health(port: port, tls: try client(trusting: certificate, ciphers: ciphers))
                #expect(refused?.code == .unavailable, "a client offering only \(name) suites")
                #expect(refused?.message.contains("TLS handshake") == true, "\(refused?.message ?? "served")")
                // A normal client is still served, on TLS 1.3 and on TLS 1.2 with ECDHE and AES-GCM.
                #expect(await health(port: port, tls: try ClientTLS.context(caCertificate: certificate)) == nil)
                let modern = try client(trusting: certificate, ciphers: [.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256])
                #expect(await health(port: port, tls: modern) == nil)
            }
            // The openssl binary, as an outside client, is refused a CBC suite over TLS 1.2 and
            // served an AEAD one.
            #expect(try Self.opensslHandshake(port: port, cipher: "AES128-SHA") != 0)
            #expect(try Self.opensslHandshake(port: port, cipher: "ECDHE-RSA-AES128-SHA") != 0)
            #expect(try Self.opensslHandshake(port: port, cipher: "ECDHE-RSA-AES128-GCM-SHA256") == 0)
        }
    }

    @Test func theSameClientsAreServedByALibraryDefaultServer() async throws {
        let (certificate, key) = try Self.rsaCertificate()
        let defaults = try NIOSSLContext(
            configuration: TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            )
        )
        try await withServer(tls: defaults) { port in
            for ciphers in [Self.rsaKeyExchange, Self.cbc] {
                let error = await health(port: port, tls: try client(trusting: certificate, ciphers: ciphers))
                #expect(error == nil, "\(error?.message ?? "")")
            }
            #expect(try Self.opensslHandshake(port: port, cipher: "AES128-SHA") == 0)
            #expect(try Self.opensslHandshake(port: port, cipher: "ECDHE-RSA-AES128-SHA") == 0)
        }
    }

    /// `openssl s_client -tls1_2 -cipher CIPHER` against the server: its exit status (0 when
    /// the handshake completed).
    static func opensslHandshake(port: Int, cipher: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl", "s_client", "-connect", "127.0.0.1:\(port)", "-tls1_2", "-cipher", cipher]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
