import ChiboCodec
import ChiboModel

/// The server side of one Chibo connection as a pure value: it is fed what happened (a frame
/// arrived, a handler finished, a timer fired) and answers with what to do. The NIO handler only
/// carries the actions out, so every protocol rule here is testable without a channel.
public struct ServerConnectionStateMachine: Sendable {
    /// What the connection must do in response to an input.
    public enum Action: Hashable, Sendable {
        /// Nothing.
        case none
        /// Write this frame (flushed at the end of the read burst).
        case send(Frame)
        /// Write this frame, flush, then close the connection.
        case sendAndClose(Frame)
        /// Close the connection now.
        case close
        /// Start the handler of a newly opened call.
        case startCall(callID: UInt32, method: Method, kind: CallKind, payload: [UInt8], timeout: Duration?)
        /// Hand a client-stream message to the call's handler.
        case deliverMessage(callID: UInt32, payload: [UInt8])
        /// The client sends no more messages on this call.
        case deliverEnd(callID: UInt32)
        /// Stop the call's handler; `frame` (its final `Close`) is written.
        case cancelCall(callID: UInt32, send: Frame)
        /// The call may send stream messages again.
        case resumeSending(callID: UInt32)
    }

    /// What the state machine answers to a handler that wants to send a stream message.
    public enum SendDecision: Hashable, Sendable {
        /// Write this frame.
        case send(Frame)
        /// The call's window is empty: wait for `resumeSending`.
        case wait
        /// The call no longer exists (cancelled, timed out or finished): stop producing.
        case callGone
        /// The message's frame would pass the frame limit: the call ends with this action (its
        /// RESOURCE_EXHAUSTED `Close`); stop producing.
        case tooLarge(Action)
    }

    private enum State: Hashable, Sendable {
        case awaitingHello
        case active
        case draining(lastCallID: UInt32)
        case closed
    }

    private struct Call: Hashable, Sendable {
        var kind: CallKind
        /// Stream messages the server may still send (granted by the client).
        var sendWindow: Int
        /// Stream messages the client may still send before the server grants more.
        var receiveWindow: Int
        /// Messages the handler consumed since the last window update the server sent.
        var consumedSinceUpdate: Int = 0
        var clientHalfClosed = false
    }

    private var state: State = .awaitingHello
    private var calls: [UInt32: Call] = [:]
    private var highestCallID: UInt32 = 0
    /// Limits enforced and announced.
    public let limits: ConnectionLimits
    private let serverName: String
    private let methods: [Int32: CallKind]

    /// Creates the state of a fresh connection; `methods` maps each served method to its kind.
    public init(limits: ConnectionLimits, serverName: String, methods: [Method: CallKind]) {
        self.limits = limits
        self.serverName = serverName
        self.methods = Dictionary(uniqueKeysWithValues: methods.map { ($0.key.rawValue, $0.value) })
    }

    /// Whether the connection has authenticated (its hello carried a valid token): set before the
    /// hello is received; the welcome then announces the frame limit in force.
    public var authenticated = false

    /// Number of calls in flight.
    public var openCalls: Int { calls.count }

    /// Room kept in a frame for its own fields around a message: the call ID, the body's tag
    /// and the lengths, at most 18 bytes.
    public static let envelopeAllowance = 32

    /// The largest frame body either side may send on the connection now, as the welcome
    /// announces it: the server sends nothing larger.
    public var frameLimit: Int { limits.frameLimit(authenticated: authenticated) }

    /// Whether a frame carrying `bytes` of message (and status) stays within the frame limit.
    public func fitsFrame(_ bytes: Int) -> Bool { bytes <= frameLimit - Self.envelopeAllowance }

    /// The bytes of a call's response and status a `Close` carries (less its own fields).
    public static func responseBytes(payload: [UInt8], status: Status) -> Int {
        guard status.code != .ok || !status.message.isEmpty else { return payload.count }
        return payload.count + ((try? status.serializedBytes().count) ?? 0)
    }

    /// The status of a call whose response would not fit in a frame: it names the size and the
    /// limit, and what the caller can do.
    static func tooLargeStatus(_ bytes: Int, limit: Int) -> Status {
        Status(
            code: .resourceExhausted,
            message: "the response is \(bytes) bytes, more than the frame limit of \(limit) bytes on this "
                + "connection: ask for less (a smaller page, a narrower report or period)"
        )
    }

    /// Whether the hello has been accepted.
    public var isEstablished: Bool {
        switch state {
        case .active, .draining: true
        case .awaitingHello, .closed: false
        }
    }

    // MARK: Frames from the client

