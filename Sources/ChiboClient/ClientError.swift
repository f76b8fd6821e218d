import ChiboModel
import NIOSSL

/// How a call failed: the status the server sent, or one the client made up for a local fault
/// (UNAVAILABLE when the connection failed, DEADLINE_EXCEEDED, CANCELLED).
public struct ClientError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The status code, numbered as in gRPC.
    public var code: StatusCode
    /// What went wrong, for a person.
    public var message: String
    /// For INVALID_ARGUMENT: each invalid field with its path and reason.
    public var violations: [FieldViolation]
    /// Whether retrying cannot help (the peer is not a Chibo server, its certificate is
    /// refused), so an idempotent call is not sent again.
    var isFinal = false

    /// Creates an error.
    public init(code: StatusCode, message: String, violations: [FieldViolation] = []) {
        self.code = code
        self.message = message
        self.violations = violations
    }

    /// An error from a status received on the wire.
    public init(status: Status) {
        self.init(code: status.code, message: status.message, violations: status.violations)
    }

    /// One line: code, message and violations.
    public var description: String {
        var text = "\(code.protoName ?? String(code.rawValue)): \(message)"
        for violation in violations { text += "; \(violation.field): \(violation.description)" }
        return text
    }
}

/// Per-call options.
public struct CallOptions: Hashable, Sendable {
    /// How long the call may take; sent to the server as a relative deadline and enforced here.
    public var timeout: Duration?
    /// Whether the call may safely be sent again: an idempotent call that fails with UNAVAILABLE
    /// (connection refused or lost) is retried with exponential backoff on a new connection.
    public var idempotent: Bool

    /// Creates options: no deadline, not retried.
    public init(timeout: Duration? = nil, idempotent: Bool = false) {
        self.timeout = timeout
        self.idempotent = idempotent
    }
}

/// How a client connects and retries.
public struct ClientConfiguration: Sendable {
    /// Name and version sent in the hello.
    public var clientName: String
    /// Bearer token sent in the hello; empty for anonymous calls.
    public var token: String
    /// How long to wait for the TCP connection.
    public var connectTimeout: Duration
    /// How long the handshake may take once connected (TLS, then the hello and the welcome): a
    /// peer that does not answer in time is named as one that does not speak the Chibo protocol.
    /// 20 s by default, so that a busy server is not mistaken for a foreign peer; `chibo` and
    /// `chibo-import` use 5 s (`CHIBO_HANDSHAKE_TIMEOUT`), where a person is waiting.
    public var handshakeTimeout: Duration
    /// Attempts for an idempotent call, the first included.
    public var maxAttempts: Int
    /// Delay before the first retry; doubled for every further one, up to `maxBackoff`.
    public var initialBackoff: Duration
    /// Longest delay between retries.
    public var maxBackoff: Duration
    /// TLS for the connection (see `ClientTLS`); nil for plaintext.
    public var tls: NIOSSLContext?
    /// The name the server's certificate must carry; the host connected to when nil.
    public var serverHostname: String?
    /// How the client waits between retries: `Task.sleep` unless a test gives a clock of its
    /// own (one that records the delays and returns at once, for instance).
    public var waitBeforeRetry: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }

    /// Creates a configuration.
    public init(
        clientName: String = "chibo-client/0.1.0",
        token: String = "",
        connectTimeout: Duration = .seconds(10),
        handshakeTimeout: Duration = .seconds(20),
        maxAttempts: Int = 5,
        initialBackoff: Duration = .milliseconds(100),
        maxBackoff: Duration = .seconds(5),
        tls: NIOSSLContext? = nil,
        serverHostname: String? = nil
    ) {
        self.clientName = clientName
        self.token = token
        self.connectTimeout = connectTimeout
        self.handshakeTimeout = handshakeTimeout
        self.maxAttempts = maxAttempts
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.tls = tls
        self.serverHostname = serverHostname
    }
}

/// A client's TLS context from PEM files: TLS 1.2 or later, trusting the CA that signed the
/// server's certificate (the system's roots when nil), with a client certificate and key for
/// mutual TLS.
public enum ClientTLS {
    /// The context.
    public static func context(
        caCertificate: String?,
        certificate: String? = nil,
        key: String? = nil
    ) throws
        -> NIOSSLContext
    {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        if let caCertificate {
            _ = try loading(caCertificate, "CA certificate") { try NIOSSLCertificate.fromPEMFile(caCertificate) }
            configuration.trustRoots = .file(caCertificate)
        }
        if let certificate, let key {
            configuration.certificateChain = try loading(certificate, "certificate") {
                try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
            }
            configuration.privateKey = .privateKey(
                try loading(key, "private key") { try NIOSSLPrivateKey(file: key, format: .pem) }
            )
        }
        return try NIOSSLContext(configuration: configuration)
    }

    /// Runs `body`, naming the file in any failure ("cannot read ca.pem as a PEM CA certificate: …").
    static func loading<T>(_ path: String, _ what: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw ClientError(code: .invalidArgument, message: "cannot read \(path) as a PEM \(what): \(error)")
        }
    }
}
