import ChiboCodec
import ChiboModel
import NIOConcurrencyHelpers
import NIOCore

/// Carries one server stream's messages from its handler's task to the connection. `send`
/// queues a message and returns at once while fewer than `capacity` messages are outstanding
/// (queued, or waiting for the client's window), so the task and the event loop work in
/// batches: the loop is woken once per batch, writes what the window allows and flushes once.
/// The task suspends only when `capacity` messages are outstanding, which bounds what a slow
/// reader costs in memory.
final class ResponseStreamWriter: Sendable {
    private let callID: UInt32
    private let connection: NIOLoopBound<ServerConnectionHandler>
    private let capacity: Int
    private let state = NIOLockedValueBox(State())

    private struct State {
        /// Messages accepted and not yet taken by the connection.
        var queued: [[UInt8]] = []
        /// Messages accepted and not yet written.
        var outstanding = 0
        var drainScheduled = false
        /// A send waiting for room, with its message.
        var parked: (payload: [UInt8], continuation: CheckedContinuation<Void, any Error>)?
        /// The call is over: sends fail.
        var closed = false
    }

    private enum Admission {
        case accepted(scheduleDrain: Bool)
        case full
        case closed
    }

    init(callID: UInt32, connection: NIOLoopBound<ServerConnectionHandler>, capacity: Int) {
        self.callID = callID
        self.connection = connection
        self.capacity = max(1, capacity)
    }

    /// Sends one message; suspends while `capacity` messages are outstanding; throws
    /// `CancellationError` once the call is gone.
    func send(_ payload: [UInt8]) async throws {
        let capacity = self.capacity
        switch state.withLockedValue({ Self.admit(payload, into: &$0, capacity: capacity) }) {
        case .accepted(let scheduleDrain):
            if scheduleDrain { self.scheduleDrain() }
        case .closed:
            throw CancellationError()
        case .full:
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let admission = state.withLockedValue { state in
                    let admission = Self.admit(payload, into: &state, capacity: capacity)
                    if case .full = admission { state.parked = (payload, continuation) }
                    return admission
                }
                switch admission {
                case .accepted(let scheduleDrain):
                    if scheduleDrain { self.scheduleDrain() }
                    continuation.resume()
                case .closed:
                    continuation.resume(throwing: CancellationError())
                case .full:
                    break
                }
            }
        }
    }

    private static func admit(_ payload: [UInt8], into state: inout State, capacity: Int) -> Admission {
        if state.closed { return .closed }
        guard state.outstanding < capacity else { return .full }
        state.outstanding += 1
        state.queued.append(payload)
        let scheduleDrain = !state.drainScheduled
        state.drainScheduled = true
        return .accepted(scheduleDrain: scheduleDrain)
    }

    private func scheduleDrain() {
        let connection = self.connection
        let callID = self.callID
        connection.eventLoop.execute { connection.value.drainStream(callID) }
    }

    // MARK: The connection's side, on its event loop

    /// The messages queued since the last call, in order.
    func take() -> [[UInt8]] {
        state.withLockedValue { state in
            state.drainScheduled = false
            let queued = state.queued
            state.queued = []
            return queued
        }
    }

    /// `count` taken messages were written. A parked send gets its room back: its message is
    /// queued and true is returned.
    func written(_ count: Int) -> Bool {
        let capacity = self.capacity
        let resumed = state.withLockedValue { state -> CheckedContinuation<Void, any Error>? in
            state.outstanding -= count
            guard let parked = state.parked, state.outstanding < capacity else { return nil }
            state.parked = nil
            state.outstanding += 1
            state.queued.append(parked.payload)
            return parked.continuation
        }
        resumed?.resume()
        return resumed != nil
    }

    /// The call is over: queued messages are dropped, pending and later sends fail.
    func close() {
        let parked = state.withLockedValue { state in
            state.closed = true
            state.queued = []
            defer { state.parked = nil }
            return state.parked
        }
        parked?.continuation.resume(throwing: CancellationError())
    }
}

/// Where a server stream's encoded messages go: a Chibo connection's writer, or another
/// transport's (gRPC) send function, which suspends while its peer cannot take more.
enum ResponseSink: Sendable {
    case connection(ResponseStreamWriter)
    case external(@Sendable ([UInt8]) async throws -> Void)

    func send(_ payload: [UInt8]) async throws {
        switch self {
        case .connection(let writer): try await writer.send(payload)
        case .external(let send): try await send(payload)
        }
    }
}

/// Where a server-streaming handler sends its responses.
public struct ResponseStream<Response: ProtoMessage>: Sendable {
    let sink: ResponseSink

    /// Sends one response: queues it, and suspends while the client cannot take more (flow
    /// control, with at most one initial window of messages queued ahead); throws
    /// `CancellationError` when the call was cancelled or its deadline passed.
    public func send(_ response: Response) async throws {
        try await sink.send(try response.serializedBytes())
    }
}

/// The raw messages of a client stream, in order. Reading one grants the client credit back.
final class RequestByteStream: AsyncSequence, Sendable {
    typealias Element = [UInt8]

    private let stream: AsyncThrowingStream<[UInt8], any Error>
    let continuation: AsyncThrowingStream<[UInt8], any Error>.Continuation
    private let onConsume: @Sendable () -> Void
    /// Another transport's source of messages, read one at a time as the handler asks (its own
    /// flow control holds the peer back); nil for a Chibo connection, which yields into the stream.
    private let pull: (@Sendable () async throws -> [UInt8]?)?

    init(onConsume: @escaping @Sendable () -> Void) {
        (stream, continuation) = AsyncThrowingStream.makeStream(bufferingPolicy: .unbounded)
        self.onConsume = onConsume
        self.pull = nil
    }

    /// A stream read from another transport: `pull` gives the next message, nil at the end.
    init(pull: @escaping @Sendable () async throws -> [UInt8]?) {
        (stream, continuation) = AsyncThrowingStream.makeStream(bufferingPolicy: .unbounded)
        self.onConsume = {}
        self.pull = pull
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<[UInt8], any Error>.AsyncIterator
        let onConsume: @Sendable () -> Void
        let pull: (@Sendable () async throws -> [UInt8]?)?

        mutating func next() async throws -> [UInt8]? {
            if let pull { return try await pull() }
            guard let element = try await base.next() else { return nil }
            onConsume()
            return element
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: stream.makeAsyncIterator(), onConsume: onConsume, pull: pull)
    }
}

/// The requests of a client-streaming call, decoded one by one. A message that fails to decode
/// ends the iteration with its `CodecError`, which ends the call with INVALID_ARGUMENT.
public struct RequestStream<Request: ProtoMessage>: AsyncSequence, Sendable {
    /// The decoded requests.
    public typealias Element = Request
    let bytes: RequestByteStream

    /// Iterates the requests.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestByteStream.AsyncIterator

        /// The next request, or nil after the client's end of stream.
        public mutating func next() async throws -> Request? {
            guard let payload = try await base.next() else { return nil }
            return try Request(payload: payload)
        }
    }

    /// Starts iterating; a client stream can be iterated once.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: bytes.makeAsyncIterator())
    }
}
