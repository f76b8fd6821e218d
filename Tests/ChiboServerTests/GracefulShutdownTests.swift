import ChiboClient
import ChiboModel
import ChiboServer
import ChiboTesting
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
        var configuration = ServerConfiguration(port: 0, shutdownGracePeriod: .seconds(5))
        TestServer.patientHandshake(&configuration.limits)
        let server = ChiboServer(
            configuration: configuration,
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
}
