import ChiboCodec
import ChiboGRPC
import ChiboModel
import GRPCCore
import GRPCNIOTransportHTTP2
import Testing

/// Health and server reflection over gRPC, answered from Chibo's health and the descriptor set
/// embedded at build time.
@Suite struct StandardServiceTests {
    static let check = Call<GRPCHealthV1HealthCheckRequest, GRPCHealthV1HealthCheckResponse>(
        "grpc.health.v1.Health",
        "Check"
    )

    @Test func healthAnswersForTheServerAndItsServices() async throws {
        try await GRPCHarness.with { harness in
            try await harness.client { client in
                let server = try await Self.check.unary(client, .init())
                #expect(server.status == .serving)
                let members = try await Self.check.unary(client, .init(service: "chibo.v1.Members"))
                #expect(members.status == .serving)
                let error = await #expect(throws: RPCError.self) {
                    _ = try await Self.check.unary(client, .init(service: "no.such.Service"))
                }
                #expect(error?.code == .notFound)
            }
        }
    }

    @Test func reflectionListsServicesAndServesFilesWithTheirImports() async throws {
        try await GRPCHarness.with { harness in
            try await harness.client { client in
                let requests: [GRPCReflectionV1ServerReflectionRequest] = [
                    .init(messageRequest: .listServices("")),
                    .init(messageRequest: .fileContainingSymbol("chibo.v1.Members.List")),
                    .init(messageRequest: .fileByFilename("no/such.proto")),
                ]
                let answers = try await client.bidirectionalStreaming(
                    request: StreamingClientRequest { writer in try await writer.write(contentsOf: requests) },
                    descriptor: MethodDescriptor(
                        fullyQualifiedService: "grpc.reflection.v1.ServerReflection",
                        method: "ServerReflectionInfo"
                    ),
                    serializer: ChiboMessageSerializer<GRPCReflectionV1ServerReflectionRequest>(),
                    deserializer: ChiboMessageDeserializer<GRPCReflectionV1ServerReflectionResponse>(),
                    options: .defaults
                ) { response in
                    var all: [GRPCReflectionV1ServerReflectionResponse] = []
                    for try await message in response.messages { all.append(message) }
                    return all
                }
                #expect(answers.count == 3)
                guard case .listServicesResponse(let list)? = answers.first?.messageResponse else {
                    Issue.record("no service list: \(answers)")
                    return
                }
                let names = Set(list.service.map(\.name))
                #expect(names.isSuperset(of: ["chibo.v1.Members", "chibo.v1.Import", "grpc.health.v1.Health"]))
                #expect(names.contains("grpc.reflection.v1alpha.ServerReflection"))
                guard case .fileDescriptorResponse(let files)? = answers[1].messageResponse else {
                    Issue.record("no file: \(answers[1])")
                    return
                }
                // services.proto first, then what it imports; its comments travel with it.
                let first = try #require(files.fileDescriptorProto.first)
                #expect(String(decoding: first, as: UTF8.self).contains("chibo/v1/services.proto"))
                #expect(String(decoding: first, as: UTF8.self).contains("Streams the members that match"))
                #expect(files.fileDescriptorProto.count > 3)
                guard case .errorResponse(let error)? = answers[2].messageResponse else {
                    Issue.record("no error: \(answers[2])")
                    return
                }
                #expect(error.errorCode == 5)
            }
        }
    }
}
