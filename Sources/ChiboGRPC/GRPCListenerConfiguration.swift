import NIOSSL

/// How the gRPC listener listens and what it enforces beyond the limits it shares with the
/// Chibo listener (`CallDispatcher.limits`: largest message, concurrent calls per connection,
/// idle and handshake timeouts, the anonymous limit).
public struct GRPCListenerConfiguration: Sendable {
    /// Host to bind, for example "127.0.0.1".
    public var host: String
    /// Port to bind; 0 picks a free port.
    public var port: Int
    /// TLS for every connection, offering "h2" in ALPN (`TLSSettings.server(…,
    /// applicationProtocols: ["h2"])`); nil serves plaintext.
    public var tls: NIOSSLContext?
    /// Connections open at once; more are closed when accepted.
    public var maxConnections: Int
    /// Connections open at once from one IP address; more are closed when accepted.
    public var maxConnectionsPerAddress: Int
    /// Request bytes the calls of one connection may hold while none of them has a valid token.
    public var anonymousMaxBytes: Int
    /// How long calls in flight may run after a shutdown begins before connections are closed.
    public var shutdownGracePeriod: Duration

    /// Creates a configuration with the Chibo listener's defaults.
    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        tls: NIOSSLContext? = nil,
        maxConnections: Int = 4096,
        maxConnectionsPerAddress: Int = 256,
        anonymousMaxBytes: Int = 64 << 10,
        shutdownGracePeriod: Duration = .seconds(10)
    ) {
        self.host = host
        self.port = port
        self.tls = tls
        self.maxConnections = maxConnections
        self.maxConnectionsPerAddress = maxConnectionsPerAddress
        self.anonymousMaxBytes = anonymousMaxBytes
        self.shutdownGracePeriod = shutdownGracePeriod
    }
}
