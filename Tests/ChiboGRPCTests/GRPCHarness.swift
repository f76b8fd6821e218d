import ChiboAccess
import ChiboCodec
import ChiboGRPC
import ChiboModel
import ChiboRecords
import ChiboServer
import ChiboStoreSQLite
import ChiboTesting
import ChiboWire
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import NIOCore

/// A gated `ChiboServer` on a fresh SQLite file with its gRPC listener, both on free loopback
/// ports, an admin and a viewer token; and a grpc-swift client over real TCP.
struct GRPCHarness: Sendable {
    let grpcPort: Int
    let chiboPort: Int
    let admin: String
    let viewer: String
    let grpc: ChiboGRPCServer

    /// Runs `body` against fresh servers, stopped after.
    static func with(
        configuration: GRPCListenerConfiguration = GRPCListenerConfiguration(),
        limits: ConnectionLimits = .default,
        _ body: @Sendable (GRPCHarness) async throws -> Void
    ) async throws {
        let folder = temporaryFolder("chibo-grpc")
        let store = try SQLiteStore(path: folder.appendingPathComponent("chibo.sqlite").path)
        let gate = AccessGate(store: store)
        var registry = MethodRegistry(gate: gate)
        Records.register(into: &registry, store: store, access: gate)
        var chiboConfiguration = ServerConfiguration(port: 0, limits: limits, storage: store.backendName)
        TestServer.patientHandshake(&chiboConfiguration.limits)
        let server = ChiboServer(
            configuration: chiboConfiguration,
            registry: registry,
            logger: TestServer.quietLogger
        )
        var configuration = configuration
        configuration.port = 0
        let grpc = ChiboGRPCServer(
            configuration: configuration,
            dispatcher: server.dispatcher,
            extraServices: StandardServices.make(dispatcher: server.dispatcher, logger: TestServer.quietLogger),
            logger: TestServer.quietLogger
        )
        let admin = try await gate.authority.mint(
            name: "admin",
            role: .admin,
            scopeUnitID: "",
            expiresOn: nil,
            nowMs: 0
        )
        let viewer = try await gate.authority.mint(
            name: "viewer",
            role: .viewer,
            scopeUnitID: "",
            expiresOn: nil,
            nowMs: 0
        )
        try await TestServer.run(server) { running in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await grpc.run() }
                do {
                    let address = try await grpc.listeningAddress
                    let harness = GRPCHarness(
                        grpcPort: address.port ?? 0,
                        chiboPort: running.port,
                        admin: admin.token,
                        viewer: viewer.token,
                        grpc: grpc
                    )
                    try await body(harness)
                    group.cancelAll()
                } catch {
                    group.cancelAll()
                    throw error
                }
            }
        }
    }

    /// Runs `body` with a grpc-swift client of the gRPC listener.
    func client<Result: Sendable>(
        _ body: @Sendable (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Result
    ) async throws -> Result {
        try await withGRPCClient(
            transport: try .http2NIOPosix(
                target: .ipv4(address: "127.0.0.1", port: grpcPort),
                transportSecurity: .plaintext
            )
        ) { client in
            try await body(client)
        }
    }

    /// Metadata carrying `token` as a bearer token.
    static func bearer(_ token: String) -> Metadata {
        ["authorization": "Bearer \(token)"]
    }
}

/// A gRPC method of the Chibo schema or a standard one, with ChiboCodec's coders.
struct Call<Request: ProtoMessage, Response: ProtoMessage> {
    let descriptor: GRPCCore.MethodDescriptor

    init(_ service: String, _ method: String) {
        descriptor = GRPCCore.MethodDescriptor(fullyQualifiedService: service, method: method)
    }

    /// A unary call.
    func unary(
        _ client: GRPCClient<HTTP2ClientTransport.Posix>,
        _ request: Request,
        metadata: Metadata = [:],
        timeout: Duration? = nil
    ) async throws -> Response {
        var options = CallOptions.defaults
        options.timeout = timeout
        return try await client.unary(
            request: ClientRequest(message: request, metadata: metadata),
            descriptor: descriptor,
            serializer: ChiboMessageSerializer<Request>(),
            deserializer: ChiboMessageDeserializer<Response>(),
            options: options
        ) { try $0.message }
    }

    /// A server-streaming call: every response and the trailing metadata.
    func serverStream(
        _ client: GRPCClient<HTTP2ClientTransport.Posix>,
        _ request: Request,
        metadata: Metadata = [:],
        timeout: Duration? = nil
    ) async throws -> ([Response], Metadata) {
        var options = CallOptions.defaults
        options.timeout = timeout
        return try await client.serverStreaming(
            request: ClientRequest(message: request, metadata: metadata),
            descriptor: descriptor,
            serializer: ChiboMessageSerializer<Request>(),
            deserializer: ChiboMessageDeserializer<Response>(),
            options: options
        ) { response in
            let contents = try response.accepted.get()
            var messages: [Response] = []
            var trailer = Metadata()
            for try await part in contents.bodyParts {
                switch part {
                case .message(let message): messages.append(message)
                case .trailingMetadata(let metadata): trailer = metadata
                }
            }
            return (messages, trailer)
        }
    }

    /// A client-streaming call sending `requests`.
    func clientStream(
        _ client: GRPCClient<HTTP2ClientTransport.Posix>,
        _ requests: [Request],
        metadata: Metadata = [:]
    ) async throws -> Response {
        try await client.clientStreaming(
            request: StreamingClientRequest(metadata: metadata) { writer in
                try await writer.write(contentsOf: requests)
            },
            descriptor: descriptor,
            serializer: ChiboMessageSerializer<Request>(),
            deserializer: ChiboMessageDeserializer<Response>(),
            options: .defaults
        ) { try $0.message }
    }
}
