import BenchSupport
import ChiboModel
import NIOCore

/// Reads one Chibo server stream of `messages` benchmark members on a raw connection, granting
/// the window back in batches of half the initial window as it reads. A slow reader reads only
/// when `readSlowly()` is called (the channel's auto-read is off) and grants what it read then.
final class ChiboStreamReader: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private static let callID: UInt32 = 1
    private let messages: Int
    private let grantBatch: Int
    private let slow: Bool
    private var received: ByteBuffer?
    private var consumedSinceGrant = 0
    private(set) var count = 0
    private(set) var badMessages = 0
    /// Completed with the monotonic time of the first message's request, once the stream ends.
    let finished: EventLoopPromise<Double>
    private var openedAt = 0.0

    init(messages: Int, initialWindow: Int = 64, slow: Bool, eventLoop: any EventLoop) {
        self.messages = messages
        self.grantBatch = max(1, initialWindow / 2)
        self.slow = slow
        self.finished = eventLoop.makePromise()
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ChiboFrames.hello()), promise: nil)
        if slow { context.read() }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if received == nil {
            received = bytes
        } else {
            received!.writeBuffer(&bytes)
        }
        do {
            while let frame = try ChiboFrames.read(from: &received!) {
                switch frame {
                case .welcome:
                    openStream(context)
                case .data(_, let size):
                    count += 1
                    consumedSinceGrant += 1
                    if size != BenchWork.streamMessageBytes.count { badMessages += 1 }
                case .close(_, _, let failed):
                    if failed || count != messages {
                        finished.fail(UnexpectedReply(description: "stream ended after \(count) messages"))
                    } else {
                        finished.succeed(openedAt)
                    }
                    context.close(promise: nil)
                    return
                case .goAway:
                    throw UnexpectedReply(description: "the Chibo server sent a go-away")
                case .other:
                    break
                }
            }
        } catch {
            finished.fail(error)
            context.close(promise: nil)
            return
        }
        if received!.readableBytes == 0 { received = nil }
        if !slow { grantIfDue(context, batch: grantBatch) }
    }

    private func openStream(_ context: ChannelHandlerContext) {
        let request = try! ListMembersRequest(page: PageRequest(pageSize: Int32(messages))).serializedBytes()
        let open = ChiboFrames.encode(
            Frame(callId: Self.callID, body: .open(Open(method: .membersList, payload: request)))
        )
        openedAt = monotonicSeconds()
        context.writeAndFlush(wrapOutboundOut(open), promise: nil)
    }

    private func grantIfDue(_ context: ChannelHandlerContext, batch: Int) {
        guard consumedSinceGrant >= batch else { return }
        var update = context.channel.allocator.buffer(capacity: 16)
        ChiboFrames.writeWindowUpdate(callID: Self.callID, messages: UInt32(consumedSinceGrant), into: &update)
        consumedSinceGrant = 0
        context.writeAndFlush(wrapOutboundOut(update), promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if slow { grantIfDue(context, batch: 1) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finished.fail(UnexpectedReply(description: "the connection closed after \(count) messages"))
    }
}
