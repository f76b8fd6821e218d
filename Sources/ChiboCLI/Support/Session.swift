import ArgumentParser
import ChiboClient
import ChiboCodec
import ChiboModel
import Foundation
import NIOSSL

/// Options every command takes: where the server is, who is calling, how to print.
public struct GlobalOptions: ParsableArguments, Sendable {
    /// HOST:PORT of the server.
    @Option(name: .long, help: "Server address HOST:PORT (env CHIBO_SERVER; default 127.0.0.1:7420).")
    public var server: String?

    /// Bearer token.
    @Option(name: .long, help: "Bearer token sent in the hello (env CHIBO_TOKEN).")
    public var token: String?

    /// CA certificate that signed the server's TLS certificate.
    @Option(name: .long, help: "PEM file of the CA that signed the server's certificate: use TLS (env CHIBO_CACERT).")
    public var cacert: String?

    /// Client certificate for mutual TLS.
    @Option(name: .long, help: "PEM file of this client's certificate, for mutual TLS (env CHIBO_CERT).")
    public var cert: String?

    /// Client key for mutual TLS.
    @Option(name: .long, help: "PEM file of this client's private key, for mutual TLS (env CHIBO_KEY).")
    public var key: String?

    /// TLS with the system's trusted roots.
    @ArgumentParser.Flag(name: .long, help: "Use TLS, trusting the system's roots (implied by --cacert).")
    public var tls = false

    /// Named context from the config file.
    @Option(name: .long, help: "Context from the config file (env CHIBO_CONTEXT; default: the current one).")
    public var context: String?

    /// Path of the config file.
    @Option(name: .long, help: "Config file (env CHIBO_CONFIG; default ~/.config/chibo/config.json).")
    public var config: String?

    /// Seconds a call may take.
    @Option(name: .long, help: "Seconds each call may take (env CHIBO_TIMEOUT; default 30).")
    public var timeout: Double?

    /// Output format.
    @Option(
        name: .shortAndLong,
        help:
            "Output format: table, wide (a table with nothing cut), json, csv or yaml (default: table on a terminal, else json)."
    )
    public var output: OutputFormat?

    /// Language of labels.
    @Option(name: .long, help: "Language of labels: vi or en (default from LANG).")
    public var lang: Language?

    /// No colours.
    @ArgumentParser.Flag(name: .long, help: "No colours in tables (also when NO_COLOR is set).")
    public var noColor = false

    /// Creates options with every value unset.
    public init() {}

    /// The connection flags, for `ConnectionSettings`.
    public var connectionFlags: ConnectionSettings.Flags {
        ConnectionSettings.Flags(
            server: server,
            token: token,
            cacert: cacert,
            cert: cert,
            key: key,
            tls: tls,
            context: context,
            config: config,
            timeout: timeout
        )
    }
}

extension OutputFormat: ExpressibleByArgument {}
extension Language: ExpressibleByArgument {}

/// Everything a command needs while it runs: the resolved connection settings, a client
/// (connected on first use), and the printer.
public final class Session: @unchecked Sendable {
    // Mutable state is only touched by the single command that owns the session.
    /// The environment variables read.
    public let environment: [String: String]
    /// HOST of the server.
    public let host: String
    /// PORT of the server.
    public let port: Int
    /// The token.
    public let token: String
    /// The per-call timeout.
    public let timeout: Duration
    /// TLS for the connection; nil for plaintext.
    public let tlsContext: NIOSSLContext?
    /// The printer for data.
    public let printer: Printer
    /// The console, for messages.
    public let console: Console
    private let settings: ConnectionSettings
    private var client: ChiboClient?
    /// Units read during this run, by id: names and codes for what ids the server answers with.
    var unitsByID: [String: OrgUnit] = [:]
    /// What people call the records read during this run, by id ("Tòng Văn Hạnh (0200101)",
    /// "MB-BO (Chi bộ bản Bó)"): an error from the server names them so, not by id.
    var labels: [String: String] = [:]

    /// Remembers how people call these members.
    func label(_ members: [Member]) {
        for member in members where !member.id.isEmpty {
            labels[member.id] =
                member.partyCardNumber.isEmpty ? member.fullName : "\(member.fullName) (\(member.partyCardNumber))"
        }
    }

    /// The failure with every id this run has a name for replaced by that name.
    func readable(_ failure: CLIFailure) -> CLIFailure {
        var failure = failure
        for (id, label) in labels.sorted(by: { $0.key.count > $1.key.count }) {
            failure.lines = failure.lines.map { $0.replacing(id, with: label) }
        }
        return failure
    }

