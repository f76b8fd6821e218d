import BenchSupport
import NIOCore

/// How long each phase warms up and measures.
struct PhaseTiming: Sendable {
    var warmup: Duration
    var measure: Duration

    var measureSeconds: Double {
        let (seconds, attoseconds) = measure.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// Reads the server's CPU time; a server that is gone stops the run.
func serverCPU(_ pid: Int32) -> Double {
    guard let stats = ProcessStats.read(pid: pid) else { fatalError("server process \(pid) is gone") }
    return stats.cpuMicros
}

/// Seconds on the monotonic clock.
func monotonicSeconds() -> Double {
    Double(NIODeadline.now().uptimeNanoseconds) / 1e9
}

/// A value made on `eventLoop` and bound to it, such as a channel handler shared with the driver.
func loopBound<Value>(
    _ eventLoop: any EventLoop,
    _ make: @escaping @Sendable () -> Value
) async throws -> NIOLoopBound<Value> {
    try await eventLoop.submit { NIOLoopBound(make(), eventLoop: eventLoop) }.get()
}
