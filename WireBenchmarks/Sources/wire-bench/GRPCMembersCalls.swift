import BenchSupport
import GRPCBenchSupport
import GRPCCore
import GRPCNIOTransportHTTP2

/// The `chibo.v1.Members` methods both schema-typed gRPC servers serve (Chibo over gRPC, and
/// grpc-swift-2 with swift-protobuf), driven with the same raw bytes so that only the server
/// differs.
enum GRPCMembersMethods {
    static let get = MethodDescriptor(fullyQualifiedService: "chibo.v1.Members", method: "Get")
    static let list = MethodDescriptor(fullyQualifiedService: "chibo.v1.Members", method: "List")

    /// `ListMembersRequest{page: {page_size: count}}`.
    static func listRequest(count: Int) -> [UInt8] {
        var varint: [UInt8] = []
        var value = UInt32(count)
        repeat {
            let low = UInt8(value & 0x7f)
            value >>= 7
            varint.append(value == 0 ? low : low | 0x80)
        } while value != 0
        // Field 1 (page), length-delimited, holding field 1 (page_size), varint.
        return [0x0a, UInt8(varint.count + 1), 0x08] + varint
    }
}

/// One `Members.Get` through grpc-swift-2's client; true when the response is the expected one.
@Sendable func grpcMembersGetCall(_ client: GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Bool {
    try await client.unary(
        request: ClientRequest(message: BenchWork.unaryRequestBytes),
        descriptor: GRPCMembersMethods.get,
        serializer: RawSerializer(),
        deserializer: RawDeserializer(),
        options: .defaults
    ) { response in
        try response.message.count == BenchWork.unaryResponseSize
    }
}

/// Calls `Members.Get` `calls` times on one connection, for the bytes-on-the-wire count.
let grpcMembersSession: CallSession = { port, calls in
    try await withGRPCBenchClient(port: port) { client in
        for _ in 0..<calls {
            let ok = try await grpcMembersGetCall(client)
            precondition(ok, "unexpected Members.Get response")
        }
    }
}

/// One `Members.List` stream of `messages` benchmark members, read to its end.
func runGRPCMembersStream(messages: Int, port: Int, serverPID: Int32) async throws -> PhaseResult {
    try await withGRPCBenchClient(port: port) { client in
        let cpuBefore = serverCPU(serverPID)
        let start = monotonicSeconds()
        let size = BenchWork.streamMessageBytes.count
        let received = try await client.serverStreaming(
            request: ClientRequest(message: GRPCMembersMethods.listRequest(count: messages)),
            descriptor: GRPCMembersMethods.list,
            serializer: RawSerializer(),
            deserializer: RawDeserializer(),
            options: .defaults
        ) { response in
            var received = 0
            for try await message in response.messages {
                precondition(message.count == size, "a stream message of \(message.count) bytes, not \(size)")
                received += 1
            }
            return received
        }
        let end = monotonicSeconds()
        let cpuAfter = serverCPU(serverPID)
        precondition(received == messages, "the Members.List stream ended after \(received) messages")
        return PhaseResult(
            count: received,
            seconds: end - start,
            samples: LatencySamples(),
            serverCPUMicros: cpuAfter - cpuBefore
        )
    }
}
