import ChiboClient
import ChiboModel
import ChiboServer
import ChiboTesting
import ChiboWire
import Logging
import NIOConcurrencyHelpers
import Testing

/// `ChiboClient.clientStream` takes a request from its sequence only when the previous one has
/// gone out within the server's window: a server that stops consuming stops the producer, so a
/// lazy sequence (an import file read batch by batch) is never drained into memory.
@Suite struct ClientStreamPacingTests {
    /// A sequence of `count` requests that counts how many were taken.
    struct CountingRequests: AsyncSequence, Sendable {
        typealias Element = RecordMeetingRequest
        let count: Int
        let taken: NIOLockedValueBox<Int>

        struct AsyncIterator: AsyncIteratorProtocol {
            let count: Int
            let taken: NIOLockedValueBox<Int>

            mutating func next() async -> RecordMeetingRequest? {
                let index = taken.withLockedValue { taken -> Int in
                    defer { taken += 1 }
                    return taken
                }
                return index < count ? RecordMeetingRequest(meeting: Meeting(id: "\(index)")) : nil
            }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(count: count, taken: taken) }
    }

    @Test func aServerThatStopsConsumingStopsTheProducer() async throws {
        // The handler waits on this gate after its first message; finishing the stream opens it.
        let (gate, opener) = AsyncStream<Void>.makeStream()
        var registry = MethodRegistry()
        // Takes one message, waits for the gate, then takes the rest.
        registry.registerClientStreaming(.meetingsRecord) { (requests: RequestStream<RecordMeetingRequest>, _) in
            var iterator = requests.makeAsyncIterator()
            var received = 0
            if try await iterator.next() != nil { received += 1 }
            for await _ in gate {}
            while try await iterator.next() != nil { received += 1 }
            return MeetingResponse(meeting: Meeting(id: "\(received)"))
        }
        let window = 8
        try await TestServer.run(
            configuration: ServerConfiguration(port: 0, limits: ConnectionLimits(initialWindow: window)),
            registry: registry
        ) { server in
            let client = server.client()
            let taken = NIOLockedValueBox(0)
            let call = Task {
                try await client.clientStream(
                    .meetingsRecord,
                    requests: CountingRequests(count: 1_000, taken: taken),
                    as: MeetingResponse.self
                )
            }
            // The producer fills the window at least; then a round trip on the same connection
            // lets any credit already on its way arrive before the count is read.
            try await waitUntil("the producer to fill the window") { taken.withLockedValue { $0 } > window }
            _ = try await client.unary(.healthCheck, HealthCheckRequest(), as: HealthCheckResponse.self)
            // The window, the one message consumed (and the credit it returned, half a window at
            // most), and the one parked waiting for credit.
            let whileBlocked = taken.withLockedValue { $0 }
            #expect(whileBlocked <= window + 1 + window / 2 + 1, "took \(whileBlocked) of 1000 while the server waited")
            opener.finish()
            let response = try await call.value
            #expect(response.meeting?.id == "1000")
            await client.close()
        }
    }

    /// A server that refuses a client stream while the client is still sending: the client
    /// reports the server's status, not the failure of its next send.
    @Test func anEarlyRefusalReachesTheCallerWithItsStatus() async throws {
        var registry = MethodRegistry()
        registry.registerClientStreaming(.meetingsRecord) {
            (requests: RequestStream<RecordMeetingRequest>, _) -> MeetingResponse in
            var iterator = requests.makeAsyncIterator()
            _ = try await iterator.next()
            throw CallError(.permissionDenied, "this stream is refused after its first message")
        }
        try await TestServer.run(
            configuration: ServerConfiguration(port: 0, limits: ConnectionLimits(initialWindow: 4)),
            registry: registry
        ) { server in
            let client = server.client()
            for _ in 0..<20 {
                do {
                    _ = try await client.clientStream(
                        .meetingsRecord,
                        requests: CountingRequests(count: 10_000, taken: NIOLockedValueBox(0)),
                        as: MeetingResponse.self
                    )
                    Issue.record("the refused stream succeeded")
                } catch let error as ClientError {
                    #expect(error.code == .permissionDenied, "\(error)")
                }
            }
            await client.close()
        }
    }
}
