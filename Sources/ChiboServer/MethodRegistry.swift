import ChiboCodec
import ChiboModel
import ChiboWire

/// The methods a server serves, each with a typed handler. Services register their methods here;
/// the runtime decodes requests, encodes responses and turns thrown errors into statuses.
public struct MethodRegistry: Sendable {
    /// A registered handler with its types erased to bytes.
    enum Handler: Sendable {
        /// Runs on the connection's event loop, with no task hop: for cheap, non-blocking work.
        case inline(@Sendable ([UInt8], CallContext) throws -> [UInt8])
        /// A unary handler run in a task.
        case unary(@Sendable ([UInt8], CallContext) async throws -> [UInt8])
        /// A server-streaming handler run in a task; it returns the trailer sent in the `Close`.
        case serverStreaming(@Sendable ([UInt8], ResponseSink, CallContext) async throws -> [UInt8])
        /// A client-streaming handler run in a task.
        case clientStreaming(@Sendable (RequestByteStream, CallContext) async throws -> [UInt8])

        var kind: CallKind {
            switch self {
            case .inline, .unary: .unary
            case .serverStreaming: .serverStreaming
            case .clientStreaming: .clientStreaming
            }
        }
    }

    private(set) var handlers: [Method: Handler] = [:]
    /// The check every call passes before its handler; nil to run handlers unchecked.
    public let gate: (any CallGate)?

    /// An empty registry; with a gate, every handler registered runs behind it.
    public init(gate: (any CallGate)? = nil) {
        self.gate = gate
    }

    /// Runs an admitted handler and tells the gate how it ended.
    static func reporting(
        to gate: (any CallGate)?,
        _ context: CallContext,
        _ body: () async throws -> [UInt8]
    ) async throws -> [UInt8] {
        do {
            let result = try await CurrentCall.$context.withValue(context) { try await body() }
            gate?.finished(context: context, error: nil)
            return result
        } catch {
            gate?.finished(context: context, error: error)
            throw error
        }
    }

    /// Decodes a request and passes it through the gate, if any.
    static func admitted<Request: ProtoMessage>(
        _ bytes: [UInt8],
        _ context: CallContext,
        gate: (any CallGate)?
    ) async throws -> (Request, CallContext) {
        let request = try Request(payload: bytes)
        guard let gate else { return (request, context) }
        var context = context
        return (try await gate.admit(request, context: &context), context)
    }

    /// Registers a cheap, non-blocking unary handler that runs directly on the connection's event
    /// loop (no Swift-concurrency hop): health checks, lookups in memory.
    public mutating func registerInline<Request: ProtoMessage, Response: ProtoMessage>(
        _ method: Method,
        _ handler: @escaping @Sendable (Request, CallContext) throws -> Response
    ) {
        if let gate {
            // A gate may need to look the caller up: run the handler as an ordinary one.
            handlers[method] = .unary { bytes, context in
                let (request, admitted): (Request, CallContext) = try await Self.admitted(bytes, context, gate: gate)
                return try await Self.reporting(to: gate, admitted) { try handler(request, admitted).serializedBytes() }
            }
            return
        }
        handlers[method] = .inline { bytes, context in
            try handler(try Request(payload: bytes), context).serializedBytes()
        }
    }

    /// Registers a unary handler.
    public mutating func registerUnary<Request: ProtoMessage, Response: ProtoMessage>(
        _ method: Method,
        _ handler: @escaping @Sendable (Request, CallContext) async throws -> Response
    ) {
        let gate = gate
        handlers[method] = .unary { bytes, context in
            let (request, admitted): (Request, CallContext) = try await Self.admitted(bytes, context, gate: gate)
            return try await Self.reporting(to: gate, admitted) {
                try await handler(request, admitted).serializedBytes()
            }
        }
    }

    /// Registers a server-streaming handler: it sends responses through the writer, which
    /// suspends while the client's window is empty or the connection cannot take more bytes
    /// (after queueing at most one initial window of messages ahead).
    public mutating func registerServerStreaming<Request: ProtoMessage, Response: ProtoMessage>(
        _ method: Method,
        _ handler: @escaping @Sendable (Request, ResponseStream<Response>, CallContext) async throws -> Void
    ) {
        let gate = gate
        handlers[method] = .serverStreaming { bytes, sink, context in
            let (request, admitted): (Request, CallContext) = try await Self.admitted(bytes, context, gate: gate)
            return try await Self.reporting(to: gate, admitted) {
                try await handler(request, ResponseStream(sink: sink), admitted)
                return []
            }
        }
    }

    /// Registers a server-streaming handler that ends its stream with a trailer, such as the
    /// `PageEnd` of a list, sent as the payload of the call's `Close`.
    public mutating func registerServerStreaming<
        Request: ProtoMessage,
        Response: ProtoMessage,
        Trailer: ProtoMessage
    >(
        _ method: Method,
        _ handler: @escaping @Sendable (Request, ResponseStream<Response>, CallContext) async throws -> Trailer
    ) {
        let gate = gate
        handlers[method] = .serverStreaming { bytes, sink, context in
            let (request, admitted): (Request, CallContext) = try await Self.admitted(bytes, context, gate: gate)
            return try await Self.reporting(to: gate, admitted) {
                try await handler(request, ResponseStream(sink: sink), admitted).serializedBytes()
            }
        }
    }

    /// Registers a client-streaming handler: it reads requests as an async sequence and returns
    /// one response.
    public mutating func registerClientStreaming<Request: ProtoMessage, Response: ProtoMessage>(
        _ method: Method,
        _ handler: @escaping @Sendable (RequestStream<Request>, CallContext) async throws -> Response
    ) {
        let gate = gate
        handlers[method] = .clientStreaming { stream, context in
            var admitted = context
            if let gate { try await gate.admitStream(context: &admitted) }
            let checked = admitted
            return try await Self.reporting(to: gate, checked) {
                try await handler(RequestStream(bytes: stream), checked).serializedBytes()
            }
        }
    }

    /// Each registered method with how its messages flow.
    var callKinds: [Method: CallKind] { handlers.mapValues(\.kind) }
}
