import NIOCore

/// Keeps `concurrency` unary calls in flight on one connection: each reply sends the next
/// request; the requests written during a read burst go out in one flush at its end.
final class ClosedLoopHandler<Protocol: UnaryLoadProtocol>: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var wire: Protocol
    private let concurrency: Int
    private var received: ByteBuffer?
    private var outbound = ByteBuffer()
    private var nextID: UInt32 = 1
    /// Send times by call id, in a ring far larger than the calls in flight.
    private var sentAt = [UInt64](repeating: 0, count: 1 << 14)
    private var measuring = false
    private var running = true
    private var samples = LatencySamples()
    private var failures = 0
    /// With a limit, no more calls than this are sent, and `done` completes after the last.
    private let callLimit: Int?
    private var completed = 0
    /// Completed once calls are flowing; failed if the connection ends first.
    let started: EventLoopPromise<Void>
    /// Completed when `callLimit` calls have been answered.
    let done: EventLoopPromise<Void>

    init(protocol wire: Protocol, concurrency: Int, callLimit: Int? = nil, eventLoop: any EventLoop) {
        self.wire = wire
        self.concurrency = concurrency
        self.callLimit = callLimit
        self.started = eventLoop.makePromise()
        self.done = eventLoop.makePromise()
    }

    func channelActive(context: ChannelHandlerContext) {
        if let greeting = wire.greeting() {
            context.writeAndFlush(wrapOutboundOut(greeting), promise: nil)
        } else {
            startCalls(context)
        }
    }

    private func startCalls(_ context: ChannelHandlerContext) {
        for _ in 0..<min(concurrency, callLimit ?? concurrency) { sendNext() }
        context.writeAndFlush(wrapOutboundOut(outbound), promise: nil)
        outbound = context.channel.allocator.buffer(capacity: 4096)
        started.succeed()
    }

    private func sendNext() {
        let id = nextID
        nextID &+= 1
        sentAt[Int(id) & (sentAt.count - 1)] = NIODeadline.now().uptimeNanoseconds
        wire.writeRequest(id: id, into: &outbound)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if received == nil {
            received = bytes
        } else {
            received!.writeBuffer(&bytes)
        }
        do {
            while let reply = try wire.readReply(from: &received!) {
                switch reply {
                case .greeted:
                    startCalls(context)
                case .response(let id, let ok):
                    if !ok { failures += 1 }
                    if measuring {
                        samples.nanos.append(NIODeadline.now().uptimeNanoseconds - sentAt[Int(id) & (sentAt.count - 1)])
                    }
                    completed += 1
                    if completed == callLimit { done.succeed() }
                    if running, Int(nextID) <= callLimit ?? Int.max { sendNext() }
                }
            }
        } catch {
            context.fireErrorCaught(error)
            return
        }
        if received!.readableBytes == 0 { received = nil }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if outbound.readableBytes > 0 {
            context.writeAndFlush(wrapOutboundOut(outbound), promise: nil)
            outbound = context.channel.allocator.buffer(capacity: 4096)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        started.fail(error)
        done.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        started.fail(UnexpectedReply(description: "the connection closed"))
        done.fail(UnexpectedReply(description: "the connection closed"))
    }

    /// Starts recording latencies.
    func startMeasuring(expectedCalls: Int) {
        samples = LatencySamples(reserving: expectedCalls)
        measuring = true
    }

    /// Stops recording and sending; the latencies recorded, with the failures seen in the run.
    func stopMeasuring() -> LatencySamples {
        measuring = false
        running = false
        var result = samples
        result.failures = failures
        samples = LatencySamples()
        return result
    }
}
