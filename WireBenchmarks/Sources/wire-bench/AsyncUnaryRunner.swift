import NIOCore
import Synchronization

/// Where a phase of async callers is: warming up, measuring, or stopping.
private final class PhaseFlag: Sendable {
    static let warmup = 0
    static let measuring = 1
    static let stopping = 2
    let value = Atomic<Int>(PhaseFlag.warmup)
}

/// Runs one closed-loop unary phase with `concurrency` tasks, each making one call after
/// another through an async client (grpc-swift-2's or ChiboClient); `call` answers whether the
/// response was the expected one.
func runAsyncUnary(
    concurrency: Int,
    timing: PhaseTiming,
    serverPID: Int32,
    call: @escaping @Sendable () async throws -> Bool
) async throws -> PhaseResult {
    let flag = PhaseFlag()
    return try await withThrowingTaskGroup(of: LatencySamples.self) { group in
        for _ in 0..<concurrency {
            group.addTask {
                var samples = LatencySamples(reserving: 1 << 16)
                while true {
                    let phase = flag.value.load(ordering: .relaxed)
                    if phase == PhaseFlag.stopping { break }
                    let start = NIODeadline.now().uptimeNanoseconds
                    let ok = try await call()
                    if !ok { samples.failures += 1 }
                    if phase == PhaseFlag.measuring, flag.value.load(ordering: .relaxed) == PhaseFlag.measuring {
                        samples.nanos.append(NIODeadline.now().uptimeNanoseconds - start)
                    }
                }
                return samples
            }
        }
        try await Task.sleep(for: timing.warmup)
        flag.value.store(PhaseFlag.measuring, ordering: .relaxed)
        let start = monotonicSeconds()
        let cpuBefore = serverCPU(serverPID)
        try await Task.sleep(for: timing.measure)
        let cpuAfter = serverCPU(serverPID)
        flag.value.store(PhaseFlag.stopping, ordering: .relaxed)
        let end = monotonicSeconds()
        var all = LatencySamples()
        for try await samples in group { all.merge(samples) }
        return PhaseResult(
            count: all.nanos.count,
            seconds: end - start,
            samples: all,
            serverCPUMicros: cpuAfter - cpuBefore
        )
    }
}
