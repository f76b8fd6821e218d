import ChiboModel

/// The limits one side of a Chibo connection enforces; the server announces its own in `Welcome`.
public struct ConnectionLimits: Hashable, Sendable {
    /// Largest frame body (the bytes after the 4-byte length) accepted, checked before buffering.
    public var maxFrameBytes: Int
    /// Most calls a client may have open at once on one connection.
    public var maxConcurrentCalls: Int
    /// Stream messages a sender may send on a call before the receiver grants more.
    public var initialWindow: Int
    /// The connection is closed when no frame arrives for this long.
    public var idleTimeout: Duration
    /// The whole handshake (TLS, when configured, then the hello and its welcome) must end within
    /// this long of connecting.
    public var handshakeTimeout: Duration
    /// Largest frame body accepted before the connection has authenticated (a hello with a valid
    /// token); 0 (the default here: a peer without tokens) applies `maxFrameBytes` from the first
    /// byte. A server with access control sets it (see `ServerConfiguration`).
    public var anonymousMaxFrameBytes: Int
    /// Calls one token may have in flight across all its connections; 0 when there is no such
    /// limit. Announced here, enforced by the server's gate.
    public var maxCallsPerToken: Int
    /// Import.Run calls one token may have in flight; 0 when there is no such limit.
    public var maxImportsPerToken: Int

    /// Creates limits; the defaults are those of docs/PROTOCOL.md.
    public init(
        maxFrameBytes: Int = 4 << 20,
        maxConcurrentCalls: Int = 100,
        initialWindow: Int = 64,
        idleTimeout: Duration = .seconds(300),
        handshakeTimeout: Duration = .seconds(10),
        anonymousMaxFrameBytes: Int = 0,
        maxCallsPerToken: Int = 0,
        maxImportsPerToken: Int = 0
    ) {
        self.maxFrameBytes = maxFrameBytes
        self.maxConcurrentCalls = maxConcurrentCalls
        self.initialWindow = initialWindow
        self.idleTimeout = idleTimeout
        self.handshakeTimeout = handshakeTimeout
        self.anonymousMaxFrameBytes = anonymousMaxFrameBytes
        self.maxCallsPerToken = maxCallsPerToken
        self.maxImportsPerToken = maxImportsPerToken
    }

    /// The largest frame body accepted on a connection that has (or has not) authenticated.
    public func frameLimit(authenticated: Bool) -> Int {
        guard !authenticated, anonymousMaxFrameBytes > 0 else { return maxFrameBytes }
        return min(maxFrameBytes, anonymousMaxFrameBytes)
    }

    /// The defaults of docs/PROTOCOL.md.
    public static let `default` = ConnectionLimits()

    /// The limits as announced on the wire.
    public var wire: Limits { wire(authenticated: true) }

    /// The limits as announced on a connection: `max_frame_bytes` is the one in force on it.
    public func wire(authenticated: Bool) -> Limits {
        Limits(
            maxFrameBytes: UInt32(clamping: frameLimit(authenticated: authenticated)),
            maxConcurrentCalls: UInt32(clamping: maxConcurrentCalls),
            initialWindow: UInt32(clamping: initialWindow),
            idleTimeoutMs: UInt32(clamping: idleTimeout.milliseconds),
            handshakeTimeoutMs: UInt32(clamping: handshakeTimeout.milliseconds),
            anonymousMaxFrameBytes: UInt32(clamping: anonymousMaxFrameBytes),
            maxCallsPerToken: UInt32(clamping: maxCallsPerToken),
            maxImportsPerToken: UInt32(clamping: maxImportsPerToken)
        )
    }

    /// Limits read from a `Welcome`; zero values keep the defaults.
    public init(wire: Limits) {
        let defaults = ConnectionLimits.default
        self.init(
            maxFrameBytes: wire.maxFrameBytes == 0 ? defaults.maxFrameBytes : Int(wire.maxFrameBytes),
            maxConcurrentCalls: wire.maxConcurrentCalls == 0
                ? defaults.maxConcurrentCalls : Int(wire.maxConcurrentCalls),
            initialWindow: wire.initialWindow == 0 ? defaults.initialWindow : Int(wire.initialWindow),
            idleTimeout: wire.idleTimeoutMs == 0 ? defaults.idleTimeout : .milliseconds(wire.idleTimeoutMs),
            handshakeTimeout: wire.handshakeTimeoutMs == 0
                ? defaults.handshakeTimeout : .milliseconds(wire.handshakeTimeoutMs),
            anonymousMaxFrameBytes: Int(wire.anonymousMaxFrameBytes),
            maxCallsPerToken: Int(wire.maxCallsPerToken),
            maxImportsPerToken: Int(wire.maxImportsPerToken)
        )
    }
}

extension Duration {
    /// Whole milliseconds, rounded down; negative durations give 0.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return max(0, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}
