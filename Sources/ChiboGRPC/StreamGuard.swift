import ChiboServer
import NIOCore
import NIOHTTP2

/// Sits first on each gRPC stream: reads the call's `authorization` header and counts the
/// request bytes of a call whose token is missing or not valid against its connection's
/// anonymous limit (`ConnectionGuard`). While the gate checks a token (a cached lookup), the
/// stream's reads wait, so HTTP/2 flow control holds the peer back.
final class StreamGuard: ChannelDuplexHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias InboundOut = HTTP2Frame.FramePayload
    typealias OutboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    private enum Standing {
        case unknown
        case checking
        case valid
        case anonymous
    }

    private let gate: (any CallGate)?
    private let connection: ConnectionGuard
    private var standing = Standing.unknown
    private var counted = 0
    private var readHeld = false
    /// Whether this stream counts among its connection's calls without a valid token.
    private var countedAsAnonymous = false

    init(gate: (any CallGate)?, connection: ConnectionGuard) {
        self.gate = gate
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .headers(let headers) where standing == .unknown:
            standOn(headers.headers.first(name: "authorization"), context: context)
            if standing != .valid {
                countedAsAnonymous = true
                guard connection.openAnonymousStream() else { return }
            }
        case .data(let data) where standing != .valid:
            counted += data.data.readableBytes
            guard connection.holdAnonymous(data.data.readableBytes) else { return }
        default:
            break
        }
        context.fireChannelRead(data)
    }

    private func standOn(_ authorization: String?, context: ChannelHandlerContext) {
        guard let gate else {
            standing = .valid
            return
        }
        let token = authorization.flatMap { value -> String? in
            let parts = value.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
            return String(parts[1])
        }
        guard let token, !token.isEmpty else {
            standing = .anonymous
            return
        }
        standing = .checking
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        Task {
            let valid = await gate.authenticate(helloToken: token) != nil
            loopBound.eventLoop.execute {
                let (handler, context) = loopBound.value
                handler.checked(valid: valid, context: context)
            }
        }
    }

    private func checked(valid: Bool, context: ChannelHandlerContext) {
        guard standing == .checking else { return }
        if valid {
            standing = .valid
            connection.releaseAnonymous(counted)
            counted = 0
            if countedAsAnonymous {
                countedAsAnonymous = false
                connection.closeAnonymousStream()
            }
        } else {
            standing = .anonymous
        }
        if readHeld {
            readHeld = false
            context.read()
        }
    }

    func read(context: ChannelHandlerContext) {
        if standing == .checking {
            readHeld = true
        } else {
            context.read()
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        connection.releaseAnonymous(counted)
        counted = 0
        if countedAsAnonymous {
            countedAsAnonymous = false
            connection.closeAnonymousStream()
        }
    }
}
