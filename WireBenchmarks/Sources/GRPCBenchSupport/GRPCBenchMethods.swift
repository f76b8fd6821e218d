import GRPCCore

/// The methods of the hand-written gRPC benchmark service.
public enum GRPCBenchMethods {
    /// Unary: the request's bytes in, the Chibo unary response's bytes out.
    public static let unary = MethodDescriptor(fullyQualifiedService: "bench.Bench", method: "Unary")
    /// Server streaming: a 4-byte big-endian count in, that many benchmark members out.
    public static let stream = MethodDescriptor(fullyQualifiedService: "bench.Bench", method: "Stream")
}
