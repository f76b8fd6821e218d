import NIOCore
import NIOPosix

/// Runs one closed-loop unary phase over a raw NIO connection.
func runNIOUnary<Protocol: UnaryLoadProtocol & Sendable>(
    _ wire: Protocol,
    port: Int,
    concurrency: Int,
    timing: PhaseTiming,
    serverPID: Int32,
    group: any EventLoopGroup
) async throws -> PhaseResult {
    let eventLoop = group.next()
    let handler = try await loopBound(eventLoop) {
        ClosedLoopHandler(protocol: wire, concurrency: concurrency, eventLoop: eventLoop)
    }
    let channel = try await ClientBootstrap(group: eventLoop)
        .channelOption(.socketOption(.tcp_nodelay), value: 1)
        .channelOption(.maxMessagesPerRead, value: 16)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(handler.value)
            }
        }
        .connect(host: "127.0.0.1", port: port)
        .get()
    defer { channel.close(promise: nil) }
    try await eventLoop.submit { handler.value.started.futureResult }.get().get()
    try await Task.sleep(for: timing.warmup)

    let expected = Int(timing.measureSeconds * 400_000)
    let start = try await eventLoop.submit {
        handler.value.startMeasuring(expectedCalls: expected)
        return monotonicSeconds()
    }.get()
    let cpuBefore = serverCPU(serverPID)
    try await Task.sleep(for: timing.measure)
    let cpuAfter = serverCPU(serverPID)
    let (samples, end) = try await eventLoop.submit {
        (handler.value.stopMeasuring(), monotonicSeconds())
    }.get()
    return PhaseResult(
        count: samples.nanos.count,
        seconds: end - start,
        samples: samples,
        serverCPUMicros: cpuAfter - cpuBefore
    )
}
