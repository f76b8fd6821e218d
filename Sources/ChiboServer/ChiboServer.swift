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
    private let budget: MemoryBudget
    /// The limits every connection enforces, with the gate's per-token limits announced.
    private let limits: ConnectionLimits

    private struct RunState {
        var connections: [ObjectIdentifier: Connection] = [:]
        /// Open connections per peer IP address.
        var perAddress: [String: Int] = [:]
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
        self.budget = MemoryBudget(limit: configuration.memoryBudgetBytes)
        var limits = configuration.limits
        if let gate = registry.gate {
            limits.anonymousMaxFrameBytes = configuration.anonymousMaxFrameBytes
            gate.announce(into: &limits)
        } else {
            // Without a gate no connection authenticates: none is held to the smaller limit.
            limits.anonymousMaxFrameBytes = 0
        }
        self.limits = limits
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

    /// The server's calls for another transport (standard gRPC): the same handlers, gate,
    /// built-in methods and shutdown signal as this listener.
    public var dispatcher: CallDispatcher {
        CallDispatcher(registry: registry, shutdown: shutdown, limits: limits)
    }

    /// Bytes all connections hold now, as the memory budget counts them.
    public var heldBytes: Int { budget.totalHeld }

    /// Connections open now (refused ones not counted).
    public var openConnections: Int { state.withLockedValue { $0.connections.count } }

    private func makeBootstrap() -> ServerBootstrap {
        let configuration = self.configuration
        let registry = self.registry
        let logger = self.logger
        let limits = self.limits
        let budget = self.budget
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
                    if let tls = configuration.tls {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
                    }
                    let key = ObjectIdentifier(channel)
                    let host = channel.remoteAddress?.ipAddress ?? ""
                    if let refusal = self.admit(key, host: host) {
                        logger.notice("refusing a connection from \(host): \(refusal.message)")
                        let deadline = min(TimeAmount(limits.handshakeTimeout), .seconds(1))
                        try channel.pipeline.syncOperations.addHandler(
                            ConnectionRefusalHandler(status: refusal, deadline: deadline)
                        )
                        return
                    }
                    // Without a gate there are no tokens: every connection counts as authenticated.
                    let readGate = ConnectionReadGate(
                        budget: budget,
                        maxFrameBytes: limits.frameLimit(authenticated: false),
                        authenticated: registry.gate == nil
                    )
                    let handler = ServerConnectionHandler(
                        limits: limits,
                        serverName: configuration.serverName,
                        registry: registry,
                        logger: logger,
                        readGate: readGate
                    )
                    try channel.pipeline.syncOperations.addHandlers([
                        readGate,
                        ByteToMessageHandler(FrameDecoder(control: readGate.control)),
                        handler,
                    ])
                    self.track(channel, host: host, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop))
                }
            }
    }

    /// Counts a new connection against the caps; the go-away status when it is over one.
    private func admit(_ key: ObjectIdentifier, host: String) -> Status? {
        let maxTotal = configuration.maxConnections
        let maxPerAddress = configuration.maxConnectionsPerAddress
        return state.withLockedValue { state in
            if state.connections.count + 1 > maxTotal {
                return Status(
                    code: .resourceExhausted,
                    message: "the server has \(maxTotal) connections open, its limit; try again later"
                )
            }
            let fromHost = state.perAddress[host, default: 0]
            if fromHost + 1 > maxPerAddress {
                return Status(
                    code: .resourceExhausted,
                    message: "\(host) has \(maxPerAddress) connections open, the limit per address; "
                        + "close one or share a connection between calls"
                )
            }
            state.perAddress[host] = fromHost + 1
            // Reserved now; `track` fills the entry in.
            return nil
        }
    }

    private func track(_ channel: any Channel, host: String, handler: NIOLoopBound<ServerConnectionHandler>) {
        let key = ObjectIdentifier(channel)
        let drainNow = state.withLockedValue { state in
            state.connections[key] = Connection(channel: channel, handler: handler)
            return state.shuttingDown
        }
        if drainNow { handler.value.beginDrain() }
        channel.closeFuture.whenComplete { _ in
            self.state.withLockedValue { state in
                state.connections.removeValue(forKey: key)
                let left = state.perAddress[host, default: 1] - 1
                state.perAddress[host] = left > 0 ? left : nil
            }
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
