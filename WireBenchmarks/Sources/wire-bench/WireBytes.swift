import BenchSupport
import ChiboClient
import ChiboModel
import NIOCore
import NIOPosix

/// Bytes one unary call puts on the wire each way, from the difference between two
/// connections through a counting proxy that make `from` and `to` sequential calls: the
/// connection's own setup cancels out.
struct WireBytesPerCall: Sendable {
    var up: Double
    var down: Double
}

/// Makes `calls` sequential calls on one new connection to `port`.
typealias CallSession = @Sendable (_ port: Int, _ calls: Int) async throws -> Void

func measureWireBytes(
    targetPort: Int,
    from: Int,
    to: Int,
    group: any EventLoopGroup,
    session: CallSession
) async throws -> WireBytesPerCall {
    let proxy = try await CountingProxy.start(targetPort: targetPort, group: group)
    defer { Task { await proxy.stop() } }
    func bytes(after calls: Int) async throws -> (up: Int, down: Int) {
        let before = proxy.snapshot()
        try await session(proxy.port, calls)
        // Let the last bytes (a connection's closing frames) cross the proxy.
        try await Task.sleep(for: .milliseconds(200))
        let after = proxy.snapshot()
        return (after.up - before.up, after.down - before.down)
    }
    let short = try await bytes(after: from)
    let long = try await bytes(after: to)
    let calls = Double(to - from)
    return WireBytesPerCall(up: Double(long.up - short.up) / calls, down: Double(long.down - short.down) / calls)
}

/// Sequential calls over a raw NIO connection with the closed-loop client.
func nioSession<Protocol: UnaryLoadProtocol & Sendable>(_ wire: Protocol, group: any EventLoopGroup) -> CallSession {
    { port, calls in
        let eventLoop = group.next()
        let handler = try await loopBound(eventLoop) {
            ClosedLoopHandler(protocol: wire, concurrency: 1, callLimit: calls, eventLoop: eventLoop)
        }
        let channel = try await ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler.value) }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        try await eventLoop.submit { handler.value.done.futureResult }.get().get()
        let failures = try await eventLoop.submit { handler.value.stopMeasuring().failures }.get()
        precondition(failures == 0, "\(failures) calls failed")
        try await channel.close()
    }
}

/// Sequential calls through the async `ChiboClient`.
let chiboClientSession: CallSession = { port, calls in
    let client = ChiboClient(host: "127.0.0.1", port: port)
    for _ in 0..<calls {
        let response = try await client.unary(.membersGet, BenchWork.unaryRequest, as: MemberResponse.self)
        precondition(response.member?.id == BenchWork.requestID)
    }
    await client.close()
}

/// Sequential calls through grpc-swift-2's client.
let grpcSession: CallSession = { port, calls in
    try await withGRPCBenchClient(port: port) { client in
        for _ in 0..<calls {
            let ok = try await grpcUnaryCall(client)
            precondition(ok, "unexpected gRPC response")
        }
    }
}
