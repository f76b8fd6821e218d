import BenchSupport
import ChiboClient
import ChiboModel
import NIOCore

/// The unary rows: who serves and which client drives it.
enum UnaryPeer: CaseIterable {
    case chiboInline
    case chiboAsync
    case chiboClient
    case grpc
    case chiboGRPC
    case grpcProtobuf
    case bareNIO

    /// The row's name on the command line.
    var name: String {
        switch self {
        case .chiboInline: "chibo-inline"
        case .chiboAsync: "chibo-async"
        case .chiboClient: "chibo-client"
        case .grpc: "grpc"
        case .chiboGRPC: "chibo-grpc"
        case .grpcProtobuf: "grpc-protobuf"
        case .bareNIO: "nio"
        }
    }

    var label: String {
        switch self {
        case .chiboInline: "Chibo, `registerInline` (NIO client)"
        case .chiboAsync: "Chibo, `registerUnary` (NIO client)"
        case .chiboClient: "Chibo, `registerInline` (async `ChiboClient`)"
        case .grpc: "grpc-swift-2 (its async client)"
        case .chiboGRPC: "Chibo over gRPC, ChiboGRPC (grpc-swift-2 client)"
        case .grpcProtobuf: "grpc-swift-2 + swift-protobuf (grpc-swift-2 client)"
        case .bareNIO: "bare NIO echo (NIO client)"
        }
    }
}

/// The benchmark servers.
struct Servers {
    let chibo: ServerProcess
    let grpc: ServerProcess
    /// Chibo over standard gRPC (`chibo.v1.Members` through ChiboGRPC).
    let chiboGRPC: ServerProcess
    /// grpc-swift-2 with swift-protobuf messages, the same `chibo.v1.Members` methods.
    let grpcProtobuf: ServerProcess
    let bareNIO: ServerProcess

    func server(for peer: UnaryPeer) -> ServerProcess {
        switch peer {
        case .chiboInline, .chiboAsync, .chiboClient: chibo
        case .grpc: grpc
        case .chiboGRPC: chiboGRPC
        case .grpcProtobuf: grpcProtobuf
        case .bareNIO: bareNIO
        }
    }
}

/// Runs one unary phase of `peer` at `concurrency` calls in flight on one connection.
func runUnary(
    _ peer: UnaryPeer,
    concurrency: Int,
    servers: Servers,
    timing: PhaseTiming,
    group: any EventLoopGroup
) async throws -> PhaseResult {
    let server = servers.server(for: peer)
    let pid = server.pid
    switch peer {
    case .chiboInline:
        return try await runNIOUnary(
            ChiboUnaryProtocol(method: .membersGet),
            port: server.port,
            concurrency: concurrency,
            timing: timing,
            serverPID: server.pid,
            group: group
        )
    case .chiboAsync:
        return try await runNIOUnary(
            ChiboUnaryProtocol(method: .membersUpdate),
            port: server.port,
            concurrency: concurrency,
            timing: timing,
            serverPID: server.pid,
            group: group
        )
    case .bareNIO:
        return try await runNIOUnary(
            EchoUnaryProtocol(),
            port: server.port,
            concurrency: concurrency,
            timing: timing,
            serverPID: server.pid,
            group: group
        )
    case .chiboClient:
        let client = ChiboClient(host: "127.0.0.1", port: server.port)
        _ = try await client.welcome()
        let result = try await runAsyncUnary(concurrency: concurrency, timing: timing, serverPID: server.pid) {
            let response = try await client.unary(.membersGet, BenchWork.unaryRequest, as: MemberResponse.self)
            return response.member?.id.utf8.count == BenchWork.requestID.utf8.count
        }
        await client.close()
        return result
    case .grpc:
        return try await withGRPCBenchClient(port: server.port) { client in
            _ = try await grpcUnaryCall(client)
            return try await runAsyncUnary(concurrency: concurrency, timing: timing, serverPID: pid) {
                try await grpcUnaryCall(client)
            }
        }
    case .chiboGRPC, .grpcProtobuf:
        return try await withGRPCBenchClient(port: server.port) { client in
            _ = try await grpcMembersGetCall(client)
            return try await runAsyncUnary(concurrency: concurrency, timing: timing, serverPID: pid) {
                try await grpcMembersGetCall(client)
            }
        }
    }
}
