import ChiboCodec
import ChiboGRPC
import ChiboModel
import ChiboServer
import ChiboTesting
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import Testing

/// A graceful shutdown lets the gRPC listener's calls in flight finish, as the Chibo listener's
/// do: the transport cancels every call when it sends its GOAWAY, and the server must not pass
/// that on to the work.
@Suite struct GRPCDrainTests {
    static let getMember = Call<GetMemberRequest, MemberResponse>("chibo.v1.Members", "Get")
    static let hold = Call<GRPCHealthV1HealthCheckRequest, GRPCHealthV1HealthCheckResponse>("chibo.test.Probe", "Hold")

    @Test func aCallInFlightFinishesAfterTheTransportCancelsIt() async throws {
        let release = Latch()
        let started = NIOLockedValueBox(0)
        var registry = MethodRegistry()
        // Held until the test releases it; a cancelled handler ends with CANCELLED instead.
        registry.registerUnary(.membersGet) { (request: GetMemberRequest, _) in
            started.withLockedValue { $0 += 1 }
            await release.wait()
            try Task.checkCancellation()
            return MemberResponse(member: Member(id: request.id))
        }
        let probe = CancellationProbe()
        let server = ChiboServer(
            configuration: ServerConfiguration(port: 0, shutdownGracePeriod: .seconds(120)),
            registry: registry,
            logger: TestServer.quietLogger
        )
        let grpc = ChiboGRPCServer(
            configuration: GRPCListenerConfiguration(port: 0, shutdownGracePeriod: .seconds(120)),
            dispatcher: server.dispatcher,
            extraServices: [probe],
            logger: TestServer.quietLogger
        )
        let group = ServiceGroup(services: [server, grpc], logger: TestServer.quietLogger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let port = try #require(try await grpc.listeningAddress.port)
            try await withGRPCClient(
                transport: try .http2NIOPosix(
                    target: .ipv4(address: "127.0.0.1", port: port),
                    transportSecurity: .plaintext
                )
            ) { client in
                let held = Task { try await Self.getMember.unary(client, GetMemberRequest(id: "held")) }
                let probed = Task { try await Self.hold.serverStream(client, GRPCHealthV1HealthCheckRequest()) }
                try await waitUntil("the held call and the probe to start") {
                    started.withLockedValue { $0 } == 1 && probe.started
                }
                await group.triggerGracefulShutdown()
                // The probe's handler sees the transport cancel it; the held call's stream on
                // the same connection got the same event in the same turn of its event loop.
                try await waitUntil("the transport to cancel the calls in flight") { probe.cancelled }
                release.open()
                let response = try await held.value
                #expect(response.member?.id == "held")
                _ = try await probed.value
            }
            try await tasks.next()
        }
    }
}

/// Opens once; `wait` returns when it is open, or when the waiting task is cancelled.
private final class Latch: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() { (stream, continuation) = AsyncStream<Void>.makeStream() }

    func open() {
        continuation.yield()
        continuation.finish()
    }

    func wait() async {
        for await _ in stream { return }
    }
}

/// A gRPC service of one method, `chibo.test.Probe/Hold`, that holds its call until the
/// transport cancels it, and says when it started and when that happened.
private final class CancellationProbe: RegistrableRPCService, Sendable {
    private let state = NIOLockedValueBox((started: false, cancelled: false))

    var started: Bool { state.withLockedValue { $0.started } }
    var cancelled: Bool { state.withLockedValue { $0.cancelled } }

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        router.registerHandler(
            forMethod: GRPCDrainTests.hold.descriptor,
            deserializer: ChiboMessageDeserializer<GRPCHealthV1HealthCheckRequest>(),
            serializer: ChiboMessageSerializer<GRPCHealthV1HealthCheckResponse>()
        ) { request, context in
            _ = try await ServerRequest(stream: request)
            return StreamingServerResponse { _ in
                self.state.withLockedValue { $0.started = true }
                try await context.cancellation.cancelled
                self.state.withLockedValue { $0.cancelled = true }
                return [:]
            }
        }
    }
}
