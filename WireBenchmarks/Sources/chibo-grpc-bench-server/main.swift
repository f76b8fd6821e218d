// Chibo over standard gRPC: a ChiboServer with the benchmark methods (those of
// chibo-bench-server) and its ChiboGRPC listener, serving them at `/chibo.v1.Members/Get` and
// `/chibo.v1.Members/List` with ChiboCodec messages through the shared registry. It prints
// `LISTENING <port>` with the gRPC port and serves until killed.

import BenchSupport
import ChiboGRPC
import ChiboModel
import ChiboServer
import Logging

var registry = MethodRegistry()
registry.registerInline(.membersGet) { (request: GetMemberRequest, _) in
    BenchWork.unaryResponse(to: request)
}
registry.registerServerStreaming(.membersList) { (request: ListMembersRequest, stream: ResponseStream<Member>, _) in
    let member = BenchWork.streamMember
    for _ in 0..<Int(request.page?.pageSize ?? 0) {
        try await stream.send(member)
    }
}

var logger = Logger(label: "chibo.bench")
logger.logLevel = .critical
let server = ChiboServer(
    configuration: ServerConfiguration(port: 0, shutdownGracePeriod: .seconds(1)),
    registry: registry,
    logger: logger
)
let grpc = ChiboGRPCServer(
    configuration: GRPCListenerConfiguration(port: 0, shutdownGracePeriod: .seconds(1)),
    dispatcher: server.dispatcher,
    logger: logger
)
try await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask { try await server.run() }
    group.addTask { try await grpc.run() }
    let address = try await grpc.listeningAddress
    ServerAnnouncement.announce(port: address.port ?? 0)
    try await group.next()
}
