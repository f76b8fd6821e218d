import ChiboCodec
import ChiboModel
import ChiboServer
import GRPCCore
import Logging

/// `grpc.health.v1.Health` mapped to Chibo's own health: Check and Watch go through the
/// dispatcher to `Health.Check` and `Health.Watch` (open to anonymous callers), so both
/// transports report the same status, NOT_SERVING from the moment a shutdown begins. The service
/// name may be empty (the server) or any service served; another is NOT_FOUND for Check and
/// SERVICE_UNKNOWN for Watch, as the health protocol says.
struct HealthService: RegistrableRPCService {
    let dispatcher: CallDispatcher
    let services: Set<String>
    let logger: Logger

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        let health = self
        router.registerHandler(
            forMethod: MethodDescriptor(fullyQualifiedService: "grpc.health.v1.Health", method: "Check"),
            deserializer: ChiboMessageDeserializer<GRPCHealthV1HealthCheckRequest>(),
            serializer: ChiboMessageSerializer<GRPCHealthV1HealthCheckResponse>()
        ) { request, context in
            let single = try await ServerRequest(stream: request)
            return StreamingServerResponse(single: ServerResponse(message: try await health.check(single, context)))
        }
        router.registerHandler(
            forMethod: MethodDescriptor(fullyQualifiedService: "grpc.health.v1.Health", method: "Watch"),
            deserializer: ChiboMessageDeserializer<GRPCHealthV1HealthCheckRequest>(),
            serializer: ChiboMessageSerializer<GRPCHealthV1HealthCheckResponse>()
        ) { request, context in
            let single = try await ServerRequest(stream: request)
            return StreamingServerResponse { writer in
                try await health.watch(single, context, writer)
                return [:]
            }
        }
    }

    private func check(
        _ request: ServerRequest<GRPCHealthV1HealthCheckRequest>,
        _ context: ServerContext
    ) async throws -> GRPCHealthV1HealthCheckResponse {
        guard request.message.service.isEmpty || services.contains(request.message.service) else {
            throw RPCError(code: .notFound, message: "no service named \"\(request.message.service)\" is served")
        }
        let call = dispatcher.makeContext(
            method: .healthCheck,
            deadline: nil,
            remoteAddress: PeerAddress.parse(context.remotePeer),
            token: "",
            logger: logger
        )
        do {
            let bytes = try await dispatcher.unary(try HealthCheckRequest().serializedBytes(), context: call)
            return Self.mapped(try HealthCheckResponse(serializedBytes: bytes))
        } catch {
            throw StatusMapping.rpcError(for: error)
        }
    }

    private func watch(
        _ request: ServerRequest<GRPCHealthV1HealthCheckRequest>,
        _ context: ServerContext,
        _ writer: RPCWriter<GRPCHealthV1HealthCheckResponse>
    ) async throws {
        guard request.message.service.isEmpty || services.contains(request.message.service) else {
            try await writer.write(GRPCHealthV1HealthCheckResponse(status: .serviceUnknown))
            try await ServerContext.RPCCancellationHandle.waitForever(context)
            return
        }
        let call = dispatcher.makeContext(
            method: .healthWatch,
            deadline: nil,
            remoteAddress: PeerAddress.parse(context.remotePeer),
            token: "",
            logger: logger
        )
        let work = Task {
            _ = try await dispatcher.serverStreaming(try HealthCheckRequest().serializedBytes(), context: call) {
                try await writer.write(Self.mapped(try HealthCheckResponse(serializedBytes: $0)))
            }
        }
        do {
            try await withTaskCancellationHandler {
                try await withRPCCancellationHandler {
                    try await work.value
                } onCancelRPC: {
                    // The transport cancels every call in flight when a graceful shutdown
                    // begins; the watch then ends by itself with NOT_SERVING (the shutdown was
                    // signalled first), so only a cancellation for another reason stops it.
                    if !dispatcher.isShuttingDown { work.cancel() }
                }
            } onCancel: {
                work.cancel()
            }
        } catch {
            throw StatusMapping.rpcError(for: error)
        }
    }

    private static func mapped(_ response: HealthCheckResponse) -> GRPCHealthV1HealthCheckResponse {
        GRPCHealthV1HealthCheckResponse(status: response.status == .serving ? .serving : .notServing)
    }
}

extension ServerContext.RPCCancellationHandle {
    /// Waits until the RPC is cancelled (the client went away or its deadline passed).
    static func waitForever(_ context: ServerContext) async throws {
        try await context.cancellation.cancelled
    }
}

/// The standard services the gRPC listener serves beside Chibo's: health and reflection.
public enum StandardServices {
    /// Health (mapped to `dispatcher`'s) and reflection (v1 and v1alpha) of the embedded
    /// descriptor set.
    public static func make(
        dispatcher: CallDispatcher,
        logger: Logger = Logger(label: "chibo.grpc")
    ) -> [any RegistrableRPCService] {
        let index = ReflectionIndex.shared
        return [
            HealthService(dispatcher: dispatcher, services: Set(index.services), logger: logger),
            ReflectionService(index: index),
        ]
    }
}
