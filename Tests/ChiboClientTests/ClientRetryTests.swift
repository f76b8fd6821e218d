import ChiboClient
import ChiboModel
import ChiboServer
import ChiboTesting
import Logging
import NIOConcurrencyHelpers
import Testing

/// The client's retries: an idempotent call tries again, with backoff, until a server answers
/// or its attempts run out.
@Suite struct ClientRetryTests {
    @Test func idempotentCallsRetryUntilTheServerIsUp() async throws {
        // Nothing listens on this port at first; the retry loop reconnects once a server is there.
        let client = ChiboClient(
            host: "127.0.0.1",
            port: 1,
            configuration: ClientConfiguration(maxAttempts: 2, initialBackoff: .milliseconds(10))
        )
        do {
            _ = try await client.unary(
                .healthCheck,
                HealthCheckRequest(),
                as: HealthCheckResponse.self,
                options: CallOptions(idempotent: true)
            )
            Issue.record("no server listens on port 1")
        } catch let error as ClientError {
            #expect(error.code == .unavailable)
        }
    }

    /// The delays between attempts double from the first up to the longest, on a clock that
    /// records them instead of waiting.
    @Test func backoffDoublesUpToItsLongestDelay() async throws {
        let delays = NIOLockedValueBox<[Duration]>([])
        var configuration = ClientConfiguration(
            maxAttempts: 6,
            initialBackoff: .milliseconds(100),
            maxBackoff: .milliseconds(500)
        )
        configuration.waitBeforeRetry = { delay in delays.withLockedValue { $0.append(delay) } }
        // Nothing listens on port 1: every attempt fails with UNAVAILABLE.
        let client = ChiboClient(host: "127.0.0.1", port: 1, configuration: configuration)
        do {
            _ = try await client.unary(
                .healthCheck,
                HealthCheckRequest(),
                as: HealthCheckResponse.self,
                options: CallOptions(idempotent: true)
            )
            Issue.record("no server listens on port 1")
        } catch let error as ClientError {
            #expect(error.code == .unavailable)
        }
        #expect(delays.withLockedValue { $0 } == [100, 200, 400, 500, 500].map { Duration.milliseconds($0) })
        await client.close()
    }

    @Test func idempotentCallsReconnectWithBackoff() async throws {
        // Find a free port, then leave it unbound until the call has failed once.
        let port = try await TestServer.run { probe in probe.port }
        let (failures, failed) = AsyncStream<Void>.makeStream()
        var configuration = ClientConfiguration(
            maxAttempts: 600,
            initialBackoff: .milliseconds(20),
            maxBackoff: .milliseconds(100)
        )
        // Signals each failed attempt, then waits the backoff as the client would (the delay is
        // the client's own pacing, not the test's synchronisation).
        configuration.waitBeforeRetry = { delay in
            failed.yield()
            try await Task.sleep(for: delay)
        }
        let client = ChiboClient(host: "127.0.0.1", port: port, configuration: configuration)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            let call = Task {
                try await client.unary(
                    .healthCheck,
                    HealthCheckRequest(),
                    as: HealthCheckResponse.self,
                    options: CallOptions(idempotent: true)
                )
            }
            // The server comes up once the first attempt has failed.
            for await _ in failures { break }
            let server = ChiboServer(configuration: ServerConfiguration(port: port), logger: TestServer.quietLogger)
            tasks.addTask { try await server.run() }
            let health = try await call.value
            #expect(health.status == .serving)
            tasks.cancelAll()
        }
        await client.close()
    }
}