    /// Resolves the settings: flags first, then environment variables, then the context, then
    /// defaults.
    public init(
        _ options: GlobalOptions,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        console: Console = .standard,
        isTerminal: Bool = Console.stdoutIsTerminal
    ) throws(CLIFailure) {
        self.environment = environment
        self.console = console
        let settings = try ConnectionSettings(options.connectionFlags, environment: environment)
        self.settings = settings
        host = settings.host
        port = settings.port
        token = settings.token
        timeout = settings.timeout
        tlsContext = settings.tlsContext
        let context = settings.context
        let format =
            options.output ?? context.flatMap { OutputFormat(rawValue: $0.output) } ?? (isTerminal ? .table : .json)
        let language =
            options.lang ?? context.flatMap { Language(rawValue: $0.lang) } ?? Language.fromEnvironment(environment)
        let colored =
            isTerminal && !options.noColor && environment["NO_COLOR"].map(\.isEmpty) != false
            && environment["TERM"] != "dumb"
        printer = Printer(format: format, language: language, style: TerminalStyle(colored: colored), console: console)
    }

    /// Splits HOST:PORT (an IPv6 host in brackets).
    static func parseAddress(_ text: String) throws(CLIFailure) -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (1...65535).contains(port)
        else {
            throw CLIFailure.usage("the server address must be HOST:PORT, got \"\(text)\"")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw CLIFailure.usage("the server address is missing its host: \"\(text)\"") }
        return (host, port)
    }

    /// The client, created on first use.
    public func connection() -> ChiboClient {
        if let client { return client }
        let made = settings.client(clientName: "chibo/\(ChiboCLIVersion.current)")
        client = made
        return made
    }

    /// Closes the connection if one was opened.
    public func close() async {
        await client?.close()
    }

    /// A unary call; a failed call becomes a `CLIFailure` with its exit code.
    public func unary<Request: ProtoMessage, Response: ProtoMessage>(
        _ method: Method,
        _ request: Request,
        as type: Response.Type = Response.self,
        idempotent: Bool = false
    ) async throws(CLIFailure) -> Response {
        do {
            return try await connection().unary(
                method,
                request,
                as: type,
                options: CallOptions(timeout: timeout, idempotent: idempotent)
            )
        } catch {
            throw Self.failure(error)
        }
    }

    /// Every record of a server-streaming list, following page tokens until the list ends or
    /// `limit` records (0: no limit) have arrived.
    public func list<Request: PagedRequest, Response: ProtoMessage>(
        _ method: Method,
        _ request: Request,
        as type: Response.Type = Response.self,
        limit: Int = 0,
        pageSize: Int32 = 0
    ) async throws(CLIFailure) -> [Response] {
        var request = request
        var records: [Response] = []
        var token = ""
        do {
            repeat {
                request.page = PageRequest(pageSize: pageSize, pageToken: token)
                let stream = try await connection().serverStream(
                    method,
                    request,
                    as: type,
                    options: CallOptions(timeout: timeout, idempotent: true)
                )
                for try await record in stream {
                    records.append(record)
                    if limit > 0 && records.count >= limit { return records }
                }
                token = try stream.trailer(as: PageEnd.self)?.nextPageToken ?? ""
            } while !token.isEmpty
        } catch {
            throw Self.failure(error)
        }
        return records
    }

    /// Every message of a server stream without paging (reports); `timeout` nil for none.
    public func stream<Request: ProtoMessage, Response: ProtoMessage>(
        _ method: Method,
        _ request: Request,
        as type: Response.Type = Response.self
    ) async throws(CLIFailure) -> [Response] {
        var records: [Response] = []
        do {
            let stream = try await connection().serverStream(
                method,
                request,
                as: type,
                options: CallOptions(timeout: timeout, idempotent: true)
            )
            for try await record in stream { records.append(record) }
        } catch {
            throw Self.failure(error)
        }
        return records
    }

    /// Maps any error of a call to a `CLIFailure`.
    static func failure(_ error: any Error) -> CLIFailure {
        if let failure = error as? CLIFailure { return failure }
        if let error = error as? ClientError { return .call(error) }
        if let error = error as? CodecError { return .local("the server's answer does not decode: \(error)") }
        return .local("\(error)")
    }

    /// A note for people on standard error (not data).
    public func note(_ text: String) {
        console.err(text + "\n")
    }
}

/// A list request that takes a page.
public protocol PagedRequest: ProtoMessage {
    /// Paging.
    var page: PageRequest? { get set }
}

extension ListOrgUnitsRequest: PagedRequest {}
extension ListMembersRequest: PagedRequest {}
extension ListMeetingsRequest: PagedRequest {}
extension ListResolutionsRequest: PagedRequest {}
extension ListRuleSetsRequest: PagedRequest {}
extension ListEvaluationsRequest: PagedRequest {}

/// The CLI's version, sent in the hello as `chibo/VERSION`.
public enum ChiboCLIVersion {
    /// The version.
    public static let current = "0.1.0"
}
