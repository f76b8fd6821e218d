import ChiboClient
import ChiboModel
import ChiboServer
import ChiboWire
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import Testing

/// The handshake deadline covers the whole handshake on the TLS listener: a peer that never
/// sends a ClientHello, stops in the middle of the TLS handshake, or finishes TLS and never says
/// hello is closed at the deadline; a TLS client is served afterwards.
@Suite struct TLSHandshakeDeadlineTests {
    /// A self-signed certificate for 127.0.0.1 made by `openssl`, and its key.
    struct Certificate {
        let folder: URL
        var certificate: String { folder.appendingPathComponent("server.pem").path }
        var key: String { folder.appendingPathComponent("server.key").path }

        static func make() throws -> Certificate {
            let folder = FileManager.default.temporaryDirectory
                .appendingPathComponent("chibo-deadline-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", "server.key", "-out", "server.pem", "-days", "2", "-subj", "/CN=chibo-test",
                "-addext", "subjectAltName=IP:127.0.0.1",
            ]
            process.currentDirectoryURL = folder
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            try #require(process.terminationStatus == 0, "openssl could not make a certificate")
            return Certificate(folder: folder)
        }
    }

    /// A TLS connection that never says hello, recording whether the server closed it.
    final class SilentTLSPeer: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let closed = NIOLockedValueBox(false)

        func channelInactive(context: ChannelHandlerContext) {
            closed.withLockedValue { $0 = true }
        }
    }

    @Test func silentAndUnfinishedTLSPeersAreClosedAtTheHandshakeDeadline() async throws {
        let certificate = try Certificate.make()
        defer { try? FileManager.default.removeItem(at: certificate.folder) }
        let tls = try TLSSettings.server(certificate: certificate.certificate, key: certificate.key)
        var logger = Logger(label: "chibo.test")
        logger.logLevel = .critical
        let server = ChiboServer(
            configuration: ServerConfiguration(
                port: 0,
                limits: ConnectionLimits(handshakeTimeout: .seconds(1)),
                shutdownGracePeriod: .milliseconds(200),
                tls: tls
            ),
            logger: logger
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            let port = try #require(try await server.listeningAddress.port)

            // Never sends a ClientHello.
            let silent = try await RawConnection.connect(port: port)
            // Starts a ClientHello (a TLS record header announcing 512 bytes) and stops.
            let unfinished = try await RawConnection.connect(port: port)
            // On a loaded machine the deadline may pass before this is sent: the server closing
            // first proves the same.
            try? await unfinished.send([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03])
            // Finishes TLS and never says hello.
            let peer = SilentTLSPeer()
            var clientTLS = TLSConfiguration.makeClientConfiguration()
            clientTLS.certificateVerification = .none
            let clientContext = try NIOSSLContext(configuration: clientTLS)
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: clientContext, serverHostname: nil)
                        )
                        try channel.pipeline.syncOperations.addHandler(peer)
                    }
                }
                .connect(host: "127.0.0.1", port: port).get()

            _ = try await silent.framesUntilClosed(timeout: .seconds(30))
            _ = try await unfinished.framesUntilClosed(timeout: .seconds(30))
            #expect(
                try await ConnectionBudgetTests.eventually { peer.closed.withLockedValue { $0 } },
                "a TLS peer that never says hello is closed"
            )
            try? await channel.close()
            #expect(try await ConnectionBudgetTests.eventually { server.openConnections == 0 })

            // A TLS client is still served. With a one-second handshake deadline a client on a
            // loaded machine may itself be cut off before its hello: such attempts are made again.
            var status: ServingStatus?
            for _ in 0..<20 where status == nil {
                let client = ChiboClient(
                    host: "127.0.0.1",
                    port: port,
                    configuration: ClientConfiguration(
                        tls: try ClientTLS.context(caCertificate: certificate.certificate)
                    )
                )
                do {
                    status =
                        try await client.unary(
                            .healthCheck,
                            HealthCheckRequest(),
                            as: HealthCheckResponse.self,
                            options: CallOptions(idempotent: true)
                        ).status
                } catch let error as ClientError where error.code == .deadlineExceeded || error.code == .unavailable {
                    await client.close()
                    continue
                }
                await client.close()
            }
            #expect(status == .serving)
            group.cancelAll()
        }
    }
}
