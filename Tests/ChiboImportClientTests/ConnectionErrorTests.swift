import ChiboServer
import ChiboTesting
import Foundation
import Logging
import Testing

/// `chibo-import` pointed at something that is not the Chibo server it expects says what it
/// found: an HTTP server, a silent peer, a closed port, a plaintext server spoken to with TLS.
@Suite struct ImportConnectionErrorTests {
    /// `chibo-import` of a one-row roster to `address`, with the handshake deadline shortened.
    private func importRoster(to address: String, _ extra: [String] = []) async throws -> RunResult {
        let roster = try rosterFile(count: 1)
        return try await Executables.offThePool {
            try Executables.run(
                "chibo-import",
                [roster, "--entity", "members", "--server", address] + extra,
                environment: ["CHIBO_TOKEN": "chibo_not_a_real_token", "CHIBO_HANDSHAKE_TIMEOUT": "0.5"]
            )
        }
    }

    @Test func anHTTPServerIsNamed() async throws {
        let peer = try ForeignPeer(.http)
        defer { peer.stop() }
        let result = try await importRoster(to: "127.0.0.1:\(peer.port)")
        #expect(result.status == 3)
        #expect(
            result.stderr.contains(
                "127.0.0.1:\(peer.port) does not speak the Chibo protocol (it answered like an HTTP server)"
            ),
            "\(result.stderr)"
        )
    }

    @Test func aSilentPeerIsNamed() async throws {
        let peer = try ForeignPeer(.silent)
        defer { peer.stop() }
        let result = try await importRoster(to: "127.0.0.1:\(peer.port)")
        #expect(result.status == 3)
        #expect(
            result.stderr.contains(
                "127.0.0.1:\(peer.port) does not speak the Chibo protocol (it accepted the connection"
            ),
            "\(result.stderr)"
        )
    }

    @Test func aClosedPortSaysTheConnectionWasRefused() async throws {
        let peer = try ForeignPeer(.closed)
        defer { peer.stop() }
        let result = try await importRoster(to: "127.0.0.1:\(peer.port)")
        #expect(result.status == 3)
        #expect(result.stderr.contains("127.0.0.1:\(peer.port) refused the connection"), "\(result.stderr)")
        #expect(!result.stderr.contains("SingleConnectionFailure"), "no library internals")
    }

    @Test func tlsAgainstAPlaintextServerIsNamed() async throws {
        var logger = Logger(label: "chibo.test")
        logger.logLevel = .critical
        let server = ChiboServer(
            configuration: ServerConfiguration(port: 0),
            registry: MethodRegistry(),
            logger: logger
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            let port = try #require(try await server.listeningAddress.port)
            let result = try await importRoster(to: "127.0.0.1:\(port)", ["--tls"])
            #expect(result.status == 3)
            #expect(result.stderr.contains("127.0.0.1:\(port) does not speak TLS"), "\(result.stderr)")
            group.cancelAll()
        }
    }
}
