import ChiboCodec
import ChiboModel
import ChiboWire
import Logging
import NIOCore

/// Carries out the actions of a `ServerConnectionStateMachine` on one channel: starts handlers,
/// writes frames, runs timers. Frames are encoded into one buffer, written and flushed once per
/// read burst, or outside a burst once the event loop has run the tasks already queued.
final class ServerConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = Frame
    typealias OutboundOut = ByteBuffer

    private var machine: ServerConnectionStateMachine
    private let handlers: [Method: MethodRegistry.Handler]
    private var logger: Logger
    private var context: ChannelHandlerContext?
    /// The client's address, read once: asking the channel costs a system call.
    private var remoteAddress: SocketAddress?
    /// The bearer token of the client's hello.
    private var token = ""

    private var tasks: [UInt32: Task<Void, Never>] = [:]
    private var deadlines: [UInt32: Scheduled<Void>] = [:]
    private var requestStreams: [UInt32: RequestByteStream] = [:]
    /// Server streams: messages taken from each call's writer and not yet written.
    private var streams: [UInt32: StreamBacklog] = [:]

    private var readingBurst = false
    private var needsFlush = false
    private var flushScheduled = false
    /// Frames encoded since the last flush.
    private var outbound: ByteBuffer?
    /// When the last frame arrived, on the event loop's clock (so a test loop's time moves it).
    private var lastFrameAt = NIODeadline.uptimeNanoseconds(0)
    private var handshakeTimer: Scheduled<Void>?
    private var idleTimer: Scheduled<Void>?

    /// The gate that admits calls, asked again about the token while calls that need it are open.
    private let gate: (any CallGate)?
    /// How often the token is checked again while calls are open; nil never.
    private let recheckInterval: TimeAmount?
    /// Open calls that stand on the connection's token: a failed recheck ends them.
    private var tokenCalls: Set<UInt32> = []
    private var recheckTimer: Scheduled<Void>?
    private var recheckRunning = false

    /// The connection's read gate: its frame limit, held while the hello's token is checked.
    private let readGate: ConnectionReadGate?
    /// Whether the hello has arrived (it may still wait for its token check).
    private var helloArrived = false
    /// The token's call slots, once the hello's token has proved valid.
    private var tokenSlots: (any TokenCallSlots)?
    /// Open calls holding one of the token's slots.
    private var slotCalls: Set<UInt32> = []

    init(
        limits: ConnectionLimits,
        serverName: String,
        registry: MethodRegistry,
        logger: Logger,
        readGate: ConnectionReadGate? = nil
    ) {
        self.machine = ServerConnectionStateMachine(
            limits: limits,
            serverName: serverName,
            methods: registry.callKinds
        )
        self.handlers = registry.handlers
        self.logger = logger
        self.gate = registry.gate
        self.recheckInterval = registry.gate?.recheckInterval.map { TimeAmount($0) }
        self.readGate = readGate
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        // One handler per connection, added once and removed once.
        CallMetrics.connections.increment()
        if let remote = context.remoteAddress {
            logger[metadataKey: "peer"] = "\(remote)"
        }
        if context.channel.isActive { armTimers(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        armTimers(context)
        context.fireChannelActive()
    }

    private func armTimers(_ context: ChannelHandlerContext) {
        guard handshakeTimer == nil else { return }
        lastFrameAt = context.eventLoop.now
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        // One deadline for the whole handshake: TLS (when configured), the hello, its token check.
        handshakeTimer = context.eventLoop.scheduleTask(in: TimeAmount(machine.limits.handshakeTimeout)) {
            loopBound.value.handshakeTimedOut()
        }
        scheduleIdleCheck(after: TimeAmount(machine.limits.idleTimeout))
    }

    /// Sends the go-away and closes without waiting for the write: a TLS peer that never finished
    /// its handshake would hold the connection open forever.
    private func handshakeTimedOut() {
        guard let context else { return }
        switch machine.handshakeTimedOut(helloArrived: helloArrived) {
        case .sendAndClose(let frame):
            if encode(frame), let buffer = outbound {
                outbound = nil
                needsFlush = false
                context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            }
            context.close(promise: nil)
        case let action:
            perform(action)
            flushIfNeeded()
        }
    }

    private func scheduleIdleCheck(after delay: TimeAmount) {
        guard let context else { return }
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        idleTimer = context.eventLoop.scheduleTask(in: delay) {
            loopBound.value.checkIdle()
        }
    }

    private func checkIdle() {
        guard let context else { return }
        let idleTimeout = TimeAmount(machine.limits.idleTimeout)
        let idleFor = context.eventLoop.now - lastFrameAt
        if idleFor >= idleTimeout, machine.openCalls == 0 {
            perform(machine.idleTimedOut())
            flushIfNeeded()
        } else {
            scheduleIdleCheck(after: max(idleTimeout - idleFor, .milliseconds(10)))
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        readingBurst = true
        lastFrameAt = context.eventLoop.now
        if !helloArrived, case .hello(let hello)? = frame.body, frame.callId == 0 {
            helloArrived = true
            token = hello.token
            if let gate, let readGate, !hello.token.isEmpty {
                checkHello(frame, gate: gate, readGate: readGate)
                return
            }
        }
        receive(frame)
    }

    private func receive(_ frame: Frame) {
        let wasEstablished = machine.isEstablished
        perform(machine.receive(frame))
        if !wasEstablished, machine.isEstablished {
            handshakeTimer?.cancel()
            handshakeTimer = nil
        }
    }

    /// Holds the connection's frames while the gate checks the hello's token, then welcomes it
    /// with the frame limit that follows.
    private func checkHello(_ hello: Frame, gate: any CallGate, readGate: ConnectionReadGate) {
        guard let context else { return }
        readGate.control.holding = true
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let token = self.token
        Task {
            let slots = await gate.authenticate(helloToken: token)
            loopBound.eventLoop.execute {
                loopBound.value.helloChecked(hello, slots: slots)
            }
        }
    }

    private func helloChecked(_ hello: Frame, slots: (any TokenCallSlots)?) {
        guard context != nil, let readGate, !machine.isEstablished, handshakeTimer != nil else { return }
        tokenSlots = slots
        machine.authenticated = slots != nil
        readGate.control.authenticated = slots != nil
        readGate.control.maxFrameBytes = machine.limits.frameLimit(authenticated: slots != nil)
        receive(hello)
        flushIfNeeded()
        readGate.releaseHold()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        readingBurst = false
        flushIfNeeded()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            for callID in Array(streams.keys) { drainStream(callID) }
            flushIfNeeded()
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? WireError {
            logger.notice("closing connection: \(error)")
            machine.closed()
            writeAndClose(Frame(callId: 0, body: .goAway(GoAway(status: error.status))))
        } else {
            logger.notice("closing connection after error: \(error)")
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        CallMetrics.connections.decrement()
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshakeTimer?.cancel()
        idleTimer?.cancel()
        recheckTimer?.cancel()
        recheckTimer = nil
        for callID in machine.openCallIDs { stopCall(callID) }
        for callID in Array(tasks.keys) { stopCall(callID) }
        machine.closed()
        context.fireChannelInactive()
    }

    /// Starts a graceful drain: go-away, then close once the calls in flight finish.
    func beginDrain() {
        perform(machine.beginDrain())
        flushIfNeeded()
    }

    // MARK: Actions

    private func perform(_ action: ServerConnectionStateMachine.Action) {
        guard let context else { return }
        switch action {
        case .none:
            break
        case .send(let frame):
            write(frame)
        case .sendAndClose(let frame):
            writeAndClose(frame)
        case .close:
            context.close(promise: nil)
        case .startCall(let callID, let method, _, let payload, let timeout):
            startCall(callID, method: method, payload: payload, timeout: timeout)
        case .deliverMessage(let callID, let payload):
            requestStreams[callID]?.continuation.yield(payload)
        case .deliverEnd(let callID):
            requestStreams[callID]?.continuation.finish()
        case .cancelCall(let callID, let frame):
            stopCall(callID)
            write(frame)
        case .resumeSending(let callID):
            drainStream(callID)
        }
    }

    private func write(_ frame: Frame) {
        guard encode(frame) else { return }
        flushSoon()
    }

    /// Marks the outbound buffer for flushing: at the end of the read burst, or outside a burst
    /// after the tasks already queued on the event loop (other calls finishing, stream
    /// messages), so that they share one write.
    private func flushSoon() {
        needsFlush = true
        guard !readingBurst, !flushScheduled, let context else { return }
        flushScheduled = true
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.execute {
            loopBound.value.flushScheduled = false
            loopBound.value.flushIfNeeded()
        }
    }

    /// Appends `frame` to the outbound buffer; false (and the connection closing) if it cannot
    /// be encoded, which only a string holding NUL causes.
    private func encode(_ frame: Frame) -> Bool {
        guard let context else { return false }
        if outbound == nil { outbound = context.channel.allocator.buffer(capacity: 1024) }
        do {
            try FrameEncoding.write(frame, into: &outbound!)
            return true
        } catch {
            logger.error("closing connection: cannot encode a frame: \(error)")
            context.close(promise: nil)
            return false
        }
    }

    private func flushIfNeeded() {
        guard needsFlush, let context else { return }
        needsFlush = false
        if let buffer = outbound {
            outbound = nil
            context.write(wrapOutboundOut(buffer), promise: nil)
        }
        context.flush()
    }

    /// Writes `frame` after everything pending, flushes, then closes the connection.
    private func writeAndClose(_ frame: Frame) {
        guard let context, encode(frame), let buffer = outbound else { return }
        outbound = nil
        needsFlush = false
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in channel.close(promise: nil) }
    }

    private func startCall(_ callID: UInt32, method: Method, payload: [UInt8], timeout: Duration?) {
        guard let context, let handler = handlers[method] else { return }
        let deadline = timeout.map { NIODeadline.now() + TimeAmount($0) }
        if remoteAddress == nil { remoteAddress = context.remoteAddress }
        var building = CallContext(
            method: method,
            callID: callID,
            deadline: deadline,
            remoteAddress: remoteAddress,
            token: token,
            connectionLogger: logger
        )
        if let slots = tokenSlots, let gate, gate.needsToken(method) {
            if let refusal = slots.begin() {
                // Refused at once: the call gives its connection slot back with its close.
                perform(machine.end(callID: callID, refusal.code, refusal.message))
                return
            }
            slotCalls.insert(callID)
            building.callSlotHeld = true
        }
        let callContext = building
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        // Only a token found valid at the hello can be revoked under its open calls: a connection
        // with an unknown token has every call refused by the gate already.
        if let gate, recheckInterval != nil, !token.isEmpty, tokenSlots != nil, gate.needsToken(method) {
            tokenCalls.insert(callID)
            scheduleRecheck()
        }

        if let timeout {
            deadlines[callID] = context.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
                loopBound.value.perform(loopBound.value.machine.deadlineExpired(callID: callID))
            }
        }

        switch handler {
        case .inline(let run):
            // Cheap handlers run here, on the event loop: no task, no hop.
            let start = ContinuousClock.now
            var result: [UInt8] = []
            var status = Status()
            do {
                result = try run(payload, callContext)
            } catch {
                status = Self.status(error, logger: callContext.logger)
            }
            CallMetrics.record(method: callContext.methodName, status: status, since: start)
            finishCall(callID, payload: result, status: status)
        case .unary(let run):
            tasks[callID] = Self.spawn(loopBound, context: callContext) {
                try await run(payload, callContext)
            }
        case .serverStreaming(let run):
            let writer = ResponseStreamWriter(
                callID: callID,
                connection: loopBound,
                capacity: machine.limits.initialWindow
            )
            streams[callID] = StreamBacklog(writer: writer)
            tasks[callID] = Self.spawn(loopBound, context: callContext) {
                try await run(payload, .connection(writer), callContext)
            }
        case .clientStreaming(let run):
            let stream = RequestByteStream {
                loopBound.eventLoop.execute {
                    let handler = loopBound.value
                    handler.perform(handler.machine.messageConsumed(callID: callID))
                }
            }
            requestStreams[callID] = stream
            tasks[callID] = Self.spawn(loopBound, context: callContext) {
                try await run(stream, callContext)
            }
        }
    }

    /// Runs a handler in a task and finishes its call on the event loop with the outcome.
    private static func spawn(
        _ loopBound: NIOLoopBound<ServerConnectionHandler>,
        context: CallContext,
        _ body: @escaping @Sendable () async throws -> [UInt8]
    ) -> Task<Void, Never> {
        let callID = context.callID
        return Task {
            let start = ContinuousClock.now
            var payload: [UInt8] = []
            var status = Status()
            do {
                payload = try await body()
            } catch {
                status = Self.status(error, logger: context.logger)
            }
            CallMetrics.record(method: context.methodName, status: status, since: start)
            let result = payload
            let finalStatus = status
            loopBound.eventLoop.execute {
                loopBound.value.finishCall(callID, payload: result, status: finalStatus)
            }
        }
    }

    private static func status(_ error: any Error, logger: Logger) -> Status {
        let status = CallError.status(for: error)
        if status.code == .internal {
            logger.error("handler failed: \(error)")
        }
        return status
    }

    private func finishCall(_ callID: UInt32, payload: [UInt8], status: Status) {
        if let stream = streams[callID] {
            // The stream's last messages go out before its close.
            stream.finish = (payload, status)
            drainStream(callID)
            return
        }
        releaseCall(callID)
        if !machine.fitsFrame(ServerConnectionStateMachine.responseBytes(payload: payload, status: status)) {
            logger.warning(
                "call \(callID): a response of \(payload.count) bytes passes the frame limit; the call ends with RESOURCE_EXHAUSTED"
            )
        }
        perform(machine.finish(callID: callID, payload: payload, status: status))
    }

    /// Cancels a call's handler and everything waiting on it.
    private func stopCall(_ callID: UInt32) {
        tasks[callID]?.cancel()
        requestStreams[callID]?.continuation.finish(throwing: CancellationError())
        streams.removeValue(forKey: callID)?.writer.close()
        releaseCall(callID)
    }

    private func releaseCall(_ callID: UInt32) {
        if slotCalls.remove(callID) != nil { tokenSlots?.end() }
        tasks[callID] = nil
        tokenCalls.remove(callID)
        deadlines.removeValue(forKey: callID)?.cancel()
        requestStreams[callID] = nil
    }

    // MARK: Token rechecks

    /// Arms the recheck timer unless it is armed; it rearms itself while token calls are open.
    private func scheduleRecheck() {
        guard recheckTimer == nil, let interval = recheckInterval, let context else { return }
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        recheckTimer = context.eventLoop.scheduleTask(in: interval) {
            let handler = loopBound.value
            handler.recheckTimer = nil
            handler.recheckToken()
        }
    }

    /// Asks the gate whether the token still stands; if not, ends the calls that need it.
    private func recheckToken() {
        guard !tokenCalls.isEmpty, let gate, let context else { return }
        scheduleRecheck()
        guard !recheckRunning else { return }
        recheckRunning = true
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let token = self.token
        let peer = CallContext.peerText(remoteAddress)
        Task {
            let refusal = await gate.recheck(token: token, peer: peer)
            loopBound.eventLoop.execute {
                let handler = loopBound.value
                handler.recheckRunning = false
                if let refusal { handler.endTokenCalls(refusal) }
            }
        }
    }

    /// Ends every open call that needs the token, with the gate's error.
    private func endTokenCalls(_ error: CallError) {
        let calls = tokenCalls
        guard !calls.isEmpty else { return }
        logger.notice("ending \(calls.count) open calls: \(error.message)")
        for callID in calls.sorted() {
            perform(machine.end(callID: callID, error.code, error.message))
            releaseCall(callID)
        }
        flushIfNeeded()
    }

    // MARK: Server streams

    /// Writes what a stream's writer has queued, as far as the client's window and the channel
    /// allow, and the stream's close once its handler has returned and every message is out.
    func drainStream(_ callID: UInt32) {
        guard let context, let stream = streams[callID] else { return }
        var wroteAny = false
        var more = true
        while more {
            stream.messages.append(contentsOf: stream.writer.take())
            var written = 0
            sending: while let payload = stream.messages.first, context.channel.isWritable {
                switch machine.sendMessage(callID: callID, payload: payload) {
                case .send(let frame):
                    guard encode(frame) else { return }
                    stream.messages.removeFirst()
                    written += 1
                case .wait:
                    break sending
                case .callGone:
                    stopCall(callID)
                    return
                case .tooLarge(let end):
                    logger.warning(
                        "call \(callID): a stream message of \(payload.count) bytes passes the frame limit; the call ends with RESOURCE_EXHAUSTED"
                    )
                    perform(end)
                    return
                }
            }
            wroteAny = wroteAny || written > 0
            more = written > 0 && stream.writer.written(written)
        }
        if stream.messages.isEmpty, let (payload, status) = stream.finish {
            streams[callID] = nil
            stream.writer.close()
            releaseCall(callID)
            perform(machine.finish(callID: callID, payload: payload, status: status))
        } else if wroteAny {
            flushSoon()
        }
    }
}

/// A server stream's messages taken from its writer and not yet written, and the close that
/// waits for them once the handler has returned.
private final class StreamBacklog {
    let writer: ResponseStreamWriter
    var messages = CircularBuffer<[UInt8]>()
    var finish: (payload: [UInt8], status: Status)?

    init(writer: ResponseStreamWriter) {
        self.writer = writer
    }
}

extension TimeAmount {
    /// A NIO time amount from a Swift duration, in nanoseconds.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
