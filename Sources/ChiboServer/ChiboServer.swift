import ChiboModel
import ChiboWire
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle

/// A Chibo server: listens on TCP, speaks the wire protocol, and dispatches calls to the methods
/// registered in its `MethodRegistry`. Runs as a swift-service-lifecycle `Service`: on graceful
/// shutdown it stops accepting, sends every connection a go-away, lets calls in flight finish
/// within the grace period, then closes what remains.
public final class ChiboServer: Service, Sendable {
    private let configuration: ServerConfiguration
    private let registry: MethodRegistry
    private let logger: Logger
    private let group: any EventLoopGroup
    private let state = NIOLockedValueBox(RunState())
    private let startedAt = NIODeadline.now()
    private let shutdown = ShutdownSignal()

    private struct RunState {
        var connections: [ObjectIdentifier: Connection] = [:]
        var shuttingDown = false
        var boundAddress: SocketAddress?
        var addressWaiters: [CheckedContinuation<SocketAddress, any Error>] = []
        var failure: (any Error)?
    }

    private struct Connection: @unchecked Sendable {
        // The handler is only touched on the channel's event loop.
        let channel: any Channel
        let handler: NIOLoopBound<ServerConnectionHandler>
    }

    /// Creates a server; `registry` holds the services' methods (health and server info are added).
    public init(
        configuration: ServerConfiguration,
        registry: MethodRegistry = MethodRegistry(),
        logger: Logger = Logger(label: "chibo.server"),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.configuration = configuration
        self.logger = logger
        self.group = group
        var registry = registry
        BuiltInMethods.register(
            into: &registry,
            configuration: configuration,
            startedAt: startedAt,
            shutdown: shutdown
        )
        self.registry = registry
    }

    /// The address the server listens on, once it is bound.
    public var listeningAddress: SocketAddress {
        get async throws {
            try await withCheckedThrowingContinuation { continuation in
                state.withLockedValue { state in
                    if let address = state.boundAddress {
                        continuation.resume(returning: address)
                    } else if let failure = state.failure {
                        continuation.resume(throwing: failure)
                    } else {
                        state.addressWaiters.append(continuation)
                    }
                }
            }
        }
    }

    /// Binds and serves until graceful shutdown or cancellation.
    public func run() async throws {
        let serverChannel: any Channel
        do {
            serverChannel = try await makeBootstrap().bind(host: configuration.host, port: configuration.port).get()
        } catch {
            let waiters = state.withLockedValue { state in
                state.failure = error
                defer { state.addressWaiters = [] }
                return state.addressWaiters
            }
            for waiter in waiters { waiter.resume(throwing: error) }
            throw error
        }
        let address = serverChannel.localAddress!
        let waiters = state.withLockedValue { state in
            state.boundAddress = address
            defer { state.addressWaiters = [] }
            return state.addressWaiters
        }
        for waiter in waiters { waiter.resume(returning: address) }
        logger.info("listening", metadata: ["address": "\(address)"])

        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                try? await serverChannel.closeFuture.get()
            } onGracefulShutdown: {
                self.logger.info("shutting down: no new connections, draining calls in flight")
                serverChannel.close(promise: nil)
            }
        } onCancel: {
            serverChannel.close(promise: nil)
        }
        try? await serverChannel.close()
        await drainConnections()
        logger.info("stopped")
    }

    private func makeBootstrap() -> ServerBootstrap {
        let configuration = self.configuration
        let registry = self.registry
        let logger = self.logger
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelOption(
                .writeBufferWaterMark,
                value: ChannelOptions.Types.WriteBufferWaterMark(low: 32 << 10, high: 256 << 10)
            )
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = ServerConnectionHandler(
                        limits: configuration.limits,
                        serverName: configuration.serverName,
                        registry: registry,
                        logger: logger
                    )
                    if let tls = configuration.tls {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
                    }
                    try channel.pipeline.syncOperations.addHandlers([
                        ByteToMessageHandler(FrameDecoder(maxFrameBytes: configuration.limits.maxFrameBytes)),
                        handler,
                    ])
                    self.track(channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop))
                }
            }
    }

    private func track(_ channel: any Channel, handler: NIOLoopBound<ServerConnectionHandler>) {
        let key = ObjectIdentifier(channel)
        let drainNow = state.withLockedValue { state in
            state.connections[key] = Connection(channel: channel, handler: handler)
            return state.shuttingDown
        }
        if drainNow { handler.value.beginDrain() }
        channel.closeFuture.whenComplete { _ in
            _ = self.state.withLockedValue { $0.connections.removeValue(forKey: key) }
        }
    }

    /// Sends go-away on every connection, waits for their calls up to the grace period, then
    /// closes whatever is left.
    private func drainConnections() async {
        let connections = state.withLockedValue { state in
            state.shuttingDown = true
            return Array(state.connections.values)
        }
        shutdown.signal()
        for connection in connections {
            connection.channel.eventLoop.execute { connection.handler.value.beginDrain() }
        }
        let deadline = ContinuousClock.now + configuration.shutdownGracePeriod
        while ContinuousClock.now < deadline {
            if state.withLockedValue({ $0.connections.isEmpty }) { return }
            try? await Task.sleep(for: .milliseconds(20))
        }
        let remaining = state.withLockedValue { Array($0.connections.values) }
        if !remaining.isEmpty {
            logger.warning("grace period over: closing \(remaining.count) connections with calls in flight")
        }
        for connection in remaining {
            try? await connection.channel.close()
        }
    }
}
