import ChiboClient
import ChiboModel
import ChiboServer
import ChiboWire
import Logging
import ServiceLifecycle
import Testing

/// Shutdown drains: calls in flight finish, new calls are refused, the server stops.
@Suite struct GracefulShutdownTests {
    @Test func callsInFlightFinishAndNewOnesAreRefused() async throws {
        let handlerStarts = ServerClientTests.HandlerStarts()
        var logger = Logger(label: "chibo.test")
        logger.logLevel = .critical
        let server = ChiboServer(
            configuration: ServerConfiguration(port: 0, shutdownGracePeriod: .seconds(5)),
            registry: ServerClientTests.testRegistry(handlerStarts: handlerStarts),
            logger: logger
        )
        let group = ServiceGroup(services: [server], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let port = try await server.listeningAddress.port!
            let client = ChiboClient(host: "127.0.0.1", port: port)
            _ = try await client.welcome()
            let slowCall = Task {
                try await client.unary(.membersGet, GetMemberRequest(id: "400"), as: MemberResponse.self)
            }
            try await handlerStarts.wait(for: 1)
            await group.triggerGracefulShutdown()
            // The call in flight completes normally.
            let response = try await slowCall.value
            #expect(response.member?.id == "400")
            // The server is gone once drained: a new call cannot connect.
            try await tasks.next()
            do {
                _ = try await client.unary(.healthCheck, HealthCheckRequest(), as: HealthCheckResponse.self)
                Issue.record("the stopped server answered")
            } catch let error as ClientError {
                #expect(error.code == .unavailable)
            }
            await client.close()
        }
    }

    @Test func idempotentCallsReconnectWithBackoff() async throws {
        var logger = Logger(label: "chibo.test")
        logger.logLevel = .critical
        // Find a free port, then leave it unbound for a moment.
        let probe = ChiboServer(configuration: ServerConfiguration(port: 0), logger: logger)
        let port = try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await probe.run() }
            let port = try await probe.listeningAddress.port!
            tasks.cancelAll()
            return port
        }
        let client = ChiboClient(
            host: "127.0.0.1",
            port: port,
            configuration: ClientConfiguration(
                maxAttempts: 30,
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
