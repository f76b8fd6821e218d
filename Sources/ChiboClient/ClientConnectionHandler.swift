import ChiboModel
import ChiboWire
import Foundation
import NIOCore
import NIOSSL

/// What a server stream delivers: messages, then possibly a trailer from the `Close`.
enum StreamEvent: Sendable {
    case message([UInt8])
    case trailer([UInt8])
}

/// Carries out a `ClientConnectionStateMachine` on one channel: keeps each call's continuation
/// and resumes it as the actions say. Confined to the channel's event loop.
final class ClientConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = Frame
    typealias OutboundOut = Frame

    /// Where a call's outcome goes.
    private enum Waiter {
        /// A unary or client-streaming call's response.
        case response(AsyncThrowingStream<[UInt8], any Error>.Continuation)
        /// A server stream's messages and trailer.
        case stream(AsyncThrowingStream<StreamEvent, any Error>.Continuation)
    }

    private var machine = ClientConnectionStateMachine()
    private var waiters: [UInt32: Waiter] = [:]
    /// Client-stream messages parked until the server grants window.
    private var parkedSends: [UInt32: (payload: [UInt8], continuation: CheckedContinuation<Void, any Error>)] = [:]
    private var timers: [UInt32: Scheduled<Void>] = [:]
    private var context: ChannelHandlerContext?
    private var welcomePromise: EventLoopPromise<Welcome>?
    /// The first bytes the peer sent, for a handshake that fails.
    private let observer: PeerBytesObserver
    /// What the TLS handler reported, if it failed.
    private var tlsProblem: TLSProblem?

    /// Creates a handler; `observer` sits first in the pipeline and keeps the peer's first bytes.
    init(observer: PeerBytesObserver) {
        self.observer = observer
    }

    /// Completed by the server's welcome, or failed by a refusal or a close before it.
    var welcome: EventLoopFuture<Welcome> { welcomePromise!.futureResult }

    /// Whether new calls can start on this connection.
    var isUsable: Bool { machine.isUsable }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        welcomePromise = context.eventLoop.makePromise(of: Welcome.self)
    }

    /// Sends the hello.
    func sendHello(clientName: String, token: String) {
        write(machine.hello(clientName: clientName, token: token))
    }

    private static let unavailable = ClientError(code: .unavailable, message: "the connection is closed or going away")

    // MARK: Starting calls

    /// Starts a unary or client-streaming call whose single response goes to `response`.
    @discardableResult
    func startCall(
        kind: CallKind,
        method: Method,
        payload: [UInt8],
        timeout: Duration?,
        response: AsyncThrowingStream<[UInt8], any Error>.Continuation
    ) -> UInt32? {
        if let oversized = machine.oversizedRequest(payload.count) {
            response.finish(throwing: ClientError(status: oversized))
            return nil
        }
        guard let (id, frame) = machine.startCall(kind: kind, method: method, payload: payload, timeout: timeout) else {
            response.finish(throwing: Self.unavailable)
            return nil
        }
        waiters[id] = .response(response)
        write(frame)
        armTimer(id, timeout: timeout)
        return id
    }

    /// Starts a server-streaming call whose messages go to `stream`.
    func startServerStream(
        method: Method,
        payload: [UInt8],
        timeout: Duration?,
        stream: AsyncThrowingStream<StreamEvent, any Error>.Continuation
    ) -> UInt32? {
        if let oversized = machine.oversizedRequest(payload.count) {
            stream.finish(throwing: ClientError(status: oversized))
            return nil
        }
        guard
            let (id, frame) = machine.startCall(
                kind: .serverStreaming,
                method: method,
                payload: payload,
                timeout: timeout
            )
        else {
            stream.finish(throwing: Self.unavailable)
            return nil
        }
        waiters[id] = .stream(stream)
        write(frame)
        armTimer(id, timeout: timeout)
        return id
    }

    /// The server enforces deadlines; this timer covers a server that does not answer at all.
    private func armTimer(_ id: UInt32, timeout: Duration?) {
        guard let timeout, let context else { return }
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let grace = TimeAmount.milliseconds(200)
        timers[id] = context.eventLoop.scheduleTask(in: .nanoseconds(timeout.nanoseconds) + grace) {
            loopBound.value.abandon(
                id,
                error: ClientError(code: .deadlineExceeded, message: "the deadline passed with no answer")
            )
        }
    }

    // MARK: Events from calls

    /// A client-stream message: written when the server's window allows, else parked.
    func sendStreamMessage(_ id: UInt32, payload: [UInt8], continuation: CheckedContinuation<Void, any Error>) {
        if let oversized = machine.oversizedRequest(payload.count) {
            // The call ends here, with the reason, and the server is told to stop it.
            let error = ClientError(status: oversized)
            abandon(id, error: error)
            continuation.resume(throwing: error)
            return
        }
        switch machine.sendMessage(callID: id, payload: payload) {
        case .send(let frame):
            write(frame)
            continuation.resume()
        case .wait:
            parkedSends[id] = (payload, continuation)
        case .callGone:
            continuation.resume(throwing: CancellationError())
        }
    }

    /// The client sends no more stream messages on a call.
    func endStream(_ id: UInt32) {
        perform(machine.endStream(callID: id))
    }

    /// The consumer of a server stream took one message.
    func consumed(_ id: UInt32) {
        perform(machine.consumed(callID: id))
    }

    /// The caller's task was cancelled: tell the server and fail the call.
    func cancel(_ id: UInt32) {
        abandon(id, error: ClientError(code: .cancelled, message: "the call was cancelled"))
    }

    private func abandon(_ id: UInt32, error: ClientError) {
        perform(machine.cancel(callID: id))
        fail(id, with: error)
    }

    // MARK: Frames from the server

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        perform(machine.receive(unwrapInboundIn(data)))
    }

    func channelInactive(context: ChannelHandlerContext) {
        welcomePromise?.fail(HandshakeInterrupted(firstBytes: observer.firstBytes, tlsProblem: tlsProblem))
        for id in machine.connectionClosed() {
            fail(id, with: ClientError(code: .unavailable, message: "the connection closed"))
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if tlsProblem == nil {
            // The peer's certificate is readable only while the TLS handler is in the pipeline.
            let tls = try? context.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self)
            tlsProblem = TLSProblem(
                error: error,
                peer: tls?.peerCertificate,
                nowSeconds: Int(Date().timeIntervalSince1970)
            )
        }
        context.close(promise: nil)
    }

    // MARK: Actions

    private func perform(_ action: ClientConnectionStateMachine.Action) {
        switch action {
        case .none:
            break
        case .send(let frame):
            write(frame)
        case .welcomed(let welcome):
            welcomePromise?.succeed(welcome)
        case .refused(let status):
            welcomePromise?.fail(ClientError(status: status))
        case .finish(let id, let outcome):
            timers.removeValue(forKey: id)?.cancel()
            parkedSends.removeValue(forKey: id)?.continuation.resume(throwing: CancellationError())
            switch (waiters.removeValue(forKey: id), outcome) {
            case (.response(let response)?, .success(let payload)):
                response.yield(payload)
                response.finish()
            case (.stream(let stream)?, .success(let trailer)):
                if !trailer.isEmpty { stream.yield(.trailer(trailer)) }
                stream.finish()
            case (.response(let response)?, .failure(let status)):
                response.finish(throwing: ClientError(status: status))
            case (.stream(let stream)?, .failure(let status)):
                stream.finish(throwing: ClientError(status: status))
            case (nil, _):
                break
            }
        case .deliver(let id, let payload):
            if case .stream(let stream)? = waiters[id] { stream.yield(.message(payload)) }
        case .abandon(let ids, let status):
            for id in ids { fail(id, with: ClientError(status: status)) }
        case .resumeSender(let id):
            if let parked = parkedSends.removeValue(forKey: id) {
                sendStreamMessage(id, payload: parked.payload, continuation: parked.continuation)
            }
        }
    }

    private func fail(_ id: UInt32, with error: ClientError) {
        timers.removeValue(forKey: id)?.cancel()
        parkedSends.removeValue(forKey: id)?.continuation.resume(throwing: error)
        switch waiters.removeValue(forKey: id) {
        case .response(let response)?: response.finish(throwing: error)
        case .stream(let stream)?: stream.finish(throwing: error)
        case nil: break
        }
    }

    private func write(_ frame: Frame) {
        context?.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }
}

/// The connection closed before the welcome: what the peer had sent and what TLS reported, for
/// `HandshakeDiagnosis`.
struct HandshakeInterrupted: Error {
    /// The first bytes off the socket.
    var firstBytes: [UInt8]
    /// The TLS failure, if any.
    var tlsProblem: TLSProblem?
}

extension Duration {
    /// Whole nanoseconds.
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
