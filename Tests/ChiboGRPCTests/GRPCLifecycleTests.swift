import ChiboCodec
import ChiboGRPC
import ChiboModel
import ChiboTesting
import ChiboWire
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Testing

/// The gRPC listener's handshake deadline, and graceful shutdown of the built `chibo-server`:
/// health turns NOT_SERVING on a watching stream, which then ends, and the server exits cleanly.
@Suite struct GRPCLifecycleTests {
    static let watch = Call<GRPCHealthV1HealthCheckRequest, GRPCHealthV1HealthCheckResponse>(
        "grpc.health.v1.Health",
        "Watch"
    )

    @Test func aPeerThatNeverSendsThePrefaceIsClosedAtTheHandshakeDeadline() async throws {
        try await GRPCHarness.with(limits: ConnectionLimits(handshakeTimeout: .milliseconds(200))) { harness in
            let silent = try await ByteConnection.connect(port: harness.grpcPort)
            // The server sends its HTTP/2 settings at once, then closes the connection at the
            // deadline: reading ends instead of waiting forever.
            let bytesBeforeClose = try await withBound("the silent connection to close") {
                var count = 0
                while (try? await silent.read(count: 1)) != nil { count += 1 }
                return count
            }
            #expect(bytesBeforeClose < 1_000)
            await silent.close()
        }
    }

    @Test func shutdownTurnsHealthNotServingThenEndsTheWatch() async throws {
        let database = temporaryFolder("chibo-grpc-drain").appendingPathComponent("chibo.sqlite").path
        let server = try LaunchedServer(db: database, extra: ["--grpc-listen", "127.0.0.1:0", "--shutdown-grace", "5"])
        defer { server.stop() }
        let line = server.nextLine()
        try #require(line.hasPrefix("grpc 127.0.0.1:"), "\(line): \(server.errors)")
        let port = try #require(Int(line.split(separator: ":").last ?? ""))
        let statuses = try await withGRPCClient(
            transport: try .http2NIOPosix(
                target: .ipv4(address: "127.0.0.1", port: port),
                transportSecurity: .plaintext
            )
        ) { client in
            try await client.serverStreaming(
                request: ClientRequest(message: GRPCHealthV1HealthCheckRequest()),
                descriptor: Self.watch.descriptor,
                serializer: ChiboMessageSerializer<GRPCHealthV1HealthCheckRequest>(),
                deserializer: ChiboMessageDeserializer<GRPCHealthV1HealthCheckResponse>(),
                options: .defaults
            ) { response in
                var seen: [GRPCHealthV1HealthCheckResponseServingStatus] = []
                for try await message in response.messages {
                    seen.append(message.status)
                    if seen.count == 1 { server.process.terminate() }
                }
                return seen
            }
        }
        #expect(statuses == [.serving, .notServing])
        server.process.waitUntilExit()
        #expect(server.process.terminationStatus == 0, "\(server.errors)")
    }
}
