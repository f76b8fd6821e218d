import ChiboModel

/// The client side of one Chibo connection as a pure value: it allocates call ids, tracks each
/// call's kind and flow-control windows, and turns the server's frames into what the waiting
/// calls must be told. The NIO handler keeps the continuations and carries the actions out.
public struct ClientConnectionStateMachine: Sendable {
    /// How a call ended, as far as its caller is concerned.
    public enum Outcome: Hashable, Sendable {
        /// The call succeeded with this payload: the response, or a server stream's trailer.
        case success([UInt8])
        /// The call failed with this status.
        case failure(Status)
    }

    /// What the connection must do in response to an input.
    public enum Action: Hashable, Sendable {
        /// Nothing.
        case none
        /// Write this frame and flush.
        case send(Frame)
        /// The server accepted the connection.
        case welcomed(Welcome)
        /// The server refused the connection before welcoming it.
        case refused(Status)
        /// A call ended: deliver the outcome to its caller.
        case finish(callID: UInt32, outcome: Outcome)
        /// A server-stream message for the call's consumer.
        case deliver(callID: UInt32, payload: [UInt8])
        /// The server will not complete these calls (it is going away): fail them as UNAVAILABLE.
        case abandon(callIDs: [UInt32], status: Status)
        /// A client-stream sender parked for window may send again.
        case resumeSender(callID: UInt32)
    }

    /// What a client-stream sender may do with its next message.
    public enum SendDecision: Hashable, Sendable {
        /// Write this frame.
        case send(Frame)
        /// The server's window is empty: wait for `resumeSender`.
        case wait
        /// The call has ended.
        case callGone
    }

    private struct Call: Hashable, Sendable {
        var kind: CallKind
        /// Client-stream messages the server still accepts.
        var sendWindow: Int
        /// Server-stream messages consumed since the last grant.
        var consumedSinceGrant: Int = 0
    }

    private var calls: [UInt32: Call] = [:]
    private var nextCallID: UInt32 = 1
    private var welcomed = false
    private var goingAway = false
    private var closed = false
    /// The limits the server announced (the defaults until its welcome).
    public private(set) var limits = ConnectionLimits.default

    /// A connection that has not yet been welcomed.
    public init() {}

    /// Whether new calls may start on this connection.
    public var isUsable: Bool { !closed && !goingAway && nextCallID < UInt32.max }

    /// Calls in flight.
    public var openCalls: Int { calls.count }

    /// Why a request message of `bytes` cannot be sent, when its frame would pass the frame
    /// limit the server announced (the server would end the whole connection for it); nil
    /// when it fits.
    public func oversizedRequest(_ bytes: Int) -> Status? {
        let limit = limits.maxFrameBytes
        guard bytes > limit - ServerConnectionStateMachine.envelopeAllowance else { return nil }
        return Status(
            code: .resourceExhausted,
            message: "the request is \(bytes) bytes, more than the server's frame limit of \(limit) bytes: "
                + "send less in one message (fewer rows in a batch, a shorter text)"
        )
    }

    /// The hello that opens the connection.
    public func hello(clientName: String, token: String) -> Frame {
        Frame(
            callId: 0,
            body: .hello(Hello(protocolVersion: WireVersion.current, clientName: clientName, token: token))
        )
    }

    /// Starts a call: its id and its `Open` frame, or nil when the connection cannot take calls.
    public mutating func startCall(
        kind: CallKind,
        method: Method,
        payload: [UInt8],
        timeout: Duration?
    ) -> (callID: UInt32, frame: Frame)? {
        guard isUsable else { return nil }
        let id = nextCallID
        nextCallID += 1
        calls[id] = Call(kind: kind, sendWindow: limits.initialWindow)
        let timeoutMs = timeout.map { UInt32(clamping: max(1, $0.milliseconds)) } ?? 0
        return (id, Frame(callId: id, body: .open(Open(method: method, timeoutMs: timeoutMs, payload: payload))))
    }

