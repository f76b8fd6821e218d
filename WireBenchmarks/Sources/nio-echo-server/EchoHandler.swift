import BenchSupport
import NIOCore

/// Answers each length-prefixed request with the length-prefixed unary response built from it;
/// writes made during a read burst are flushed once at its end.
final class EchoHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var pending: ByteBuffer?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var request = unwrapInboundIn(data)
        var out = pending ?? context.channel.allocator.buffer(capacity: 4096)
        let length = request.readableBytes
        // The same bytes as BenchWork.unaryResponseBytes(to:), written straight into the buffer.
        out.writeInteger(UInt32(length + 3))
        out.writeBytes([0x0a, UInt8(0x80 | (length & 0x7f)), UInt8(length >> 7)])
        out.writeBuffer(&request)
        pending = out
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let out = pending {
            pending = nil
            context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        }
        context.fireChannelReadComplete()
    }
}
