import ChiboClient
import ChiboServer
import ChiboWire
import Logging
import NIOCore

/// A `ChiboServer` running in the test's process on a free loopback port, for as long as the
/// body given to `TestServer.run` runs; then it is stopped.
public struct TestServer: Sendable {
    /// The running server.
    public let server: ChiboServer
    /// The address it listens on.
    public let address: SocketAddress
    /// Its port.
    public let port: Int

    /// A logger that prints nothing below critical, so test output stays readable.
    public static var quietLogger: Logger {
        var logger = Logger(label: "chibo.test")
        logger.logLevel = .critical
        return logger
    }

    /// Runs `body` against `server`, started first and stopped after.
    public static func run<Result: Sendable>(
        _ server: ChiboServer,
        _ body: @Sendable (TestServer) async throws -> Result
    ) async throws -> Result {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            do {
                let address = try await server.listeningAddress
                guard let port = address.port else { throw TestServerError.noPort("\(address)") }
                let result = try await body(TestServer(server: server, address: address, port: port))
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    /// Runs `body` against a server on a free port with `registry` and `configuration` (port 0
    /// whatever it says), logging only critical messages. Unless `patient` is false, a
    /// production handshake deadline is lengthened (`patientHandshake`); a test of the bytes a
    /// production server sends keeps it.
    public static func run<Result: Sendable>(
        configuration: ServerConfiguration = ServerConfiguration(port: 0),
        registry: MethodRegistry = MethodRegistry(),
        patient: Bool = true,
        _ body: @Sendable (TestServer) async throws -> Result
    ) async throws -> Result {
        var configuration = configuration
        configuration.port = 0
        if patient { patientHandshake(&configuration.limits) }
        let server = ChiboServer(configuration: configuration, registry: registry, logger: quietLogger)
        return try await run(server, body)
    }

    /// The server-side handshake deadline of test servers, in seconds.
    public static let patientHandshakeSeconds = 120

    /// Gives `limits` a long handshake deadline when it has the production default (10 s): a
    /// test server on a loaded machine may take longer than that to read a hello and check its
    /// token (the check waits for the database), which is not what the tests are about. Tests of
    /// the deadline set another value and keep it.
    public static func patientHandshake(_ limits: inout ConnectionLimits) {
        if limits.handshakeTimeout == ConnectionLimits().handshakeTimeout {
            limits.handshakeTimeout = .seconds(patientHandshakeSeconds)
        }
    }

    /// A client of this server (one attempt per call unless `configuration` says otherwise).
    public func client(
        configuration: ClientConfiguration = ClientConfiguration(maxAttempts: 1)
    ) -> ChiboClient {
        ChiboClient(host: "127.0.0.1", port: port, configuration: configuration)
    }
}

/// Why a test server could not be used.
public enum TestServerError: Error, CustomStringConvertible {
    /// The server listens on an address without a port.
    case noPort(String)

    /// What went wrong, in words.
    public var description: String {
        switch self {
        case .noPort(let address): "the test server listens on \(address), which has no port"
        }
    }
}
