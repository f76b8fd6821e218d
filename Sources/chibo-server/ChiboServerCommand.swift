import ArgumentParser
import ChiboAccess
import ChiboGRPC
import ChiboRecords
import ChiboServer
import ChiboStore
import ChiboStoreSQLite
import ChiboWire
import Logging
import Metrics
import NIOCore
import NIOSSL
import Prometheus
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `chibo-server`: serves the Chibo wire protocol (the default), or manages access tokens on
/// the database directly.
@main
struct ChiboServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chibo-server",
        abstract: "Serve Chibo's records over the Chibo wire protocol, or manage its access tokens.",
        subcommands: [
            Serve.self, TokenCommand.self, AuditCommand.self, BackupCommand.self, RestoreCommand.self, CopyCommand.self,
            StatsCommand.self,
        ],
        defaultSubcommand: Serve.self
    )
}

/// `chibo-server [serve]`: serves until SIGINT or SIGTERM.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve Chibo's records over the Chibo wire protocol.",
        discussion: """
            Prints the address it listens on as the first line of standard output; with --grpc-listen it \
            also serves standard gRPC (docs/GRPC.md) and prints "grpc HOST:PORT" next. SIGINT or SIGTERM \
            starts a graceful shutdown: new calls are refused, calls in flight finish within the grace \
            period. Every call but health needs a token (make the first with `chibo-server token create`). \
            Without --tls-cert and --tls-key the server speaks plaintext, which it does only on a \
            loopback address unless --allow-plaintext is given. Audit entries are authenticated with \
            the --audit-key file, and a signed checkpoint of the log is written after each commit.
            """
    )

    @Option(name: .long, help: "Address to listen on, HOST:PORT; port 0 picks a free port.")
    var listen: String = "127.0.0.1:7420"

    @Option(
        name: .long,
        help: """
            Also serve standard gRPC (HTTP/2) on HOST:PORT (port 0 picks one): the same services, \
            tokens, TLS and limits; its address is printed as a line "grpc HOST:PORT".
            """
    )
    var grpcListen: String?

    @OptionGroup var database: DatabaseOption

    @OptionGroup var replicas: ReplicaOptions

    @OptionGroup var audit: AuditKeyOption

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    @Option(name: .long, help: "Seconds calls in flight may run after a shutdown begins.")
    var shutdownGrace: Int = 10

    @Option(name: .long, help: "PEM file of the server's TLS certificate chain.")
    var tlsCert: String?

    @Option(name: .long, help: "PEM file of the server's TLS private key.")
    var tlsKey: String?

    @Option(name: .long, help: "PEM file of the CA whose client certificates are required (mutual TLS).")
    var clientCa: String?

    @Flag(name: .long, help: "Serve plaintext on an address other than loopback (behind a TLS proxy).")
    var allowPlaintext = false

    @Option(
        name: .long,
        help: "Serve Prometheus metrics over HTTP on HOST:PORT at /metrics (port 0 picks one; printed second)."
    )
    var metrics: String?

    @Option(
        name: .long,
        help: "MiB all connections together may hold in frames not yet whole and writes not yet done."
    )
    var memoryBudget: Int = 32

    @Option(name: .long, help: "Connections open at once; more get a go-away and are closed.")
    var maxConnections: Int = 4096

    @Option(name: .long, help: "Connections open at once from one IP address; more get a go-away and are closed.")
    var maxConnectionsPerAddress: Int = 256

    @Option(
        name: .long,
        help: "Seconds a connection has for its whole handshake (TLS, hello); it is closed after."
    )
    var handshakeTimeout: Int = 10

    @Option(name: .long, help: "KiB of the largest frame a connection may send before it authenticates.")
    var anonymousFrameLimit: Int = 64

    func validate() throws {
        try replicas.validate(database: database)
        for (name, value) in [
            ("--memory-budget", memoryBudget), ("--max-connections", maxConnections),
            ("--max-connections-per-address", maxConnectionsPerAddress),
            ("--handshake-timeout", handshakeTimeout), ("--anonymous-frame-limit", anonymousFrameLimit),
        ] where value < 1 {
            throw ValidationError("\(name) must be at least 1, got \(value)")
        }
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
        if clientCa != nil && tlsCert == nil { throw ValidationError("--client-ca needs --tls-cert and --tls-key") }
        let (host, _) = try Self.parseAddress(listen)
        if let metrics { _ = try Self.parseAddress(metrics, option: "--metrics") }
        var hosts = [host]
        if let grpcListen { hosts.append(try Self.parseAddress(grpcListen, option: "--grpc-listen").0) }
        for host in hosts where tlsCert == nil && !allowPlaintext && !Self.isLoopback(host) {
            throw ValidationError(
                "refusing to serve plaintext on \(host): records of party members are personal data; "
                    + "give --tls-cert and --tls-key, or --allow-plaintext behind a TLS proxy"
            )
        }
    }

    /// Whether a host is a loopback address.
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    func run() async throws {
        MallocArenas.limit(cores: System.coreCount)
        let (host, port) = try Self.parseAddress(listen)
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "chibo.server")
        var endpoint: MetricsEndpoint?
        if let metrics {
            // Calls, errors and latency per method, import rows and connections, in Prometheus'
            // text format (see CallMetrics and ImportService).
            let (metricsHost, metricsPort) = try Self.parseAddress(metrics, option: "--metrics")
            let prometheus = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: prometheus))
            endpoint = MetricsEndpoint(host: metricsHost, port: metricsPort) { prometheus.emitToBuffer() }
        }
        // Held shared for the server's life: `restore` refuses to replace the file meanwhile.
        let lock = try database.serverLock()
        defer { withExtendedLifetime(lock) {} }
        let opened = try await database.open(
            auditSeal: try audit.seal(for: database),
            replicas: replicas.dbReplica,
            replicaWait: .milliseconds(replicas.dbReplicaWait),
            logger: Logger(label: "chibo.postgres")
        )
        let store = opened.store
        var tls: NIOSSLContext?
        var grpcTLS: NIOSSLContext?
        if let tlsCert, let tlsKey {
            do {
                tls = try TLSSettings.server(certificate: tlsCert, key: tlsKey, clientCA: clientCa)
                if grpcListen != nil {
                    grpcTLS = try TLSSettings.server(
                        certificate: tlsCert,
                        key: tlsKey,
                        clientCA: clientCa,
                        applicationProtocols: ["h2"]
                    )
                }
            } catch {
                throw ValidationError("\(error)")
            }
        }
        let gate = AccessGate(store: store)
        var registry = MethodRegistry(gate: gate)
        Records.register(into: &registry, store: store, access: gate)
        let server = ChiboServer(
            configuration: ServerConfiguration(
                host: host,
                port: port,
                limits: ConnectionLimits(handshakeTimeout: .seconds(handshakeTimeout)),
                shutdownGracePeriod: .seconds(shutdownGrace),
                storage: store.backendName,
                tls: tls,
                memoryBudgetBytes: memoryBudget << 20,
                anonymousMaxFrameBytes: anonymousFrameLimit << 10,
                maxConnections: maxConnections,
                maxConnectionsPerAddress: maxConnectionsPerAddress
            ),
            registry: registry,
            logger: logger
        )
        var grpc: ChiboGRPCServer?
        if let grpcListen {
            let (grpcHost, grpcPort) = try Self.parseAddress(grpcListen, option: "--grpc-listen")
            grpc = ChiboGRPCServer(
                configuration: GRPCListenerConfiguration(
                    host: grpcHost,
                    port: grpcPort,
                    tls: grpcTLS,
                    maxConnections: maxConnections,
                    maxConnectionsPerAddress: maxConnectionsPerAddress,
                    anonymousMaxBytes: anonymousFrameLimit << 10,
                    shutdownGracePeriod: .seconds(shutdownGrace)
                ),
                dispatcher: server.dispatcher,
                extraServices: StandardServices.make(dispatcher: server.dispatcher),
                logger: Logger(label: "chibo.grpc")
            )
        }
        let announcer = AddressAnnouncer(server: server, grpc: grpc, metrics: endpoint)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: server, successTerminationBehavior: .gracefullyShutdownGroup),
            .init(service: announcer, successTerminationBehavior: .ignore),
        ]
        if let grpc { services.append(.init(service: grpc, successTerminationBehavior: .gracefullyShutdownGroup)) }
        if let endpoint { services.append(.init(service: endpoint)) }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        do {
            try await group.run()
        } catch {
            await opened.close()
            throw error
        }
        await opened.close()
    }

    /// Splits HOST:PORT (IPv6 hosts in brackets).
    static func parseAddress(_ text: String, option: String = "--listen") throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else {
            throw ValidationError("\(option) expects HOST:PORT with a port from 0 to 65535, got \"\(text)\"")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ValidationError("\(option) is missing the host in \"\(text)\"") }
        return (host, port)
    }
}

/// Prints the listening address on standard output once the server is bound, then, with
/// `--grpc-listen`, "grpc HOST:PORT" on a line of its own, then, with `--metrics`, the metrics
/// endpoint's URL.
struct AddressAnnouncer: Service {
    let server: ChiboServer
    let grpc: ChiboGRPCServer?
    let metrics: MetricsEndpoint?

    func run() async throws {
        print(Self.text(try await server.listeningAddress))
        fflush(nil)
        if let grpc {
            print("grpc \(Self.text(try await grpc.listeningAddress))")
            fflush(nil)
        }
        if let metrics {
            print("metrics http://\(Self.text(try await metrics.listeningAddress))/metrics")
            fflush(nil)
        }
    }

    static func text(_ address: SocketAddress) -> String {
        let host = address.ipAddress ?? "?"
        let shown = host.contains(":") ? "[\(host)]" : host
        return "\(shown):\(address.port ?? 0)"
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
