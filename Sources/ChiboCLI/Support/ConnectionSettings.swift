import ChiboClient
import Foundation
import NIOSSL

/// Where and how to connect, resolved from flags, environment variables and the config file's
/// context: shared by `chibo` and `chibo-import`, so both read contexts and TLS flags alike.
public struct ConnectionSettings: @unchecked Sendable {
    // NIOSSLContext is immutable once made.
    /// HOST of the server.
    public var host: String
    /// PORT of the server.
    public var port: Int
    /// The bearer token; empty for anonymous.
    public var token: String
    /// The per-call timeout.
    public var timeout: Duration
    /// How long the handshake may take once connected (`CHIBO_HANDSHAKE_TIMEOUT` seconds;
    /// default 5, never more than the call timeout): a peer that does not answer in time is
    /// reported as one that does not speak the Chibo protocol.
    public var handshakeTimeout: Duration
    /// TLS for the connection; nil for plaintext.
    public var tlsContext: NIOSSLContext?
    /// The config file's context used, if any.
    public var context: ConnectionContext?

    /// The connection flags as given on the command line; nil where not given.
    public struct Flags: Sendable {
        /// `--server HOST:PORT`.
        public var server: String?
        /// `--token`.
        public var token: String?
        /// `--cacert FILE`.
        public var cacert: String?
        /// `--cert FILE`.
        public var cert: String?
        /// `--key FILE`.
        public var key: String?
        /// `--tls`.
        public var tls = false
        /// `--context NAME`.
        public var context: String?
        /// `--config FILE`.
        public var config: String?
        /// `--timeout SECONDS`.
        public var timeout: Double?

        /// Creates flags.
        public init(
            server: String? = nil,
            token: String? = nil,
            cacert: String? = nil,
            cert: String? = nil,
            key: String? = nil,
            tls: Bool = false,
            context: String? = nil,
            config: String? = nil,
            timeout: Double? = nil
        ) {
            self.server = server
            self.token = token
            self.cacert = cacert
            self.cert = cert
            self.key = key
            self.tls = tls
            self.context = context
            self.config = config
            self.timeout = timeout
        }
    }

    /// Resolves the settings: flags first, then environment variables (`CHIBO_SERVER`,
    /// `CHIBO_TOKEN`, `CHIBO_CONTEXT`, `CHIBO_TIMEOUT`, `CHIBO_CACERT`, `CHIBO_CERT`, `CHIBO_KEY`),
    /// then the context, then defaults (127.0.0.1:7420, anonymous, 30 seconds, plaintext);
    /// `CHIBO_HANDSHAKE_TIMEOUT` sets the handshake deadline.
    public init(_ flags: Flags, environment: [String: String]) throws(CLIFailure) {
        let path = CLIConfig.path(explicit: flags.config, environment: environment)
        let config = try CLIConfig.load(path: path)
        let contextName = flags.context ?? environment["CHIBO_CONTEXT"] ?? config.currentContext
        if !contextName.isEmpty {
            context = config.context(named: contextName)
            if context == nil && (flags.context != nil || environment["CHIBO_CONTEXT"] != nil) {
                throw CLIFailure.usage("no context named \"\(contextName)\" in \(path)")
            }
        }
        func nonEmpty(_ value: String?) -> String? { value?.isEmpty == false ? value : nil }
        let address =
            nonEmpty(flags.server) ?? nonEmpty(environment["CHIBO_SERVER"]) ?? nonEmpty(context?.server)
            ?? "127.0.0.1:7420"
        (host, port) = try Session.parseAddress(address)
        // `--token ""` asks for no token: it does not fall back to CHIBO_TOKEN or the context.
        token = flags.token ?? nonEmpty(environment["CHIBO_TOKEN"]) ?? context?.token ?? ""
        let seconds =
            flags.timeout ?? environment["CHIBO_TIMEOUT"].flatMap(Double.init)
            ?? ((context?.timeoutSeconds ?? 0) > 0 ? context?.timeoutSeconds : nil) ?? 30
        guard seconds > 0 else { throw CLIFailure.usage("--timeout must be more than 0 seconds") }
        timeout = .milliseconds(Int64(seconds * 1000))
        let handshakeSeconds = environment["CHIBO_HANDSHAKE_TIMEOUT"].map { Double($0) ?? -1 } ?? 5
        guard handshakeSeconds > 0 else {
            throw CLIFailure.usage("CHIBO_HANDSHAKE_TIMEOUT must be a number of seconds more than 0")
        }
        handshakeTimeout = min(.milliseconds(Int64(handshakeSeconds * 1000)), timeout)
        let cacert = nonEmpty(flags.cacert) ?? nonEmpty(environment["CHIBO_CACERT"])
        let cert = nonEmpty(flags.cert) ?? nonEmpty(environment["CHIBO_CERT"])
        let key = nonEmpty(flags.key) ?? nonEmpty(environment["CHIBO_KEY"])
        if (cert == nil) != (key == nil) { throw CLIFailure.usage("--cert and --key go together") }
        if flags.tls || cacert != nil || cert != nil {
            do {
                tlsContext = try ClientTLS.context(caCertificate: cacert, certificate: cert, key: key)
            } catch {
                throw CLIFailure.usage((error as? ClientError)?.message ?? "cannot load the TLS files: \(error)")
            }
        } else {
            tlsContext = nil
        }
    }

    /// A client for these settings; nothing connects until its first call.
    public func client(clientName: String, maxAttempts: Int = 2) -> ChiboClient {
        ChiboClient(
            host: host,
            port: port,
            configuration: ClientConfiguration(
                clientName: clientName,
                token: token,
                connectTimeout: min(timeout, .seconds(10)),
                handshakeTimeout: handshakeTimeout,
                maxAttempts: maxAttempts,
                tls: tlsContext
            )
        )
    }
}
