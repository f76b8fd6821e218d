// A grpc-swift-2 server (HTTP/2 over NIO Posix, plaintext) serving `BenchService` on a free
// loopback port. It prints `LISTENING <port>` and serves until killed.

import BenchSupport
import GRPCCore
import GRPCNIOTransportHTTP2

let transport = HTTP2ServerTransport.Posix(
    address: .ipv4(host: "127.0.0.1", port: 0),
    transportSecurity: .plaintext
)
let server = GRPCServer(transport: transport, services: [BenchService()])
try await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask { try await server.serve() }
    let address = try await transport.listeningAddress
    ServerAnnouncement.announce(port: address.ipv4?.port ?? 0)
    try await group.next()
}
