/// Call latencies of one measured phase, in nanoseconds, and the calls counted.
struct LatencySamples: Sendable {
    var nanos: [UInt64] = []
    var failures = 0

    init(reserving capacity: Int = 0) {
        nanos.reserveCapacity(capacity)
    }

    mutating func merge(_ other: LatencySamples) {
        nanos.append(contentsOf: other.nanos)
        failures += other.failures
    }

    /// The `q` quantile (0...1) in microseconds; 0 without samples.
    func percentileMicros(_ q: Double, sorted: [UInt64]) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let index = min(sorted.count - 1, Int((Double(sorted.count) * q).rounded(.down)))
        return Double(sorted[index]) / 1000
    }
}
