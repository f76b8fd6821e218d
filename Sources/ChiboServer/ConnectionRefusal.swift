import ChiboCodec
import ChiboModel
import ChiboWire
import NIOCore

/// Answers a connection the server will not take (too many connections in total or from its
/// address) with a go-away and closes it: as soon as the go-away is written, and at the latest
/// after `deadline` (on TLS the go-away waits for the TLS handshake, which a peer may never
/// finish).
final class ConnectionRefusalHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let status: Status
    private let deadline: TimeAmount
    private var sent = false

    /// Refuses with `status`, closing within `deadline`.
    init(status: Status, deadline: TimeAmount) {
        self.status = status
        self.deadline = deadline
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { refuse(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        refuse(context)
        context.fireChannelActive()
    }

    /// Whatever the peer sends is dropped.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    private func refuse(_ context: ChannelHandlerContext) {
        guard !sent else { return }
        sent = true
        let channel = context.channel
        let backstop = channel.eventLoop.scheduleTask(in: deadline) { channel.close(promise: nil) }
        let goAway = Frame(callId: 0, body: .goAway(GoAway(lastCallId: 0, status: status)))
        guard let buffer = try? FrameEncoding.buffer(for: goAway, allocator: channel.allocator) else {
            channel.close(promise: nil)
            return
        }
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in
            backstop.cancel()
            channel.close(promise: nil)
        }
    }
}
