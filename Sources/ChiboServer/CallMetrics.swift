import ChiboModel
import Metrics

/// The server's metrics, through swift-metrics: nothing is recorded until the executable
/// bootstraps a metrics backend (chibo-server's `--metrics` bootstraps Prometheus).
///
/// - `chibo_calls_total{method, code}`: calls finished, by method and status code.
/// - `chibo_call_errors_total{method}`: calls that ended with a status other than OK.
/// - `chibo_call_duration_seconds{method}`: how long handlers ran (a histogram).
/// - `chibo_connections{listener}`: connections open now, on the Chibo protocol's listener
///   (`chibo`) and on the gRPC listener (`grpc`).
public enum CallMetrics {
    /// Records a finished call.
    static func record(method: String, status: Status, since start: ContinuousClock.Instant) {
        let code = status.code.protoName.map { $0.hasPrefix("STATUS_CODE_") ? String($0.dropFirst(12)) : $0 }
        Counter(
            label: "chibo_calls_total",
            dimensions: [("method", method), ("code", code ?? "\(status.code.rawValue)")]
        )
        .increment()
        if status.code != .ok {
            Counter(label: "chibo_call_errors_total", dimensions: [("method", method)]).increment()
        }
        Metrics.Timer(label: "chibo_call_duration_seconds", dimensions: [("method", method)])
            .record(duration: ContinuousClock.now - start)
    }

    /// Open connections of the Chibo protocol's listener.
    static let connections = Meter(label: "chibo_connections", dimensions: [("listener", "chibo")])

    /// Open connections of the gRPC listener.
    public static let grpcConnections = Meter(label: "chibo_connections", dimensions: [("listener", "grpc")])
}
