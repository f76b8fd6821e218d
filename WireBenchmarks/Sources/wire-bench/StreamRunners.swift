import BenchSupport
import ChiboClient
import ChiboModel
import GRPCBenchSupport
import GRPCCore
import GRPCNIOTransportHTTP2
import NIOCore
import NIOPosix

/// Reads one Chibo server stream on a raw NIO connection and times it.
func runChiboStream(messages: Int, port: Int, serverPID: Int32, group: any EventLoopGroup) async throws -> PhaseResult {
    let eventLoop = group.next()
    let reader = try await loopBound(eventLoop) {
        ChiboStreamReader(messages: messages, slow: false, eventLoop: eventLoop)
    }
    let cpuBefore = serverCPU(serverPID)
    let channel = try await ClientBootstrap(group: eventLoop)
        .channelOption(.socketOption(.tcp_nodelay), value: 1)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(reader.value) }
        }
        .connect(host: "127.0.0.1", port: port)
        .get()
    let start = try await eventLoop.submit { reader.value.finished.futureResult }.get().get()
    let end = monotonicSeconds()
    let cpuAfter = serverCPU(serverPID)
    try? await channel.closeFuture.get()
    let bad = try await eventLoop.submit { reader.value.badMessages }.get()
    precondition(bad == 0, "\(bad) stream messages had the wrong size")
    return PhaseResult(
        count: messages,
        seconds: end - start,
        samples: LatencySamples(),
        serverCPUMicros: cpuAfter - cpuBefore
    )
}

/// Reads one server stream through the async `ChiboClient` and times it.
func runChiboClientStream(messages: Int, port: Int, serverPID: Int32) async throws -> PhaseResult {
    let client = ChiboClient(host: "127.0.0.1", port: port)
    defer { Task { await client.close() } }
    _ = try await client.welcome()
    let cpuBefore = serverCPU(serverPID)
    let start = monotonicSeconds()
    var count = 0
    let request = ListMembersRequest(page: PageRequest(pageSize: Int32(messages)))
    for try await member in try await client.serverStream(.membersList, request, as: Member.self) {
        precondition(member.id == BenchWork.streamMember.id)
        count += 1
    }
    let end = monotonicSeconds()
    let cpuAfter = serverCPU(serverPID)
    precondition(count == messages, "the stream ended after \(count) messages")
    return PhaseResult(
        count: count,
        seconds: end - start,
        samples: LatencySamples(),
        serverCPUMicros: cpuAfter - cpuBefore
    )
}

/// Reads one server stream through grpc-swift-2's client and times it.
func runGRPCStream(messages: Int, port: Int, serverPID: Int32) async throws -> PhaseResult {
    try await withGRPCBenchClient(port: port) { client in
        let cpuBefore = serverCPU(serverPID)
        let start = monotonicSeconds()
        let size = BenchWork.streamMessageBytes.count
        let count = UInt32(messages)
        let request = [
            UInt8(count >> 24), UInt8((count >> 16) & 0xff), UInt8((count >> 8) & 0xff), UInt8(count & 0xff),
        ]
        let received = try await client.serverStreaming(
            request: ClientRequest(message: request),
            descriptor: GRPCBenchMethods.stream,
            serializer: RawSerializer(),
            deserializer: RawDeserializer(),
            options: .defaults
        ) { response in
            var received = 0
            for try await message in response.messages {
                precondition(message.count == size)
                received += 1
            }
            return received
        }
        let end = monotonicSeconds()
        let cpuAfter = serverCPU(serverPID)
        precondition(received == messages, "the gRPC stream ended after \(received) messages")
        return PhaseResult(
            count: received,
            seconds: end - start,
            samples: LatencySamples(),
            serverCPUMicros: cpuAfter - cpuBefore
        )
    }
}

/// Runs `body` with a grpc-swift-2 client connected (plaintext HTTP/2) to the benchmark server.
func withGRPCBenchClient<Result: Sendable>(
    port: Int,
    _ body: @Sendable (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Result
) async throws -> Result {
    let transport = try HTTP2ClientTransport.Posix(
        target: .ipv4(address: "127.0.0.1", port: port),
        transportSecurity: .plaintext
    )
    return try await withGRPCClient(transport: transport) { client in
        try await body(client)
    }
}

/// One unary call through grpc-swift-2's client; true when the response is the expected one.
@Sendable func grpcUnaryCall(_ client: GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Bool {
    try await client.unary(
        request: ClientRequest(message: BenchWork.unaryRequestBytes),
        descriptor: GRPCBenchMethods.unary,
        serializer: RawSerializer(),
        deserializer: RawDeserializer(),
        options: .defaults
    ) { response in
        try response.message.count == BenchWork.unaryResponseSize
    }
}
