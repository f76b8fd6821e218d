import ChiboWire
import Logging
import NIOSSL

/// How a Chibo server listens and what it enforces.
public struct ServerConfiguration: Sendable {
    /// Host to bind, for example "127.0.0.1" or "0.0.0.0".
    public var host: String
    /// Port to bind; 0 picks a free port.
    public var port: Int
    /// Limits enforced on every connection and announced in `Welcome`.
    public var limits: ConnectionLimits
    /// How long in-flight calls may run after a shutdown begins before connections are closed.
    public var shutdownGracePeriod: Duration
    /// Name and version reported in `Welcome` and server info.
    public var serverName: String
    /// Storage backend reported in server info.
    public var storage: String
    /// TLS for every connection; nil serves plaintext (see `TLSSettings`).
    public var tls: NIOSSLContext?
    /// Bytes all connections together may hold in frames not yet whole and writes not yet done
    /// (see `MemoryBudget` and docs/PROTOCOL.md section 7).
    public var memoryBudgetBytes: Int
    /// Largest frame body a connection may send before it authenticates (a hello with a valid
    /// token), when the registry has a gate; it replaces `limits.anonymousMaxFrameBytes` then.
    public var anonymousMaxFrameBytes: Int
    /// Connections open at once; more are answered with a go-away (RESOURCE_EXHAUSTED) and closed.
    public var maxConnections: Int
    /// Connections open at once from one IP address; more are answered like those over
    /// `maxConnections`.
    public var maxConnectionsPerAddress: Int

    /// Creates a configuration; the defaults listen on 127.0.0.1:7420.
    public init(
        host: String = "127.0.0.1",
        port: Int = 7420,
        limits: ConnectionLimits = .default,
        shutdownGracePeriod: Duration = .seconds(10),
        serverName: String = "chibo-server/\(ChiboVersion.current)",
        storage: String = "none",
        tls: NIOSSLContext? = nil,
        memoryBudgetBytes: Int = 32 << 20,
        anonymousMaxFrameBytes: Int = 64 << 10,
        maxConnections: Int = 4096,
        maxConnectionsPerAddress: Int = 256
    ) {
        self.host = host
        self.port = port
        self.limits = limits
        self.shutdownGracePeriod = shutdownGracePeriod
        self.serverName = serverName
        self.storage = storage
        self.tls = tls
        self.memoryBudgetBytes = memoryBudgetBytes
        self.anonymousMaxFrameBytes = anonymousMaxFrameBytes
        self.maxConnections = maxConnections
        self.maxConnectionsPerAddress = maxConnectionsPerAddress
    }
}

/// The version of this Chibo build.
public enum ChiboVersion {
    /// Semantic version of the server and client software.
    public static let current = "0.1.0"
}

/// The server's TLS context from PEM files: TLS 1.3, or TLS 1.2 with forward secrecy (ECDHE) and
/// an AEAD cipher only (`cipherSuites`); the server asks for a client certificate signed by
/// `clientCA` when one is given (mutual TLS for a district system). The client's side is
/// `ClientTLS` in ChiboClient.
public enum TLSSettings {
    /// The TLS 1.2 suites the server accepts: ECDHE key exchange with AES-GCM or
    /// ChaCha20-Poly1305. RSA key exchange (no forward secrecy) and CBC suites are refused.
    /// TLS 1.3's suites are all AEAD with ephemeral keys and are always on.
    public static let cipherSuites: [NIOTLSCipher] = [
        .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ]

    /// The server's context: its certificate chain and key, and optionally the CA whose client
    /// certificates it requires; `applicationProtocols` are offered in ALPN (gRPC needs "h2").
    public static func server(
        certificate: String,
        key: String,
        clientCA: String? = nil,
        applicationProtocols: [String] = []
    ) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try TLSFileError.loading(certificate, "certificate") {
                try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
            },
            privateKey: .privateKey(
                try TLSFileError.loading(key, "private key") { try NIOSSLPrivateKey(file: key, format: .pem) }
            )
        )
        configuration.minimumTLSVersion = .tlsv12
        configuration.cipherSuiteValues = cipherSuites
        configuration.applicationProtocols = applicationProtocols
        if let clientCA {
            _ = try TLSFileError.loading(clientCA, "CA certificate") { try NIOSSLCertificate.fromPEMFile(clientCA) }
            configuration.trustRoots = .file(clientCA)
            configuration.certificateVerification = .noHostnameVerification
        } else {
            configuration.certificateVerification = .none
        }
        return try NIOSSLContext(configuration: configuration)
    }
}

/// A TLS file that could not be read: which file, as what, and why.
public struct TLSFileError: Error, CustomStringConvertible {
    /// The file's path.
    public var path: String
    /// What it should hold, for example "certificate".
    public var what: String
    /// The TLS library's reason.
    public var reason: String

    /// "cannot read server.pem as a PEM certificate: …".
    public var description: String { "cannot read \(path) as a PEM \(what): \(reason)" }

    /// Runs `body`, naming the file in any failure.
    public static func loading<T>(_ path: String, _ what: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw TLSFileError(path: path, what: what, reason: "\(error)")
        }
    }
}
