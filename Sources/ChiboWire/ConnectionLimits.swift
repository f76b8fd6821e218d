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
    /// The hello must arrive within this long of connecting.
    public var handshakeTimeout: Duration

    /// Creates limits; the defaults are those of docs/PROTOCOL.md.
    public init(
        maxFrameBytes: Int = 4 << 20,
        maxConcurrentCalls: Int = 100,
        initialWindow: Int = 64,
        idleTimeout: Duration = .seconds(300),
        handshakeTimeout: Duration = .seconds(10)
    ) {
        self.maxFrameBytes = maxFrameBytes
        self.maxConcurrentCalls = maxConcurrentCalls
        self.initialWindow = initialWindow
        self.idleTimeout = idleTimeout
        self.handshakeTimeout = handshakeTimeout
    }

    /// The defaults of docs/PROTOCOL.md.
    public static let `default` = ConnectionLimits()

    /// The limits as announced on the wire.
    public var wire: Limits {
        Limits(
            maxFrameBytes: UInt32(clamping: maxFrameBytes),
            maxConcurrentCalls: UInt32(clamping: maxConcurrentCalls),
            initialWindow: UInt32(clamping: initialWindow),
            idleTimeoutMs: UInt32(clamping: idleTimeout.milliseconds),
            handshakeTimeoutMs: UInt32(clamping: handshakeTimeout.milliseconds)
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
                ? defaults.handshakeTimeout : .milliseconds(wire.handshakeTimeoutMs)
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
