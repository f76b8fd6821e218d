import ChiboModel
import ChiboWire
import NIOCore

/// The methods every server serves: health check and server info.
enum BuiltInMethods {
    static func register(
        into registry: inout MethodRegistry,
        configuration: ServerConfiguration,
        startedAt: NIODeadline,
        isServing: @escaping @Sendable () -> Bool
    ) {
        registry.registerInline(.healthCheck) { (_: HealthCheckRequest, _) in
            HealthCheckResponse(status: isServing() ? .serving : .notServing)
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
