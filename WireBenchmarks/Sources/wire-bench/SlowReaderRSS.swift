import BenchSupport
import NIOCore
import NIOPosix

/// The server's memory while it streams to a reader that reads 8 KiB per millisecond at most
/// and grants the window back only for what it has read.
struct SlowReaderResult: Sendable {
    var messages: Int
    var seconds: Double
    var rssBeforeKB: Int
    /// Highest VmRSS sampled every 50 ms during the stream.
    var maxSampledRSSKB: Int
    /// VmHWM after the stream: the process's peak over its whole life.
    var peakRSSKB: Int
}

func runSlowReader(
    messages: Int,
    port: Int,
    serverPID: Int32,
    group: any EventLoopGroup
) async throws -> SlowReaderResult {
    let eventLoop = group.next()
    let reader = try await loopBound(eventLoop) {
        ChiboStreamReader(messages: messages, slow: true, eventLoop: eventLoop)
    }
    let before = ProcessStats.read(pid: serverPID)!.rssKB
    let channel = try await ClientBootstrap(group: eventLoop)
        .channelOption(.autoRead, value: false)
        .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 8192))
        .channelOption(.maxMessagesPerRead, value: 1)
        .channelOption(.socketOption(.so_rcvbuf), value: 32 << 10)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(reader.value) }
        }
        .connect(host: "127.0.0.1", port: port)
        .get()
    let ticks = eventLoop.scheduleRepeatedTask(initialDelay: .milliseconds(1), delay: .milliseconds(1)) { _ in
        channel.read()
    }
    defer { ticks.cancel() }
    let sampler = Task {
        var highest = 0
        while !Task.isCancelled {
            if let stats = ProcessStats.read(pid: serverPID) { highest = max(highest, stats.rssKB) }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return highest
    }
    let start = try await eventLoop.submit { reader.value.finished.futureResult }.get().get()
    let end = monotonicSeconds()
    sampler.cancel()
    let highest = await sampler.value
    let peak = ProcessStats.read(pid: serverPID)!.peakRSSKB
    return SlowReaderResult(
        messages: messages,
        seconds: end - start,
        rssBeforeKB: before,
        maxSampledRSSKB: highest,
        peakRSSKB: peak
    )
}