    /// A frame arrived from the client.
    public mutating func receive(_ frame: Frame) -> Action {
        switch state {
        case .closed:
            return .none
        case .awaitingHello:
            return receiveBeforeHello(frame)
        case .active, .draining:
            break
        }
        let id = frame.callId
        switch frame.body {
        case .open(let open)?:
            return receiveOpen(open, callID: id)
        case .data(let message)?:
            return receiveData(message, callID: id)
        case .windowUpdate(let update)?:
            guard var call = calls[id] else { return .none }
            let wasBlocked = call.sendWindow <= 0
            call.sendWindow = min(call.sendWindow &+ Int(update.messages), Int(Int32.max))
            calls[id] = call
            return wasBlocked && call.sendWindow > 0 ? .resumeSending(callID: id) : .none
        case .cancel?:
            guard calls.removeValue(forKey: id) != nil else { return .none }
            return stopCall(id, .cancelled, "cancelled by the client")
        case .ping(let ping)?:
            return .send(Frame(callId: 0, body: .pong(Pong(opaque: ping.opaque))))
        case .pong?:
            return .none
        case .hello?:
            return protocolError("a second hello on an established connection")
        case .welcome?, .close?, .goAway?:
            return protocolError("a client may not send \(Self.kindName(frame.body))")
        case nil:
            return protocolError("frame \(id) carries no body")
        }
    }

    private mutating func receiveBeforeHello(_ frame: Frame) -> Action {
        guard case .hello(let hello)? = frame.body, frame.callId == 0 else {
            return protocolError("the first frame must be a hello on call 0, not \(Self.kindName(frame.body))")
        }
        guard hello.protocolVersion >= WireVersion.oldestSupported else {
            state = .closed
            let status = Status(
                code: .failedPrecondition,
                message: "protocol version \(hello.protocolVersion) is not supported; "
                    + "this server speaks \(WireVersion.oldestSupported) to \(WireVersion.current)"
            )
            return .sendAndClose(Frame(callId: 0, body: .goAway(GoAway(lastCallId: 0, status: status))))
        }
        state = .active
        let version = min(hello.protocolVersion, WireVersion.current)
        let welcome = Welcome(
            protocolVersion: version,
            serverName: serverName,
            limits: limits.wire(authenticated: authenticated)
        )
        return .send(Frame(callId: 0, body: .welcome(welcome)))
    }

    private mutating func receiveOpen(_ open: Open, callID id: UInt32) -> Action {
        guard id != 0 else { return protocolError("calls may not use id 0") }
        guard id > highestCallID else {
            return protocolError("call id \(id) is not above the last opened id \(highestCallID)")
        }
        highestCallID = id
        if case .draining(let last) = state, id > last {
            return .send(Self.close(id, .unavailable, "the server is shutting down"))
        }
        guard calls.count < limits.maxConcurrentCalls else {
            return .send(
                Self.close(id, .resourceExhausted, "more than \(limits.maxConcurrentCalls) concurrent calls")
            )
        }
        guard let kind = methods[open.method.rawValue] else {
            return .send(Self.close(id, .unimplemented, "method \(open.method.rawValue) is not served"))
        }
        calls[id] = Call(kind: kind, sendWindow: limits.initialWindow, receiveWindow: limits.initialWindow)
        let timeout: Duration? = open.timeoutMs == 0 ? nil : .milliseconds(open.timeoutMs)
        return .startCall(callID: id, method: open.method, kind: kind, payload: open.payload, timeout: timeout)
    }

    private mutating func receiveData(_ message: StreamMessage, callID id: UInt32) -> Action {
        guard var call = calls[id] else {
            // Data racing with the end of a call is dropped; data for an id never opened is an error.
            if id <= highestCallID { return .none }
            return .send(Self.close(id, .failedPrecondition, "call \(id) was never opened"))
        }
        guard call.kind == .clientStreaming, !call.clientHalfClosed else {
            calls[id] = nil
            let reason =
                call.clientHalfClosed ? "stream message after the end of the stream" : "this method takes no stream"
            return stopCall(id, .invalidArgument, reason)
        }
        if message.end {
            call.clientHalfClosed = true
            calls[id] = call
            return .deliverEnd(callID: id)
        }
        guard call.receiveWindow > 0 else {
            calls[id] = nil
            return stopCall(id, .resourceExhausted, "stream message beyond the flow-control window")
        }
        call.receiveWindow -= 1
        calls[id] = call
        return .deliverMessage(callID: id, payload: message.payload)
    }

    // MARK: Events from handlers and timers

    /// A client-streaming handler took a message off its queue; grants credit back in batches of
    /// half the initial window.
    public mutating func messageConsumed(callID id: UInt32) -> Action {
        guard var call = calls[id] else { return .none }
        call.consumedSinceUpdate += 1
        guard call.consumedSinceUpdate >= max(1, limits.initialWindow / 2), !call.clientHalfClosed else {
            calls[id] = call
            return .none
        }
        let grant = call.consumedSinceUpdate
        call.consumedSinceUpdate = 0
        call.receiveWindow += grant
        calls[id] = call
        return .send(Frame(callId: id, body: .windowUpdate(WindowUpdate(messages: UInt32(grant)))))
    }

