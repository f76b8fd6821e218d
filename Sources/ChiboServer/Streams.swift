import ChiboCodec
import ChiboModel
import NIOCore

/// Sends one call's stream messages through its connection; owned by the connection handler,
/// used from the handler's task. Every method hops to the connection's event loop.
final class ResponseStreamWriter: Sendable {
    private let callID: UInt32
    private let connection: NIOLoopBound<ServerConnectionHandler>

    init(callID: UInt32, connection: NIOLoopBound<ServerConnectionHandler>) {
        self.callID = callID
        self.connection = connection
    }

    /// Sends one message; suspends while the client's window is empty or the connection's
    /// outbound buffer is full; throws `CancellationError` once the call is gone.
    func send(_ payload: [UInt8]) async throws {
        let connection = self.connection
        let callID = self.callID
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            connection.eventLoop.execute {
                connection.value.streamSend(callID: callID, payload: payload, continuation: continuation)
            }
        }
    }
}

/// Where a server-streaming handler sends its responses.
public struct ResponseStream<Response: ProtoMessage>: Sendable {
    let writer: ResponseStreamWriter

    /// Sends one response; suspends while the client cannot take more (flow control), and
    /// throws `CancellationError` when the call was cancelled or its deadline passed.
    public func send(_ response: Response) async throws {
        try await writer.send(try response.serializedBytes())
    }
}

/// The raw messages of a client stream, in order. Reading one grants the client credit back.
final class RequestByteStream: AsyncSequence, Sendable {
    typealias Element = [UInt8]

    private let stream: AsyncThrowingStream<[UInt8], any Error>
    let continuation: AsyncThrowingStream<[UInt8], any Error>.Continuation
    private let onConsume: @Sendable () -> Void

    init(onConsume: @escaping @Sendable () -> Void) {
        (stream, continuation) = AsyncThrowingStream.makeStream(bufferingPolicy: .unbounded)
        self.onConsume = onConsume
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<[UInt8], any Error>.AsyncIterator
        let onConsume: @Sendable () -> Void

        mutating func next() async throws -> [UInt8]? {
            guard let element = try await base.next() else { return nil }
            onConsume()
            return element
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: stream.makeAsyncIterator(), onConsume: onConsume)
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
            return try Request(serializedBytes: payload)
        }
    }

    /// Starts iterating; a client stream can be iterated once.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: bytes.makeAsyncIterator())
    }
}
