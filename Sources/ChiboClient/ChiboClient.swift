import ChiboCodec
import ChiboModel
import ChiboWire
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// A Chibo client: one TCP connection, opened on first use, multiplexing every concurrent call.
/// Calls are async; cancelling the calling task cancels the call on the server; idempotent calls
/// are retried with exponential backoff on a new connection when the connection fails.
public final class ChiboClient: Sendable {
    private let host: String
    private let port: Int
    private let configuration: ClientConfiguration
    private let group: any EventLoopGroup
    private let current = NIOLockedValueBox<Connection?>(nil)

    /// One established connection.
    struct Connection: @unchecked Sendable {
        // The handler is only touched on the channel's event loop.
        let channel: any Channel
        let handler: NIOLoopBound<ClientConnectionHandler>
        let welcome: Welcome

        var eventLoop: any EventLoop { channel.eventLoop }
    }

    /// Creates a client for the server at `host`:`port`; nothing connects until the first call.
    public init(
        host: String,
        port: Int,
        configuration: ClientConfiguration = ClientConfiguration(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.host = host
        self.port = port
        self.configuration = configuration
        self.group = group
    }

    /// Closes the connection; calls in flight fail with UNAVAILABLE.
    public func close() async {
        let connection = current.withLockedValue { current in
            defer { current = nil }
            return current
        }
        try? await connection?.channel.close()
    }

    /// The server's welcome on the current connection, connecting if needed.
    public func welcome() async throws -> Welcome {
        try await connection().welcome
    }

    // MARK: Connecting

    func connection() async throws -> Connection {
        if let existing = current.withLockedValue({ $0 }), existing.channel.isActive {
            let usable = try await existing.eventLoop.submit { existing.handler.value.isUsable }.get()
            if usable { return existing }
        }
        let connection = try await connect()
        current.withLockedValue { $0 = connection }
        return connection
    }

    private func connect() async throws -> Connection {
        let configuration = self.configuration
        let host = self.host
        let port = self.port
        let serverName = configuration.serverHostname ?? host
        // Kept here rather than looked up in the pipeline: a peer can end the handshake (a TLS
        // alert) before the hello is sent, and a closed channel's pipeline is empty.
        let made = NIOLockedValueBox<NIOLoopBound<ClientConnectionHandler>?>(nil)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.nanoseconds(configuration.connectTimeout.nanoseconds))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let observer = PeerBytesObserver()
                        try channel.pipeline.syncOperations.addHandler(observer)
                        if let tls = configuration.tls {
                            // Hostname verification does not apply to an IP address.
                            let isAddress = serverName.allSatisfy { $0.isHexDigit || $0 == "." || $0 == ":" }
                            try channel.pipeline.syncOperations.addHandler(
                                try NIOSSLClientHandler(context: tls, serverHostname: isAddress ? nil : serverName)
                            )
                        }
                        let handler = ClientConnectionHandler(observer: observer)
                        try channel.pipeline.syncOperations.addHandlers([
                            ByteToMessageHandler(FrameDecoder(maxFrameBytes: ConnectionLimits.default.maxFrameBytes)),
                            MessageToByteHandler(FrameEncoder()),
                            handler,
                        ])
                        made.withLockedValue { $0 = NIOLoopBound(handler, eventLoop: channel.eventLoop) }
                    }
                }
                .connect(host: host, port: port)
                .map { channel in
                    // The hello goes out on the event loop as soon as the connection is up, not
                    // when this task resumes: on a loaded machine the task can wait past the
                    // server's handshake deadline, which runs from the connection's start.
                    if channel.isActive, let handler = made.withLockedValue({ $0 }) {
                        handler.value.sendHello(clientName: configuration.clientName, token: configuration.token)
                    }
                    return channel
                }
                .get()
        } catch {
            throw HandshakeDiagnosis.connectFailure(error, host: host, port: port)
        }
        // The handshake has its own deadline; a peer that closes, answers in another protocol
        // or stays silent is named by what it sent (see `HandshakeDiagnosis`).
        let timedOut = NIOLockedValueBox(false)
        do {
            guard let handler = made.withLockedValue({ $0 }) else {
                throw ClientError(code: .internal, message: "the connection's pipeline was not set up")
            }
            let future = try await channel.eventLoop.submit { handler.value.welcome }.get()
            // The deadline is judged on the event loop, where the welcome arrives: a welcome in
            // time counts however late this task resumes to read it (on a loaded machine the
            // task may wait past the deadline, and closing then failed the first call).
            let welcomed = NIOLockedValueBox(false)
            future.whenSuccess { _ in welcomed.withLockedValue { $0 = true } }
            let timeout = channel.eventLoop.scheduleTask(in: .nanoseconds(configuration.handshakeTimeout.nanoseconds)) {
                guard !welcomed.withLockedValue({ $0 }) else { return }
                timedOut.withLockedValue { $0 = true }
                channel.close(promise: nil)
            }
            defer { timeout.cancel() }
            let welcome = try await future.get()
            return Connection(channel: channel, handler: handler, welcome: welcome)
        } catch let interrupted as HandshakeInterrupted {
            throw HandshakeDiagnosis.handshakeFailure(
                host: host,
                port: port,
                usingTLS: configuration.tls != nil,
                firstBytes: interrupted.firstBytes,
                tlsProblem: interrupted.tlsProblem,
                timedOut: timedOut.withLockedValue { $0 },
                deadline: configuration.handshakeTimeout,
                serverName: serverName
            )
        } catch let error as ClientError {
            throw error
        } catch {
            throw ClientError(
                code: .unavailable,
                message: "the connection to \(host):\(port) closed during the handshake: \(error)"
            )
        }
    }

    // MARK: Calls

    /// Makes a unary call.
    public func unary<Request: ProtoMessage, Response: ProtoMessage>(
        _ method: Method,
        _ request: Request,
        as responseType: Response.Type = Response.self,
        options: CallOptions = CallOptions()
    ) async throws -> Response {
        let payload = try request.serializedBytes()
        let bytes = try await withRetries(options) { connection in
            try await self.unaryBytes(connection, method: method, payload: payload, timeout: options.timeout)
        }
        return try Response(serializedBytes: bytes)
    }

    private func unaryBytes(
        _ connection: Connection,
        method: Method,
        payload: [UInt8],
        timeout: Duration?
    )
        async throws -> [UInt8]
    {
        let handler = connection.handler
        let slot = CallSlot()
        let (response, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        return try await withTaskCancellationHandler {
            try await connection.eventLoop.submit {
                let id = handler.value.startCall(
                    kind: .unary,
                    method: method,
                    payload: payload,
                    timeout: timeout,
                    response: continuation
                )
                if slot.started(id), let id { handler.value.cancel(id) }
            }.get()
            return try await Self.single(response)
        } onCancel: {
            if let id = slot.cancel() {
                connection.eventLoop.execute { handler.value.cancel(id) }
            }
        }
    }

    /// The one response of a call; a cancelled task gets CANCELLED.
    private static func single(_ response: AsyncThrowingStream<[UInt8], any Error>) async throws -> [UInt8] {
        for try await bytes in response { return bytes }
        if Task.isCancelled { throw ClientError(code: .cancelled, message: "the call was cancelled") }
        throw ClientError(code: .internal, message: "the call ended without a response")
    }

    /// Makes a server-streaming call; responses arrive as an async sequence that grants the
    /// server credit as it is read. Ending the iteration early or cancelling the task cancels
    /// the call.
    public func serverStream<Request: ProtoMessage, Response: ProtoMessage>(
        _ method: Method,
        _ request: Request,
        as responseType: Response.Type = Response.self,
        options: CallOptions = CallOptions()
    ) async throws -> ResponseSequence<Response> {
        let payload = try request.serializedBytes()
        let connection = try await withRetries(options) { try await self.connection() }
        let handler = connection.handler
        let (stream, continuation) = AsyncThrowingStream<StreamEvent, any Error>.makeStream()
        let callID = NIOLockedValueBox<UInt32?>(nil)
        let started = connection.eventLoop.submit {
            let id = handler.value.startServerStream(
                method: method,
                payload: payload,
                timeout: options.timeout,
                stream: continuation
            )
            callID.withLockedValue { $0 = id }
        }
        try await started.get()
        continuation.onTermination = { termination in
            if case .cancelled = termination, let id = callID.withLockedValue({ $0 }) {
                connection.eventLoop.execute { handler.value.cancel(id) }
            }
        }
        return ResponseSequence(
            stream: stream,
            onConsume: {
                guard let id = callID.withLockedValue({ $0 }) else { return }
                connection.eventLoop.execute { handler.value.consumed(id) }
            }
        )
    }

    /// Makes a client-streaming call: sends every request of `requests` (pausing when the
    /// server's window is empty), then returns the single response.
    public func clientStream<Request: ProtoMessage, Response: ProtoMessage, Requests: AsyncSequence & Sendable>(
        _ method: Method,
        requests: Requests,
        as responseType: Response.Type = Response.self,
        options: CallOptions = CallOptions()
    ) async throws -> Response where Requests.Element == Request {
        let connection = try await connection()
        let handler = connection.handler
        let slot = CallSlot()
        let bytes = try await withTaskCancellationHandler {
            try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
                let response = AsyncThrowingStream<[UInt8], any Error>.makeStream()
                try await connection.eventLoop.submit {
                    let id = handler.value.startCall(
                        kind: .clientStreaming,
                        method: method,
                        payload: [],
                        timeout: options.timeout,
                        response: response.continuation
                    )
                    if slot.started(id), let id { handler.value.cancel(id) }
                }.get()
                group.addTask { try await Self.single(response.stream) }
                group.addTask {
                    for try await request in requests {
                        let payload = try request.serializedBytes()
                        guard let id = slot.id else { break }
                        do {
                            try await withCheckedThrowingContinuation { (sent: CheckedContinuation<Void, any Error>) in
                                connection.eventLoop.execute {
                                    handler.value.sendStreamMessage(id, payload: payload, continuation: sent)
                                }
                            }
                        } catch {
                            // The call is over (the server answered early, refused it, or the
                            // connection went): stop sending and let the response task report
                            // the server's status, which says why.
                            return nil
                        }
                    }
                    if let id = slot.id {
                        connection.eventLoop.execute { handler.value.endStream(id) }
                    }
                    return nil
                }
                var result: [UInt8]?
                for try await value in group {
                    if let value { result = value }
                }
                return result ?? []
            }
        } onCancel: {
            if let id = slot.cancel() {
                connection.eventLoop.execute { handler.value.cancel(id) }
            }
        }
        return try Response(serializedBytes: bytes)
    }

    // MARK: Retries

    private func withRetries<Result: Sendable>(
        _ options: CallOptions,
        _ body: @Sendable (Connection) async throws -> Result
    ) async throws -> Result {
        try await withRetries(options) {
            try await body(try await self.connection())
        }
    }

    private func withRetries<Result: Sendable>(
        _ options: CallOptions,
        _ body: @Sendable () async throws -> Result
    ) async throws -> Result {
        var attempt = 1
        var backoff = configuration.initialBackoff
        while true {
            do {
                return try await body()
            } catch let error as ClientError
                where error.code == .unavailable && !error.isFinal && options.idempotent
                && attempt < configuration.maxAttempts
            {
                attempt += 1
                try await configuration.waitBeforeRetry(backoff)
                backoff = min(backoff * 2, configuration.maxBackoff)
            }
        }
    }
}

