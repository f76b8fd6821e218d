import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// A plain-HTTP endpoint that answers `GET /metrics` with what `render` returns (Prometheus text
/// format) and 404 to anything else, for a scraper on the operator's network. It serves nothing
/// else, so it needs no TLS or token; bind it to an address only the scraper reaches. Runs as a
/// service until the group shuts down.
public final class MetricsEndpoint: Service, Sendable {
    private let host: String
    private let port: Int
    private let render: @Sendable () -> [UInt8]
    private let bound: EventLoopPromise<SocketAddress>
    private let group: MultiThreadedEventLoopGroup

    /// An endpoint on `host:port` (port 0 picks a free one) serving `render()`.
    public init(host: String, port: Int, render: @escaping @Sendable () -> [UInt8]) {
        self.host = host
        self.port = port
        self.render = render
        group = MultiThreadedEventLoopGroup.singleton
        bound = group.next().makePromise(of: SocketAddress.self)
    }

    /// The address it listens on, once bound.
    public var listeningAddress: SocketAddress {
        get async throws { try await bound.futureResult.get() }
    }

    /// Serves until the service group shuts down.
    public func run() async throws {
        let render = self.render
        let channel: Channel
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 64)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.pipeline.configureHTTPServerPipeline().flatMap {
                        channel.pipeline.addHandler(MetricsHTTPHandler(render: render))
                    }
                }
                .bind(host: host, port: port)
                .get()
        } catch {
            bound.fail(error)
            throw error
        }
        if let address = channel.localAddress { bound.succeed(address) }
        try await gracefulShutdown()
        try await channel.close()
    }
}

/// Answers one request at a time on a connection.
private final class MetricsHTTPHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let render: @Sendable () -> [UInt8]
    private var head: HTTPRequestHead?

    init(render: @escaping @Sendable () -> [UInt8]) {
        self.render = render
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request): head = request
        case .body: break
        case .end:
            guard let request = head else { return }
            head = nil
            let found = request.method == .GET && (request.uri == "/metrics" || request.uri.hasPrefix("/metrics?"))
            let body = found ? render() : Array("not found: GET /metrics\n".utf8)
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: found ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain")
            headers.add(name: "Content-Length", value: String(body.count))
            let status: HTTPResponseStatus = found ? .ok : .notFound
            context.write(
                wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))),
                promise: nil
            )
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
            let keepAlive = request.isKeepAlive
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                if !keepAlive { channel.close(promise: nil) }
            }
        }
    }
}
