import ChiboCodec
import ChiboModel
import ChiboServer
import ChiboWire
import GRPCCore
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Runs one gRPC call of a Chibo method: reads the token from `authorization: Bearer …`, the
/// deadline from `grpc-timeout` and the peer's address, hands the call to the dispatcher, and
/// maps its outcome to gRPC. The handler runs in a task of its own that is cancelled when the
/// client cancels, the deadline passes, or (for streams) a recheck finds the token revoked.
struct CallRunner: Sendable {
    let dispatcher: CallDispatcher
    let method: Method
    let kind: CallKind
    /// Whether the method is a list, whose trailer is a `PageEnd`.
    let isList: Bool
    let logger: Logger

    /// Trailer key of a server stream's trailer message (a list's `PageEnd`), as bytes.
    static let trailerKey = "chibo-trailer-bin"
    /// Trailer key of a list's next page token, as text (empty when the list is complete).
    static let nextPageTokenKey = "chibo-next-page-token"

    func handle(
        _ request: StreamingServerRequest<[UInt8]>,
        _ context: ServerContext
    ) async throws -> StreamingServerResponse<[UInt8]> {
        let callContext = try makeContext(request.metadata, context)
        switch kind {
        case .unary:
            let single = try await ServerRequest(stream: request)
            let response = try await guarded(callContext) {
                try await dispatcher.unary(single.message, context: callContext)
            }
            return StreamingServerResponse(single: ServerResponse(message: response))
        case .serverStreaming:
            let single = try await ServerRequest(stream: request)
            return StreamingServerResponse(metadata: [:]) { writer in
                let trailer = try await guarded(callContext) {
                    try await dispatcher.serverStreaming(single.message, context: callContext) { bytes in
                        try await writer.write(bytes)
                    }
                }
                return trailerMetadata(trailer)
            }
        case .clientStreaming:
            let messages = MessageSource(request.messages)
            let response = try await guarded(callContext) {
                try await dispatcher.clientStreaming(context: callContext) { try await messages.next() }
            }
            return StreamingServerResponse(single: ServerResponse(message: response))
        }
    }

    /// The call's context: token, deadline, peer.
    private func makeContext(_ metadata: Metadata, _ context: ServerContext) throws -> CallContext {
        let token = try Self.bearerToken(metadata)
        var deadline: NIODeadline?
        if let header = metadata[stringValues: "grpc-timeout"].first(where: { _ in true }) {
            guard let timeout = GRPCTimeout.parse(header) else {
                throw RPCError(code: .invalidArgument, message: "grpc-timeout: cannot read \"\(header)\"")
            }
            let (seconds, attoseconds) = timeout.components
            deadline = .now() + .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        }
        return dispatcher.makeContext(
            method: method,
            deadline: deadline,
            remoteAddress: PeerAddress.parse(context.remotePeer),
            token: token,
            logger: logger
        )
    }

    /// The token of `authorization: Bearer TOKEN`; empty without the header.
    static func bearerToken(_ metadata: Metadata) throws -> String {
        guard let value = metadata[stringValues: "authorization"].first(where: { _ in true }) else { return "" }
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw RPCError(
                code: .unauthenticated,
                message: "the authorization metadata must be \"Bearer TOKEN\" (a token from chibo-server token create)"
            )
        }
        return String(parts[1].drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }

    private func trailerMetadata(_ trailer: [UInt8]) -> Metadata {
        var metadata = Metadata()
        guard !trailer.isEmpty || isList else { return metadata }
        metadata.addBinary(trailer, forKey: Self.trailerKey)
        if isList, let end = try? PageEnd(serializedBytes: trailer) {
            metadata.addString(end.nextPageToken, forKey: Self.nextPageTokenKey)
        }
        return metadata
    }

    /// Runs `body` in a task cancelled with the RPC; maps what it throws to gRPC's status.
    private func guarded<T: Sendable>(
        _ context: CallContext,
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let refusal = NIOLockedValueBox<CallError?>(nil)
        let work = Task { try await body() }
        let recheck = startRecheck(context, refusal: refusal, work: work)
        defer { recheck?.cancel() }
        do {
            return try await withTaskCancellationHandler {
                try await withRPCCancellationHandler {
                    try await work.value
                } onCancelRPC: {
                    // A graceful shutdown makes the transport cancel every call in flight; the
                    // server lets them finish within the grace period instead, as the Chibo
                    // listener does (the period's end cancels this task, and so the work).
                    if !dispatcher.isShuttingDown { work.cancel() }
                }
            } onCancel: {
                work.cancel()
            }
        } catch {
            if let refused = refusal.withLockedValue({ $0 }) { throw StatusMapping.rpcError(for: refused) }
            if work.isCancelled, let deadline = context.deadline, NIODeadline.now() >= deadline {
                throw RPCError(code: .deadlineExceeded, message: "the call's deadline passed")
            }
            throw StatusMapping.rpcError(for: error)
        }
    }

    /// For a stream that stands on a token, asks the gate about the token again every
    /// `recheckInterval`, as the Chibo listener does: a revoked or expired token ends it.
    private func startRecheck<T: Sendable>(
        _ context: CallContext,
        refusal: NIOLockedValueBox<CallError?>,
        work: Task<T, any Error>
    ) -> Task<Void, Never>? {
        guard kind != .unary, let gate = dispatcher.gate, let interval = gate.recheckInterval,
            gate.needsToken(method), !context.token.isEmpty
        else { return nil }
        let token = context.token
        let peer = context.peerText
        return Task {
            while true {
                do { try await Task.sleep(for: interval) } catch { return }
                if let error = await gate.recheck(token: token, peer: peer) {
                    refusal.withLockedValue { $0 = error }
                    work.cancel()
                    return
                }
            }
        }
    }
}

/// A client stream's messages, read one at a time by the handler's task: gRPC's flow control
/// holds the client back while the handler works on a message.
private final class MessageSource: @unchecked Sendable {
    // Only the handler's task reads, one message at a time.
    private var iterator: RPCAsyncSequence<[UInt8], any Error>.AsyncIterator

    init(_ messages: RPCAsyncSequence<[UInt8], any Error>) {
        iterator = messages.makeAsyncIterator()
    }

    func next() async throws -> [UInt8]? {
        try await iterator.next()
    }
}