/// Responses of a server-streaming call, in order. After the last response, `trailer(as:)`
/// gives the message the server ended the stream with, such as a list's `PageEnd`.
public struct ResponseSequence<Response: ProtoMessage>: AsyncSequence, Sendable {
    /// The decoded responses.
    public typealias Element = Response
    let stream: AsyncThrowingStream<StreamEvent, any Error>
    let onConsume: @Sendable () -> Void
    private let trailerBytes = NIOLockedValueBox<[UInt8]?>(nil)

    init(stream: AsyncThrowingStream<StreamEvent, any Error>, onConsume: @escaping @Sendable () -> Void) {
        self.stream = stream
        self.onConsume = onConsume
    }

    /// Iterates the responses.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<StreamEvent, any Error>.AsyncIterator
        let onConsume: @Sendable () -> Void
        let trailerBytes: NIOLockedValueBox<[UInt8]?>

        /// The next response, or nil when the server closed the call with OK; throws
        /// `ClientError` when it closed it with another status.
        public mutating func next() async throws -> Response? {
            while let event = try await base.next() {
                switch event {
                case .message(let payload):
                    onConsume()
                    return try Response(serializedBytes: payload)
                case .trailer(let payload):
                    trailerBytes.withLockedValue { $0 = payload }
                }
            }
            return nil
        }
    }

    /// Starts iterating; a response sequence can be iterated once.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: stream.makeAsyncIterator(), onConsume: onConsume, trailerBytes: trailerBytes)
    }

    /// The trailer of a finished stream, decoded as `type`; nil when the server sent none.
    public func trailer<Trailer: ProtoMessage>(as type: Trailer.Type) throws -> Trailer? {
        guard let bytes = trailerBytes.withLockedValue({ $0 }) else { return nil }
        return try Trailer(serializedBytes: bytes)
    }
}

/// The id of one call and whether its task was cancelled, shared between the task's
/// cancellation handler and the event loop that starts the call, so that a cancellation racing
/// with the start is never lost.
final class CallSlot: Sendable {
    private struct State {
        var id: UInt32?
        var cancelled = false
    }
    private let state = NIOLockedValueBox(State())

    /// The call's id once started.
    var id: UInt32? { state.withLockedValue { $0.id } }

    /// Records the started call's id; true when the task was already cancelled.
    func started(_ id: UInt32?) -> Bool {
        state.withLockedValue { state in
            state.id = id
            return state.cancelled
        }
    }

    /// Marks the task cancelled; the id to cancel when the call has started.
    func cancel() -> UInt32? {
        state.withLockedValue { state in
            state.cancelled = true
            return state.id
        }
    }
}
