// What a Swift team would build for the same service: grpc-swift-2 with swift-protobuf
// messages (code generated once by protoc-gen-swift 1.39.0 from proto/chibo/v1, in
// SwiftProtobufMessages) and grpc-swift-protobuf's serializers, serving `/chibo.v1.Members/Get`
// (the member the request names) and `/chibo.v1.Members/List` (`page_size` copies of the
// benchmark member) on a free loopback port. It prints `LISTENING <port>` and serves until killed.

import BenchSupport
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import SwiftProtobufMessages

/// The benchmark member as swift-protobuf builds it: the same fields as `BenchWork.streamMember`.
let streamMember: Chibo_V1_Member = {
    var member = Chibo_V1_Member()
    let source = BenchWork.streamMember
    member.id = source.id
    member.fullName = source.fullName
    member.familyName = source.familyName
    member.middleName = source.middleName
    member.givenName = source.givenName
    member.ethnicity = source.ethnicity
    member.homePlace = source.homePlace
    member.phone = source.phone
    member.cellID = source.cellId
    member.note = source.note
    return member
}()

struct MembersService: RegistrableRPCService {
    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        router.registerHandler(
            forMethod: MethodDescriptor(fullyQualifiedService: "chibo.v1.Members", method: "Get"),
            deserializer: ProtobufDeserializer<Chibo_V1_GetMemberRequest>(),
            serializer: ProtobufSerializer<Chibo_V1_MemberResponse>()
        ) { request, _ in
            let message = try await ServerRequest(stream: request).message
            var response = Chibo_V1_MemberResponse()
            response.member.id = message.id
            return StreamingServerResponse(single: ServerResponse(message: response))
        }
        router.registerHandler(
            forMethod: MethodDescriptor(fullyQualifiedService: "chibo.v1.Members", method: "List"),
            deserializer: ProtobufDeserializer<Chibo_V1_ListMembersRequest>(),
            serializer: ProtobufSerializer<Chibo_V1_Member>()
        ) { request, _ in
            let message = try await ServerRequest(stream: request).message
            let count = Int(message.page.pageSize)
            return StreamingServerResponse { writer in
                for _ in 0..<count { try await writer.write(streamMember) }
                return [:]
            }
        }
    }
}

let transport = HTTP2ServerTransport.Posix(
    address: .ipv4(host: "127.0.0.1", port: 0),
    transportSecurity: .plaintext
)
let server = GRPCServer(transport: transport, services: [MembersService()])
try await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask { try await server.serve() }
    let address = try await transport.listeningAddress
    ServerAnnouncement.announce(port: address.ipv4?.port ?? 0)
    try await group.next()
}
