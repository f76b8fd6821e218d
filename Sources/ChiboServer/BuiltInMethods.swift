import ChiboModel
import ChiboWire
import NIOCore

/// The methods every server serves: health check and watch, and server info.
enum BuiltInMethods {
    static func register(
        into registry: inout MethodRegistry,
        configuration: ServerConfiguration,
        startedAt: NIODeadline,
        shutdown: ShutdownSignal
    ) {
        registry.registerInline(.healthCheck) { (_: HealthCheckRequest, _) in
            HealthCheckResponse(status: shutdown.isSignalled ? .notServing : .serving)
        }
        registry.registerServerStreaming(.healthWatch) {
            (_: HealthCheckRequest, stream: ResponseStream<HealthCheckResponse>, _) in
            if !shutdown.isSignalled {
                try await stream.send(HealthCheckResponse(status: .serving))
                await shutdown.wait()
                try Task.checkCancellation()
            }
            try await stream.send(HealthCheckResponse(status: .notServing))
        }
        let limits = configuration.limits
        let storage = configuration.storage
        registry.registerInline(.serverInfoGet) { (_: ServerInfoRequest, _) in
            ServerInfoResponse(
                serverVersion: ChiboVersion.current,
                protocolVersion: WireVersion.current,
                storage: storage,
                uptimeMs: (NIODeadline.now() - startedAt).nanoseconds / 1_000_000,
                maxFrameBytes: UInt32(clamping: limits.maxFrameBytes),
                maxConcurrentCalls: UInt32(clamping: limits.maxConcurrentCalls),
                initialWindow: UInt32(clamping: limits.initialWindow)
            )
        }
    }
}