    /// A frame arrived from the server; after a refusal or the connection's close, it is ignored.
    public mutating func receive(_ frame: Frame) -> Action {
        guard !closed else { return .none }
        let id = frame.callId
        switch frame.body {
        case .welcome(let welcome)?:
            guard !welcomed else { return .none }
            welcomed = true
            if let wire = welcome.limits { limits = ConnectionLimits(wire: wire) }
            return .welcomed(welcome)
        case .close(let close)?:
            guard calls.removeValue(forKey: id) != nil else { return .none }
            if let status = close.status, status.code != .ok {
                return .finish(callID: id, outcome: .failure(status))
            }
            return .finish(callID: id, outcome: .success(close.payload))
        case .data(let message)?:
            guard calls[id]?.kind == .serverStreaming, !message.end else { return .none }
            return .deliver(callID: id, payload: message.payload)
        case .windowUpdate(let update)?:
            guard var call = calls[id], call.kind == .clientStreaming else { return .none }
            let wasEmpty = call.sendWindow <= 0
            call.sendWindow = min(call.sendWindow &+ Int(update.messages), Int(Int32.max))
            calls[id] = call
            return wasEmpty && call.sendWindow > 0 ? .resumeSender(callID: id) : .none
        case .ping(let ping)?:
            return .send(Frame(callId: 0, body: .pong(Pong(opaque: ping.opaque))))
        case .goAway(let goAway)?:
            goingAway = true
            let status = goAway.status ?? Status(code: .unavailable, message: "the server is going away")
            if !welcomed {
                closed = true
                return .refused(status)
            }
            let abandoned = calls.keys.filter { $0 > goAway.lastCallId }.sorted()
            for callID in abandoned { calls[callID] = nil }
            guard !abandoned.isEmpty else { return .none }
            return .abandon(
                callIDs: abandoned,
                status: Status(
                    code: .unavailable,
                    message: status.message.isEmpty ? "the server is going away" : status.message
                )
            )
        case .pong?, .hello?, .open?, .cancel?, nil:
            return .none
        }
    }

    /// The consumer of a server stream took one message; credit goes back in batches of half
    /// the window.
    public mutating func consumed(callID id: UInt32) -> Action {
        guard var call = calls[id], call.kind == .serverStreaming else { return .none }
        call.consumedSinceGrant += 1
        defer { calls[id] = call }
        guard call.consumedSinceGrant >= max(1, limits.initialWindow / 2) else { return .none }
        let grant = call.consumedSinceGrant
        call.consumedSinceGrant = 0
        return .send(Frame(callId: id, body: .windowUpdate(WindowUpdate(messages: UInt32(grant)))))
    }

    /// A client-stream sender's next message.
    public mutating func sendMessage(callID id: UInt32, payload: [UInt8]) -> SendDecision {
        guard var call = calls[id], call.kind == .clientStreaming else { return .callGone }
        guard call.sendWindow > 0 else { return .wait }
        call.sendWindow -= 1
        calls[id] = call
        return .send(Frame(callId: id, body: .data(StreamMessage(payload: payload))))
    }

    /// The end of a client stream.
    public func endStream(callID id: UInt32) -> Action {
        guard calls[id]?.kind == .clientStreaming else { return .none }
        return .send(Frame(callId: id, body: .data(StreamMessage(end: true))))
    }

    /// The caller gave up on a call (task cancelled or local deadline): tell the server. The
    /// caller is failed locally by the handler.
    public mutating func cancel(callID id: UInt32) -> Action {
        guard calls.removeValue(forKey: id) != nil else { return .none }
        return .send(Frame(callId: id, body: .cancel(Cancel())))
    }

    /// The connection closed: the calls that were still open.
    public mutating func connectionClosed() -> [UInt32] {
        closed = true
        defer { calls.removeAll() }
        return calls.keys.sorted()
    }
}
