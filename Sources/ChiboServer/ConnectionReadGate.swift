import ChiboCodec
import ChiboModel
import ChiboWire
import NIOCore

/// Sits between the transport (TLS, when configured) and the frame decoder of one connection:
/// reports to the server's `MemoryBudget` the bytes the connection holds (a frame not yet whole,
/// writes not yet done), stops reading while the budget or a pending token check says so, and
/// closes the connection when the budget gives it up.
final class ConnectionReadGate: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The decoder's limit and hold, shared with the connection's handler.
    let control: FrameReadControl
    private let budget: MemoryBudget
    private var context: ChannelHandlerContext?
    private var outboundBytes = 0
    private var reported = 0
    private var pausedByBudget = false
    private var readPending = false
    private var closing = false

    /// A gate for one connection; `maxFrameBytes` is its frame limit until it authenticates.
    init(budget: MemoryBudget, maxFrameBytes: Int, authenticated: Bool) {
        self.budget = budget
        self.control = FrameReadControl(maxFrameBytes: maxFrameBytes, authenticated: authenticated)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        budget.register(ObjectIdentifier(self), Control(gate: NIOLoopBound(self, eventLoop: context.eventLoop)))
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        budget.remove(ObjectIdentifier(self))
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
        report()
    }

    func read(context: ChannelHandlerContext) {
        if pausedByBudget || control.holding {
            readPending = true
        } else {
            context.read()
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let bytes = unwrapOutboundIn(data).readableBytes
        outboundBytes += bytes
        let written = promise ?? context.eventLoop.makePromise()
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        written.futureResult.whenComplete { _ in
            let gate = loopBound.value
            gate.outboundBytes -= bytes
            gate.report()
        }
        context.write(data, promise: written)
        report()
    }

    /// Tells the budget what the connection holds now, and stops reading if it says so.
    private func report() {
        let held = control.bufferedBytes + outboundBytes
        guard held != reported, !closing else { return }
        reported = held
        if budget.report(ObjectIdentifier(self), held: held) { pausedByBudget = true }
    }

    /// The hold is over: decodes the bytes already buffered and reads again.
    func releaseHold() {
        guard let context else { return }
        control.holding = false
        // An empty read makes the decoder try the bytes it holds.
        context.fireChannelRead(wrapInboundOut(context.channel.allocator.buffer(capacity: 0)))
        report()
        context.fireChannelReadComplete()
        resumeIfPending()
    }

    private func resumeIfPending() {
        guard let context, readPending, !pausedByBudget, !control.holding else { return }
        readPending = false
        context.read()
    }

    private func resume() {
        pausedByBudget = false
        resumeIfPending()
    }

    private func exhaust(_ message: String) {
        guard let context, !closing else { return }
        closing = true
        let goAway = Frame(callId: 0, body: .goAway(GoAway(status: Status(code: .resourceExhausted, message: message))))
        let channel = context.channel
        if let buffer = try? FrameEncoding.buffer(for: goAway, allocator: channel.allocator) {
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        }
        channel.close(promise: nil)
    }

    /// The budget's hold on this connection, from any thread.
    private struct Control: BudgetedConnection {
        let gate: NIOLoopBound<ConnectionReadGate>

        func pauseReading() {
            gate.eventLoop.execute { gate.value.pausedByBudget = true }
        }

        func resumeReading() {
            gate.eventLoop.execute { gate.value.resume() }
        }

        func exhaust(_ message: String) {
            gate.eventLoop.execute { gate.value.exhaust(message) }
        }
    }
}
