import NIOCore
import NIOPosix
import Synchronization

/// A loopback TCP proxy that counts the bytes crossing it each way, for measuring what a
/// protocol puts on the wire whatever client library speaks it.
final class CountingProxy: Sendable {
    private let counters: Counters
    private let channel: any Channel

    /// The port clients connect to.
    var port: Int { channel.localAddress!.port! }

    private init(channel: any Channel, counters: Counters) {
        self.channel = channel
        self.counters = counters
    }

    /// Starts a proxy in front of `targetPort`.
    static func start(targetPort: Int, group: any EventLoopGroup) async throws -> CountingProxy {
        let counters = Counters()
        let channel = try await ServerBootstrap(group: group)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { inbound in
                ClientBootstrap(group: inbound.eventLoop)
                    .channelOption(.socketOption(.tcp_nodelay), value: 1)
                    .connect(host: "127.0.0.1", port: targetPort)
                    .flatMapThrowing { outbound in
                        let (toServer, toClient) = ForwardHandler.pair(counters: counters)
                        try inbound.pipeline.syncOperations.addHandler(toServer)
                        try outbound.pipeline.syncOperations.addHandler(toClient)
                    }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return CountingProxy(channel: channel, counters: counters)
    }

    /// Bytes (up, down) so far.
    func snapshot() -> (up: Int, down: Int) {
        (counters.upstream.load(ordering: .relaxed), counters.downstream.load(ordering: .relaxed))
    }

    func stop() async {
        try? await channel.close()
    }

    /// Bytes from the client to the server, and back.
    final class Counters: Sendable {
        let upstream = Atomic<Int>(0)
        let downstream = Atomic<Int>(0)

        func add(_ bytes: Int, upstream isUpstream: Bool) {
            if isUpstream {
                upstream.add(bytes, ordering: .relaxed)
            } else {
                downstream.add(bytes, ordering: .relaxed)
            }
        }
    }
}

/// Forwards what one side reads to the other side's channel, counting it.
private final class ForwardHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let counters: CountingProxy.Counters
    private let upstream: Bool
    private var partner: ForwardHandler?
    private var context: ChannelHandlerContext?

    private init(counters: CountingProxy.Counters, upstream: Bool) {
        self.counters = counters
        self.upstream = upstream
    }

    /// The handler for the client's side and the one for the server's side, joined.
    static func pair(counters: CountingProxy.Counters) -> (ForwardHandler, ForwardHandler) {
        let toServer = ForwardHandler(counters: counters, upstream: true)
        let toClient = ForwardHandler(counters: counters, upstream: false)
        toServer.partner = toClient
        toClient.partner = toServer
        return (toServer, toClient)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        counters.add(bytes.readableBytes, upstream: upstream)
        partner?.context?.write(NIOAny(bytes), promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        partner?.context?.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        partner?.context?.close(promise: nil)
        context.fireChannelInactive()
    }
}
