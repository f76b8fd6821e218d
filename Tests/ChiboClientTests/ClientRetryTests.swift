import ChiboClient
import ChiboModel
import ChiboServer
import ChiboTesting
import Logging
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

    @Test func idempotentCallsReconnectWithBackoff() async throws {
        var logger = Logger(label: "chibo.test")
        logger.logLevel = .critical
        // Find a free port, then leave it unbound for a moment.
        let port = try await TestServer.run { probe in probe.port }
        let client = ChiboClient(
            host: "127.0.0.1",
            port: port,
            configuration: ClientConfiguration(
                // Enough attempts for a minute of retrying: the server coming up late must not
                // outlast them on a busy machine.
                maxAttempts: 600,
                initialBackoff: .milliseconds(20),
                maxBackoff: .milliseconds(100)
            )
        )
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            let call = Task {
                try await client.unary(
                    .healthCheck,
                    HealthCheckRequest(),
                    as: HealthCheckResponse.self,
                    options: CallOptions(idempotent: true)
                )
            }
            // This sleep is the case under test (a server that comes up after the first attempts),
            // not synchronisation: the call succeeds whether it retried once or many times.
            try await Task.sleep(for: .milliseconds(300))
            let server = ChiboServer(configuration: ServerConfiguration(port: port), logger: logger)
            tasks.addTask { try await server.run() }
            let health = try await call.value
            #expect(health.status == .serving)
            tasks.cancelAll()
        }
        await client.close()
    }
}
