// A bare SwiftNIO server: 4-byte big-endian length-prefixed requests in, the benchmark's unary
// response out, on a free loopback port. The lean reference for what a length-prefixed protocol
// on NIO costs. It prints `LISTENING <port>` and serves until killed.

import BenchSupport
import NIOCore
import NIOPosix

let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelOption(.maxMessagesPerRead, value: 16)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandlers([
                ByteToMessageHandler(LengthPrefixDecoder()),
                EchoHandler(),
            ])
        }
    }
    .bind(host: "127.0.0.1", port: 0)
    .get()
ServerAnnouncement.announce(port: channel.localAddress?.port ?? 0)
try await channel.closeFuture.get()
