import BenchSupport
import GRPCBenchSupport
import GRPCCore

/// The benchmark service written by hand over raw bytes: `bench.Bench/Unary` answers the
/// Chibo unary response to the request's bytes; `bench.Bench/Stream` streams the benchmark
/// member N times, N being the request's 4 big-endian bytes.
struct BenchService: RegistrableRPCService {
    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        router.registerHandler(
            forMethod: GRPCBenchMethods.unary,
            deserializer: RawDeserializer(),
            serializer: RawSerializer()
        ) { request, _ in
            let message = try await ServerRequest(stream: request).message
            return StreamingServerResponse(
                single: ServerResponse(message: BenchWork.unaryResponseBytes(to: message))
            )
        }
        router.registerHandler(
            forMethod: GRPCBenchMethods.stream,
            deserializer: RawDeserializer(),
            serializer: RawSerializer()
        ) { request, _ in
            let message = try await ServerRequest(stream: request).message
            let count = message.prefix(4).reduce(0) { $0 << 8 | Int($1) }
            return StreamingServerResponse { writer in
                let payload = BenchWork.streamMessageBytes
                for _ in 0..<count {
                    try await writer.write(payload)
                }
                return [:]
            }
        }
    }
}
