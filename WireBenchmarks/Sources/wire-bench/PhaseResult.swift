/// What one measured phase of a row produced.
struct PhaseResult: Sendable {
    /// Calls (or stream messages) completed in the measured window.
    var count: Int
    /// Length of the measured window.
    var seconds: Double
    /// Latencies recorded in the window (unary phases only).
    var samples: LatencySamples
    /// The server process's user + system CPU time over the window.
    var serverCPUMicros: Double

    var rate: Double { Double(count) / seconds }
}
