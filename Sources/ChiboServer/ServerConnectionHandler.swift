import ChiboCodec
import ChiboModel
import ChiboWire
import Logging
import NIOCore

/// Carries out the actions of a `ServerConnectionStateMachine` on one channel: starts handlers,
/// writes frames, runs timers. Writes made while reading are flushed once per read burst.
final class ServerConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = Frame
    typealias OutboundOut = Frame

    private var machine: ServerConnectionStateMachine
    private let handlers: [Method: MethodRegistry.Handler]
    private var logger: Logger
    private var context: ChannelHandlerContext?

    private var tasks: [UInt32: Task<Void, Never>] = [:]
    private var deadlines: [UInt32: Scheduled<Void>] = [:]
    private var requestStreams: [UInt32: RequestByteStream] = [:]
    /// Stream messages waiting for window or writability, per call.
    private var pendingSends: [UInt32: (payload: [UInt8], continuation: CheckedContinuation<Void, any Error>)] = [:]

    private var readingBurst = false
    private var needsFlush = false
    private var lastFrameAt = NIODeadline.now()
    private var handshakeTimer: Scheduled<Void>?
    private var idleTimer: Scheduled<Void>?

    init(limits: ConnectionLimits, serverName: String, registry: MethodRegistry, logger: Logger) {
        self.machine = ServerConnectionStateMachine(
            limits: limits,
            serverName: serverName,
            methods: registry.callKinds
        )
        self.handlers = registry.handlers
        self.logger = logger
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
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
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        handshakeTimer = context.eventLoop.scheduleTask(in: TimeAmount(machine.limits.handshakeTimeout)) {
            loopBound.value.perform(loopBound.value.machine.handshakeTimedOut())
            loopBound.value.flushIfNeeded()
        }
        scheduleIdleCheck(after: TimeAmount(machine.limits.idleTimeout))
    }

    private func scheduleIdleCheck(after delay: TimeAmount) {
        guard let context else { return }
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        idleTimer = context.eventLoop.scheduleTask(in: delay) {
            loopBound.value.checkIdle()
        }
    }

    private func checkIdle() {
        let idleTimeout = TimeAmount(machine.limits.idleTimeout)
        let idleFor = NIODeadline.now() - lastFrameAt
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
        lastFrameAt = .now()
        let wasEstablished = machine.isEstablished
        perform(machine.receive(frame))
        if !wasEstablished, machine.isEstablished {
            handshakeTimer?.cancel()
            handshakeTimer = nil
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        readingBurst = false
        flushIfNeeded()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            for callID in Array(pendingSends.keys) { retryPendingSend(callID) }
            flushIfNeeded()
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? WireError {
            logger.notice("closing connection: \(error)")
            machine.closed()
            let goAway = Frame(callId: 0, body: .goAway(GoAway(status: error.status)))
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(goAway)).whenComplete { _ in channel.close(promise: nil) }
        } else {
            logger.notice("closing connection after error: \(error)")
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshakeTimer?.cancel()
        idleTimer?.cancel()
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
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(frame)).whenComplete { _ in channel.close(promise: nil) }
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
            retryPendingSend(callID)
        }
    }

    private func write(_ frame: Frame) {
        guard let context else { return }
        context.write(wrapOutboundOut(frame), promise: nil)
        needsFlush = true
        if !readingBurst { flushIfNeeded() }
    }

    private func flushIfNeeded() {
        guard needsFlush, let context else { return }
        needsFlush = false
        context.flush()
    }

    private func startCall(_ callID: UInt32, method: Method, payload: [UInt8], timeout: Duration?) {
        guard let context, let handler = handlers[method] else { return }
        let deadline = timeout.map { NIODeadline.now() + TimeAmount($0) }
        var callLogger = logger
        callLogger[metadataKey: "call"] = "\(callID)"
        callLogger[metadataKey: "method"] = "\(method.protoName ?? String(method.rawValue))"
        let callContext = CallContext(
            method: method,
            callID: callID,
            deadline: deadline,
            remoteAddress: context.remoteAddress,
            logger: callLogger
        )
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)

        if let timeout {
            deadlines[callID] = context.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
                loopBound.value.perform(loopBound.value.machine.deadlineExpired(callID: callID))
            }
        }

        switch handler {
        case .inline(let run):
            // Cheap handlers run here, on the event loop: no task, no hop.
            var result: [UInt8] = []
            var status = Status()
            do {
                result = try run(payload, callContext)
            } catch {
                status = Self.status(error, logger: callLogger)
            }
            finishCall(callID, payload: result, status: status)
        case .unary(let run):
            tasks[callID] = Self.spawn(loopBound, callID: callID, logger: callLogger) {
                try await run(payload, callContext)
            }
        case .serverStreaming(let run):
            let writer = ResponseStreamWriter(callID: callID, connection: loopBound)
            tasks[callID] = Self.spawn(loopBound, callID: callID, logger: callLogger) {
                try await run(payload, writer, callContext)
            }
        case .clientStreaming(let run):
            let stream = RequestByteStream {
                loopBound.eventLoop.execute {
                    let handler = loopBound.value
                    handler.perform(handler.machine.messageConsumed(callID: callID))
                }
            }
            requestStreams[callID] = stream
            tasks[callID] = Self.spawn(loopBound, callID: callID, logger: callLogger) {
                try await run(stream, callContext)
            }
        }
    }

    /// Runs a handler in a task and finishes its call on the event loop with the outcome.
    private static func spawn(
        _ loopBound: NIOLoopBound<ServerConnectionHandler>,
        callID: UInt32,
        logger: Logger,
        _ body: @escaping @Sendable () async throws -> [UInt8]
    ) -> Task<Void, Never> {
        Task {
            var payload: [UInt8] = []
            var status = Status()
            do {
                payload = try await body()
            } catch {
                status = Self.status(error, logger: logger)
            }
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
        releaseCall(callID)
        perform(machine.finish(callID: callID, payload: payload, status: status))
    }

    /// Cancels a call's handler and everything waiting on it.
    private func stopCall(_ callID: UInt32) {
        tasks[callID]?.cancel()
        requestStreams[callID]?.continuation.finish(throwing: CancellationError())
        pendingSends.removeValue(forKey: callID)?.continuation.resume(throwing: CancellationError())
        releaseCall(callID)
    }

    private func releaseCall(_ callID: UInt32) {
        tasks[callID] = nil
        deadlines.removeValue(forKey: callID)?.cancel()
        requestStreams[callID] = nil
    }

    // MARK: Server streams

    /// A server-streaming handler's message: written now, or parked until the client grants
    /// window and the channel is writable.
    func streamSend(callID: UInt32, payload: [UInt8], continuation: CheckedContinuation<Void, any Error>) {
        guard let context else {
            continuation.resume(throwing: CancellationError())
            return
        }
        guard context.channel.isWritable else {
            pendingSends[callID] = (payload, continuation)
            return
        }
        switch machine.sendMessage(callID: callID, payload: payload) {
        case .send(let frame):
            write(frame)
            flushIfNeeded()
            continuation.resume()
        case .wait:
            pendingSends[callID] = (payload, continuation)
        case .callGone:
            continuation.resume(throwing: CancellationError())
        }
    }

    private func retryPendingSend(_ callID: UInt32) {
        guard let pending = pendingSends.removeValue(forKey: callID) else { return }
        streamSend(callID: callID, payload: pending.payload, continuation: pending.continuation)
    }
}

extension TimeAmount {
    /// A NIO time amount from a Swift duration, in nanoseconds.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
