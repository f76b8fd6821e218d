import ChiboServer
import GRPCNIOTransportHTTP2
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Binds the gRPC listener and prepares each connection before grpc-swift's HTTP/2 pipeline:
/// the connection caps, TLS with the server's certificate (and client CA for mutual TLS), and
/// the `ConnectionGuard`; each stream gets a `StreamGuard` (see `streamInitializer`).
struct GRPCListenerFactory: HTTP2ServerTransport.ListenerFactory {
    let eventLoopGroup: any EventLoopGroup
    let configuration: GRPCListenerConfiguration
    let handshakeTimeout: TimeAmount
    let caps: ConnectionCaps
    let bound: BoundAddress
    let logger: Logger

    func makeListeningChannel(
        listenerConfigurator: HTTP2ServerTransport.ListenerConfigurator,
        connectionConfigurator: HTTP2ServerTransport.ConnectionConfigurator
    ) async throws -> NIOAsyncChannel<HTTP2ServerTransport.ConnectionConfigurator.ConnectionChannel, Never> {
        let tls = configuration.tls
        let caps = self.caps
        let logger = self.logger
        let handshakeTimeout = self.handshakeTimeout
        let anonymousLimit = configuration.anonymousMaxBytes
        let channel: NIOAsyncChannel<HTTP2ServerTransport.ConnectionConfigurator.ConnectionChannel, Never>
        do {
            channel = try await ServerBootstrap(group: eventLoopGroup)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelInitializer { listenerConfigurator.configure(channel: $0) }
                .bind(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let host = channel.remoteAddress?.ipAddress ?? ""
                        if let refusal = caps.admit(host: host) {
                            logger.notice("refusing gRPC connection: \(refusal)", metadata: ["peer": "\(host)"])
                            throw ConnectionRefused(description: refusal)
                        }
                        channel.closeFuture.whenComplete { _ in caps.release(host: host) }
                        let pipeline = channel.pipeline.syncOperations
                        if let tls { try pipeline.addHandler(NIOSSLServerHandler(context: tls)) }
                        try pipeline.addHandler(
                            ConnectionGuard(
                                handshakeTimeout: handshakeTimeout,
                                anonymousLimit: anonymousLimit,
                                logger: logger
                            )
                        )
                    }.flatMap {
                        connectionConfigurator.configure(
                            channel: channel,
                            tls: tls == nil ? .none : .configured(requireALPN: false)
                        )
                    }
                }
        } catch {
            bound.fail(error)
            throw error
        }
        if let address = channel.channel.localAddress {
            bound.resolve(address)
        }
        return channel
    }

    /// Puts a `StreamGuard` first on each new stream of a connection.
    static func streamInitializer(gate: (any CallGate)?) -> @Sendable (any Channel) -> EventLoopFuture<Void> {
        { stream in
            stream.eventLoop.makeCompletedFuture {
                guard let parent = stream.parent else { return }
                let connection = try parent.pipeline.syncOperations.handler(type: ConnectionGuard.self)
                try stream.pipeline.syncOperations.addHandler(
                    StreamGuard(gate: gate, connection: connection),
                    position: .first
                )
            }
        }
    }
}
