// A ChiboServer serving the benchmark methods on a free loopback port:
// - Members.Get, registered inline (runs on the event loop): answers the member the request names;
// - Members.Update, the same work registered as an async unary handler (a task per call);
// - Members.List, a server stream of `page_size` copies of the benchmark member.
// It prints `LISTENING <port>` and serves until killed.

import BenchSupport
import ChiboModel
import ChiboServer
import Logging

var registry = MethodRegistry()
registry.registerInline(.membersGet) { (request: GetMemberRequest, _) in
    BenchWork.unaryResponse(to: request)
}
// The request and response types are the benchmark's, not those of Members.Update: only the
// method number is borrowed.
registry.registerUnary(.membersUpdate) { (request: GetMemberRequest, _) in
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
try await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask { try await server.run() }
    let address = try await server.listeningAddress
    ServerAnnouncement.announce(port: address.port ?? 0)
    try await group.next()
}
