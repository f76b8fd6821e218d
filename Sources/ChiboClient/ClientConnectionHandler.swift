import ChiboModel
import ChiboWire
import NIOCore

/// What a server stream delivers: messages, then possibly a trailer from the `Close`.
enum StreamEvent: Sendable {
    case message([UInt8])
    case trailer([UInt8])
}

/// The client side of one connection: assigns call ids, writes frames and routes the server's
/// frames to the waiting calls. Confined to the channel's event loop.
final class ClientConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = Frame
    typealias OutboundOut = Frame

    private enum CallSink {
        case unary(CheckedContinuation<[UInt8], any Error>)
        case serverStream(AsyncThrowingStream<StreamEvent, any Error>.Continuation, consumed: Int)
        case clientStream(
            AsyncThrowingStream<[UInt8], any Error>.Continuation,
            window: Int,
            waiter: CheckedContinuation<Void, any Error>?
        )
    }

    private var calls: [UInt32: CallSink] = [:]
    private var timers: [UInt32: Scheduled<Void>] = [:]
    private var nextCallID: UInt32 = 1
    private var context: ChannelHandlerContext?
    private var welcomePromise: EventLoopPromise<Welcome>!
    private var welcomed = false
    /// Set once the server announced it is going away.
    private(set) var isGoingAway = false
    private(set) var isClosed = false
    private var limits = ConnectionLimits.default

    init() {}

    /// Completed by the server's welcome, or failed by a go-away or a close before it.
    var welcome: EventLoopFuture<Welcome> { welcomePromise.futureResult }

    /// Whether new calls can start on this connection.
    var isUsable: Bool { !isClosed && !isGoingAway && nextCallID < UInt32.max - 1 }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        welcomePromise = context.eventLoop.makePromise(of: Welcome.self)
    }

    // MARK: Starting calls

    private func allocateCallID() -> UInt32? {
        guard isUsable else { return nil }
        defer { nextCallID += 1 }
        return nextCallID
    }

    private static var unavailable: ClientError {
        ClientError(code: .unavailable, message: "the connection is closed or going away")
    }

    private func open(_ id: UInt32, method: Method, payload: [UInt8], timeout: Duration?) {
        let timeoutMs =
            timeout.map {
                UInt32(
                    clamping: max(1, $0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000)
                )
            } ?? 0
        write(Frame(callId: id, body: .open(Open(method: method, timeoutMs: timeoutMs, payload: payload))), flush: true)
        if let timeout, let context {
            // The server enforces the deadline; this timer covers a server that does not answer.
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            timers[id] = context.eventLoop.scheduleTask(
                in: TimeAmount.nanoseconds(Self.nanoseconds(timeout)) + .milliseconds(200)
            ) {
                loopBound.value.expire(id)
            }
        }
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }

    func startUnary(
        method: Method,
        payload: [UInt8],
        timeout: Duration?,
        continuation: CheckedContinuation<[UInt8], any Error>
    ) -> UInt32? {
        guard let id = allocateCallID() else {
            continuation.resume(throwing: Self.unavailable)
            return nil
        }
        calls[id] = .unary(continuation)
        open(id, method: method, payload: payload, timeout: timeout)
        return id
    }

    func startServerStream(
        method: Method,
        payload: [UInt8],
        timeout: Duration?,
        continuation: AsyncThrowingStream<StreamEvent, any Error>.Continuation
    ) -> UInt32? {
        guard let id = allocateCallID() else {
            continuation.finish(throwing: Self.unavailable)
            return nil
        }
        calls[id] = .serverStream(continuation, consumed: 0)
        open(id, method: method, payload: [UInt8](payload), timeout: timeout)
        return id
    }

    func startClientStream(
        method: Method,
        timeout: Duration?,
        continuation: AsyncThrowingStream<[UInt8], any Error>.Continuation
    ) -> UInt32? {
        guard let id = allocateCallID() else {
            continuation.finish(throwing: Self.unavailable)
            return nil
        }
        calls[id] = .clientStream(continuation, window: limits.initialWindow, waiter: nil)
        open(id, method: method, payload: [], timeout: timeout)
        return id
    }

    // MARK: Events from calls

    /// A client-stream message: written when the server's window allows, else parked.
    func sendStreamMessage(_ id: UInt32, payload: [UInt8], continuation: CheckedContinuation<Void, any Error>) {
        guard case .clientStream(let response, let window, _)? = calls[id] else {
            continuation.resume(throwing: CancellationError())
            return
        }
        guard window > 0 else {
            calls[id] = .clientStream(response, window: window, waiter: continuation)
            parkedPayloads[id] = payload
            return
        }
        calls[id] = .clientStream(response, window: window - 1, waiter: nil)
        write(Frame(callId: id, body: .data(StreamMessage(payload: payload))), flush: true)
        continuation.resume()
    }

    private var parkedPayloads: [UInt32: [UInt8]] = [:]

    /// The client sends no more stream messages on a call.
    func endStream(_ id: UInt32) {
        guard calls[id] != nil else { return }
        write(Frame(callId: id, body: .data(StreamMessage(end: true))), flush: true)
    }

    /// The consumer of a server stream took one message; credit goes back in batches.
    func consumed(_ id: UInt32) {
        guard case .serverStream(let continuation, let consumed)? = calls[id] else { return }
        let total = consumed + 1
        if total >= max(1, limits.initialWindow / 2) {
            calls[id] = .serverStream(continuation, consumed: 0)
            write(Frame(callId: id, body: .windowUpdate(WindowUpdate(messages: UInt32(total)))), flush: true)
        } else {
            calls[id] = .serverStream(continuation, consumed: total)
        }
    }

    /// The caller's task was cancelled: tell the server and fail the call.
    func cancel(_ id: UInt32) {
        guard let sink = calls.removeValue(forKey: id) else { return }
        write(Frame(callId: id, body: .cancel(Cancel())), flush: true)
        fail(sink, id: id, with: ClientError(code: .cancelled, message: "the call was cancelled"))
    }

    private func expire(_ id: UInt32) {
        guard let sink = calls.removeValue(forKey: id) else { return }
        write(Frame(callId: id, body: .cancel(Cancel())), flush: true)
        fail(sink, id: id, with: ClientError(code: .deadlineExceeded, message: "the deadline passed with no answer"))
    }

    private func fail(_ sink: CallSink, id: UInt32, with error: any Error) {
        timers.removeValue(forKey: id)?.cancel()
        parkedPayloads[id] = nil
        switch sink {
        case .unary(let continuation):
            continuation.resume(throwing: error)
        case .serverStream(let continuation, _):
            continuation.finish(throwing: error)
        case .clientStream(let continuation, _, let waiter):
            waiter?.resume(throwing: error)
            continuation.finish(throwing: error)
        }
    }

    // MARK: Frames from the server

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        let id = frame.callId
        switch frame.body {
        case .welcome(let welcome)?:
            if let wireLimits = welcome.limits { limits = ConnectionLimits(wire: wireLimits) }
            welcomed = true
            welcomePromise.succeed(welcome)
        case .close(let close)?:
            guard let sink = calls.removeValue(forKey: id) else { return }
            timers.removeValue(forKey: id)?.cancel()
            parkedPayloads[id] = nil
            if let status = close.status, status.code != .ok {
                fail(sink, id: id, with: ClientError(status: status))
                return
            }
            switch sink {
            case .unary(let continuation):
                continuation.resume(returning: close.payload)
            case .serverStream(let continuation, _):
                if !close.payload.isEmpty { continuation.yield(.trailer(close.payload)) }
                continuation.finish()
            case .clientStream(let continuation, _, let waiter):
                waiter?.resume(throwing: CancellationError())
                continuation.yield(close.payload)
                continuation.finish()
            }
        case .data(let message)?:
            guard case .serverStream(let continuation, _)? = calls[id], !message.end else { return }
            continuation.yield(.message(message.payload))
        case .windowUpdate(let update)?:
            guard case .clientStream(let response, let window, let waiter)? = calls[id] else { return }
            let newWindow = window + Int(update.messages)
            if let waiter, let payload = parkedPayloads.removeValue(forKey: id), newWindow > 0 {
                calls[id] = .clientStream(response, window: newWindow - 1, waiter: nil)
                write(Frame(callId: id, body: .data(StreamMessage(payload: payload))), flush: true)
                waiter.resume()
            } else {
                calls[id] = .clientStream(response, window: newWindow, waiter: waiter)
            }
        case .ping(let ping)?:
            write(Frame(callId: 0, body: .pong(Pong(opaque: ping.opaque))), flush: true)
        case .goAway(let goAway)?:
            isGoingAway = true
            let status = goAway.status ?? Status(code: .unavailable, message: "the server is going away")
            if !welcomed {
                welcomePromise.fail(ClientError(status: status))
            }
            // Calls the server will not complete fail now, as UNAVAILABLE (safe to retry).
            for (callID, sink) in calls where callID > goAway.lastCallId {
                calls[callID] = nil
                fail(sink, id: callID, with: ClientError(code: .unavailable, message: status.message))
            }
        case .pong?, .hello?, .open?, .cancel?, nil:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        isClosed = true
        if !welcomed {
            welcomePromise.fail(ClientError(code: .unavailable, message: "the server closed the connection"))
        }
        let open = calls
        calls.removeAll()
        for (id, sink) in open {
            fail(sink, id: id, with: ClientError(code: .unavailable, message: "the connection closed"))
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func write(_ frame: Frame, flush: Bool) {
        guard let context else { return }
        if flush {
            context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
        } else {
            context.write(wrapOutboundOut(frame), promise: nil)
        }
    }

    /// Sends the hello.
    func sendHello(_ hello: Hello) {
        write(Frame(callId: 0, body: .hello(hello)), flush: true)
    }
}
