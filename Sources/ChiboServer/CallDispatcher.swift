import ChiboCodec
import ChiboModel
import ChiboWire
import Logging
import NIOCore

/// Runs calls that arrive over another transport (standard gRPC) through the same handlers as
/// the Chibo listener: the same registry, gate (authentication, scopes, per-token limits, audit),
/// built-in health and server info, metrics and status mapping. The transport brings the request
/// bytes, the caller's token and address, and the deadline; it maps the thrown error to its own
/// status with `CallError.status(for:)`.
public struct CallDispatcher: Sendable {
    private let handlers: [Method: MethodRegistry.Handler]
    private let shutdown: ShutdownSignal
    /// The registry's gate; nil when calls run unchecked.
    public let gate: (any CallGate)?
    /// The limits of the Chibo listener, with the gate's per-token limits, for a transport to
    /// apply the same bounds (message size, concurrent calls, idle and handshake timeouts).
    public let limits: ConnectionLimits

    init(registry: MethodRegistry, shutdown: ShutdownSignal, limits: ConnectionLimits) {
        self.handlers = registry.handlers
        self.gate = registry.gate
        self.shutdown = shutdown
        self.limits = limits
    }

    /// How the method's messages flow; nil when it is not served.
    public func kind(of method: Method) -> CallKind? { handlers[method]?.kind }

    /// Whether the server has begun shutting down (health answers NOT_SERVING).
    public var isShuttingDown: Bool { shutdown.isSignalled }

    /// Marks the server as shutting down: health answers NOT_SERVING and `Health.Watch` streams
    /// end, whichever listener's shutdown came first.
    public func beginShutdown() { shutdown.signal() }

    /// The context of a call from another transport; the gate takes the token's call slot
    /// itself, as for any call not counted at a hello.
    public func makeContext(
        method: Method,
        callID: UInt32 = 0,
        deadline: NIODeadline?,
        remoteAddress: SocketAddress?,
        token: String,
        logger: Logger
    ) -> CallContext {
        CallContext(
            method: method,
            callID: callID,
            deadline: deadline,
            remoteAddress: remoteAddress,
            token: token,
            connectionLogger: logger
        )
    }

    /// Runs a unary call: the request's bytes in, the response's bytes out.
    public func unary(_ payload: [UInt8], context: CallContext) async throws -> [UInt8] {
        try await measured(context) {
            switch handlers[context.method] {
            case .inline(let run): return try run(payload, context)
            case .unary(let run): return try await run(payload, context)
            default: throw unserved(context, as: "unary")
            }
        }
    }

    /// Runs a server-streaming call; `send` takes each encoded response (suspending while the
    /// peer cannot take more). Returns the trailer (a list's `PageEnd`), empty when there is none.
    public func serverStreaming(
        _ payload: [UInt8],
        context: CallContext,
        send: @escaping @Sendable ([UInt8]) async throws -> Void
    ) async throws -> [UInt8] {
        try await measured(context) {
            guard case .serverStreaming(let run) = handlers[context.method] else {
                throw unserved(context, as: "server-streaming")
            }
            return try await run(payload, .external(send), context)
        }
    }

    /// Runs a client-streaming call; `next` gives each request's bytes as the handler reads
    /// them, nil after the last.
    public func clientStreaming(
        context: CallContext,
        next: @escaping @Sendable () async throws -> [UInt8]?
    ) async throws -> [UInt8] {
        try await measured(context) {
            guard case .clientStreaming(let run) = handlers[context.method] else {
                throw unserved(context, as: "client-streaming")
            }
            return try await run(RequestByteStream(pull: next), context)
        }
    }

    private func unserved(_ context: CallContext, as kind: String) -> CallError {
        CallError(.unimplemented, "\(context.methodName) is not served as a \(kind) call")
    }

    /// Records the call's metrics and logs an internal error, as the Chibo listener does.
    private func measured(_ context: CallContext, _ body: () async throws -> [UInt8]) async throws -> [UInt8] {
        let start = ContinuousClock.now
        do {
            let result = try await body()
            CallMetrics.record(method: context.methodName, status: Status(), since: start)
            return result
        } catch {
            let status = CallError.status(for: error)
            if status.code == .internal { context.logger.error("handler failed: \(error)") }
            CallMetrics.record(method: context.methodName, status: status, since: start)
            throw error
        }
    }
}
