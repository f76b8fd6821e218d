import ChiboServer
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Standard gRPC (HTTP/2) beside the Chibo protocol: every Chibo method through the same
/// `CallDispatcher`, and the standard health and reflection services. Runs as a
/// swift-service-lifecycle `Service`: on graceful shutdown health turns NOT_SERVING, every
/// connection gets a GOAWAY, calls in flight finish within the grace period, then what is
/// left is closed.
public final class ChiboGRPCServer: Service, Sendable {
    private let configuration: GRPCListenerConfiguration
    private let dispatcher: CallDispatcher
    private let services: [any RegistrableRPCService]
    private let logger: Logger
    private let group: any EventLoopGroup
    private let bound = BoundAddress()
    private let caps: ConnectionCaps

    /// A gRPC listener over `dispatcher` (a `ChiboServer`'s), serving the Chibo services and
    /// `extraServices` (health and reflection, see `StandardServices`).
    public init(
        configuration: GRPCListenerConfiguration,
        dispatcher: CallDispatcher,
        extraServices: [any RegistrableRPCService] = [],
        logger: Logger = Logger(label: "chibo.grpc"),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.configuration = configuration
        self.dispatcher = dispatcher
        self.services = [ChiboServices(dispatcher: dispatcher, logger: logger)] + extraServices
        self.logger = logger
        self.group = group
        self.caps = ConnectionCaps(
            maxTotal: configuration.maxConnections,
            maxPerAddress: configuration.maxConnectionsPerAddress
        )
    }

    /// The address the listener is bound to, once it is.
    public var listeningAddress: NIOCore.SocketAddress {
        get async throws { try await bound.address }
    }

    /// Connections open now.
    public var openConnections: Int { caps.open }

    /// The transport's settings from the limits shared with the Chibo listener.
    private var transportConfig: HTTP2ServerTransport.Custom<GRPCListenerFactory>.Config {
        let limits = dispatcher.limits
        var config = HTTP2ServerTransport.Custom<GRPCListenerFactory>.Config.defaults
        config.rpc.maxRequestPayloadSize = limits.maxFrameBytes
        config.http2.maxConcurrentStreams = limits.maxConcurrentCalls
        config.connection.maxIdleTime = limits.idleTimeout
        config.connection.maxGraceTime = configuration.shutdownGracePeriod
        config.compression.enabledAlgorithms = .none
        config.channelDebuggingCallbacks.onAcceptHTTP2Stream = GRPCListenerFactory.streamInitializer(
            gate: dispatcher.gate
        )
        return config
    }

    /// Binds and serves until graceful shutdown or cancellation.
    public func run() async throws {
        let factory = GRPCListenerFactory(
            eventLoopGroup: group,
            configuration: configuration,
            handshakeTimeout: .nanoseconds(
                Int64(dispatcher.limits.handshakeTimeout.components.seconds) * 1_000_000_000
                    + dispatcher.limits.handshakeTimeout.components.attoseconds / 1_000_000_000
            ),
            caps: caps,
            bound: bound,
            logger: logger
        )
        let transport = HTTP2ServerTransport.Custom(listenerFactory: factory, config: transportConfig)
        let server = GRPCServer(transport: transport, services: services)
        let dispatcher = self.dispatcher
        let grace = configuration.shutdownGracePeriod
        let logger = self.logger
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await server.serve() }
                group.addTask {
                    try await gracefulShutdown()
                    logger.info("gRPC: shutting down: GOAWAY, draining calls in flight")
                    dispatcher.beginShutdown()
                    server.beginGracefulShutdown()
                    try await Task.sleep(for: grace)
                    throw GraceOver()
                }
                try await group.next()
                group.cancelAll()
            }
        } catch is GraceOver {
            logger.warning("gRPC: grace period over: closing connections with calls in flight")
        } catch is CancellationError {
            // Cancelled: the server stopped with its task.
        }
        logger.info("gRPC: stopped")
    }
}

/// The grace period after a shutdown began has passed.
private struct GraceOver: Error {}