    /// A server-streaming handler wants to send one message.
    public mutating func sendMessage(callID id: UInt32, payload: [UInt8]) -> SendDecision {
        guard var call = calls[id] else { return .callGone }
        guard call.sendWindow > 0 else { return .wait }
        guard fitsFrame(payload.count) else {
            calls.removeValue(forKey: id)
            let status = Self.tooLargeStatus(payload.count, limit: frameLimit)
            return .tooLarge(stopCall(id, status.code, status.message))
        }
        call.sendWindow -= 1
        calls[id] = call
        return .send(Frame(callId: id, body: .data(StreamMessage(payload: payload))))
    }

    /// A handler finished: its `Close` is written (unless the call was already cancelled), and a
    /// draining connection closes after its last call.
    public mutating func finish(callID id: UInt32, payload: [UInt8], status: Status) -> Action {
        guard calls.removeValue(forKey: id) != nil else { return .none }
        var close = Close(payload: payload, status: status.code == .ok && status.message.isEmpty ? nil : status)
        let bytes = Self.responseBytes(payload: payload, status: status)
        if !fitsFrame(bytes) {
            close = Close(status: Self.tooLargeStatus(bytes, limit: frameLimit))
        }
        let frame = Frame(callId: id, body: .close(close))
        if case .draining = state, calls.isEmpty {
            state = .closed
            return .sendAndClose(frame)
        }
        return .send(frame)
    }

    /// A call's deadline passed.
    public mutating func deadlineExpired(callID id: UInt32) -> Action {
        end(callID: id, .deadlineExceeded, "the call's deadline passed")
    }

    /// The server ends a call before its handler is done, with this status: its handler is
    /// stopped and its `Close` written (a revoked token's calls end with UNAUTHENTICATED).
    public mutating func end(callID id: UInt32, _ code: StatusCode, _ message: String) -> Action {
        guard calls.removeValue(forKey: id) != nil else { return .none }
        return stopCall(id, code, message)
    }

    /// No hello was taken in time: none arrived, or, when `helloArrived`, its token was still
    /// being checked.
    public mutating func handshakeTimedOut(helloArrived: Bool = false) -> Action {
        guard case .awaitingHello = state else { return .none }
        let message =
            helloArrived
            ? "the hello's token was not checked within the handshake timeout (the server is overloaded)"
            : "no hello within the handshake timeout"
        return goAwayAndClose(.deadlineExceeded, message)
    }

    /// No frame arrived for the idle timeout.
    public mutating func idleTimedOut() -> Action {
        guard calls.isEmpty, state != .closed else { return .none }
        return goAwayAndClose(.unavailable, "idle for longer than the idle timeout")
    }

    /// The server is shutting down: refuse new calls, finish those in flight.
    public mutating func beginDrain() -> Action {
        switch state {
        case .awaitingHello:
            state = .closed
            return .close
        case .active:
            let goAway = Frame(
                callId: 0,
                body: .goAway(
                    GoAway(
                        lastCallId: highestCallID,
                        status: Status(code: .unavailable, message: "the server is shutting down")
                    )
                )
            )
            if calls.isEmpty {
                state = .closed
                return .sendAndClose(goAway)
            }
            state = .draining(lastCallID: highestCallID)
            return .send(goAway)
        case .draining, .closed:
            return .none
        }
    }

    /// The ids of calls still open, for cancelling them when the connection goes away.
    public var openCallIDs: [UInt32] { Array(calls.keys) }

    /// The connection closed.
    public mutating func closed() {
        state = .closed
        calls.removeAll()
    }

    // MARK: Helpers

    private mutating func protocolError(_ message: String) -> Action {
        goAwayAndClose(.invalidArgument, "protocol error: " + message)
    }

    /// Stops a call already removed from `calls`: its handler is cancelled and its `Close` written.
    /// A draining connection closes after its last call however it ends (the handlers left are
    /// stopped when the connection closes).
    private mutating func stopCall(_ id: UInt32, _ code: StatusCode, _ message: String) -> Action {
        let frame = Self.close(id, code, message)
        if case .draining = state, calls.isEmpty {
            state = .closed
            return .sendAndClose(frame)
        }
        return .cancelCall(callID: id, send: frame)
    }

    /// Ends the connection; its calls end with it, so their handlers' late events get `.none`.
    private mutating func goAwayAndClose(_ code: StatusCode, _ message: String) -> Action {
        state = .closed
        calls.removeAll()
        let goAway = GoAway(lastCallId: highestCallID, status: Status(code: code, message: message))
        return .sendAndClose(Frame(callId: 0, body: .goAway(goAway)))
    }

    /// A `Close` frame with an error status.
    public static func close(_ id: UInt32, _ code: StatusCode, _ message: String) -> Frame {
        Frame(callId: id, body: .close(Close(status: Status(code: code, message: message))))
    }

    static func kindName(_ body: Frame.Body?) -> String {
        switch body {
        case .hello?: "hello"
        case .welcome?: "welcome"
        case .open?: "open"
        case .data?: "data"
        case .close?: "close"
        case .cancel?: "cancel"
        case .ping?: "ping"
        case .pong?: "pong"
        case .goAway?: "go-away"
        case .windowUpdate?: "window update"
        case nil: "an empty frame"
        }
    }
}
