import ChiboServer
import Logging
import NIOCore

/// Sits on each gRPC connection after TLS: closes it when its handshake (TCP to TLS to the
/// HTTP/2 client preface) is not done within the handshake timeout, and keeps the account of the
/// request bytes its calls without a valid token hold, closing the connection when they pass the
/// anonymous limit (the Chibo listener's 64 KiB before authentication), or when more than
/// `maxAnonymousStreams` of its calls without a valid token are open at once: a peer without a
/// valid token costs itself its connection, never the server's memory.
final class ConnectionGuard: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// The HTTP/2 client preface's length: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".
    private static let prefaceLength = 24

    private let handshakeTimeout: TimeAmount
    private let anonymousLimit: Int
    private let logger: Logger
    private var timer: Scheduled<Void>?
    private var prefaceBytes = 0
    private var context: ChannelHandlerContext?
    /// Request bytes held by calls without a valid token, on all the connection's streams.
    private(set) var anonymousBytes = 0
    /// Calls without a valid token open now.
    private var anonymousStreams = 0
    /// Calls without a valid token a connection may have open at once (health and reflection
    /// need one or two).
    static let maxAnonymousStreams = 16

    init(handshakeTimeout: TimeAmount, anonymousLimit: Int, logger: Logger) {
        self.handshakeTimeout = handshakeTimeout
        self.anonymousLimit = anonymousLimit
        self.logger = logger
    }

    /// Whether the connection is counted in `chibo_connections{listener="grpc"}`.
    private var counted = false

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive {
            count()
            arm(context)
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        count()
        arm(context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        uncount()
    }

    private func count() {
        guard !counted else { return }
        counted = true
        CallMetrics.grpcConnections.increment()
    }

    private func uncount() {
        guard counted else { return }
        counted = false
        CallMetrics.grpcConnections.decrement()
    }

    private func arm(_ context: ChannelHandlerContext) {
        guard timer == nil, prefaceBytes < Self.prefaceLength else { return }
        let channel = context.channel
        let logger = self.logger
        let timeout = handshakeTimeout
        timer = context.eventLoop.scheduleTask(in: timeout) {
            logger.notice(
                "closing gRPC connection: no HTTP/2 preface within the handshake timeout",
                metadata: ["peer": "\(channel.remoteAddress.map { "\($0)" } ?? "?")", "timeout": "\(timeout)"]
            )
            channel.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if prefaceBytes < Self.prefaceLength {
            prefaceBytes += unwrapInboundIn(data).readableBytes
            if prefaceBytes >= Self.prefaceLength {
                timer?.cancel()
                timer = nil
            }
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        uncount()
        context.fireChannelInactive()
    }

    /// A stream without a valid token received `count` more request bytes; closes the
    /// connection and returns false when its anonymous calls together hold more than the limit.
    func holdAnonymous(_ count: Int) -> Bool {
        anonymousBytes += count
        guard anonymousBytes > anonymousLimit else { return true }
        logger.notice(
            "closing gRPC connection: calls without a valid token sent more than \(anonymousLimit) bytes",
            metadata: ["peer": "\(context?.channel.remoteAddress.map { "\($0)" } ?? "?")"]
        )
        closeSoon()
        return false
    }

    /// A stream without a valid token ended, or its token proved valid: its bytes are released.
    func releaseAnonymous(_ count: Int) {
        anonymousBytes -= count
    }

    /// A call without a valid token opened; closes the connection and returns false when too
    /// many are open.
    func openAnonymousStream() -> Bool {
        anonymousStreams += 1
        guard anonymousStreams > Self.maxAnonymousStreams else { return true }
        logger.notice(
            "closing gRPC connection: more than \(Self.maxAnonymousStreams) calls without a valid token open at once",
            metadata: ["peer": "\(context?.channel.remoteAddress.map { "\($0)" } ?? "?")"]
        )
        closeSoon()
        return false
    }

    /// Closes the connection once the event loop has finished what it is doing: a stream's read
    /// is being handled now, and HTTP/2's bookkeeping of that stream must complete first.
    private func closeSoon() {
        guard let channel = context?.channel else { return }
        channel.eventLoop.execute { channel.close(promise: nil) }
    }

    /// A call without a valid token ended.
    func closeAnonymousStream() {
        anonymousStreams -= 1
    }
}
