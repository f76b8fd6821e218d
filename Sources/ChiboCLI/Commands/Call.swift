import ArgumentParser
import ChiboClient
import ChiboCodec
import ChiboModel

/// `chibo call`: any method, proto3 JSON in and out.
public struct Call: AsyncParsableCommand {
    /// Description.
    public static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Call any method with a proto3 JSON request; prints the response as JSON.",
        discussion: """
            METHOD is Service/Method as `chibo describe` lists it, for example Members/List. The \
            request is -d JSON, -d @FILE or -d - (standard input); an empty request when -d is \
            left out. A server stream prints its messages as a JSON array (and the next page \
            token on standard error); a client stream reads a JSON array or JSON Lines.
            """
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Service/Method, for example Members/Get.") var method: String
    @Option(name: .shortAndLong, help: "The request: JSON, @FILE, or - for standard input.") var data: String?

    /// Creates the command.
    public init() {}

    /// Runs it.
    public func run() async throws {
        guard let descriptor = ServiceRegistry.method(named: method) else {
            throw CLIFailure.usage(
                "no method \(method); `chibo describe` lists them (for example \(ServiceRegistry.allMethods[0].path))"
            )
        }
        let text = try data.map { try Input.text($0) } ?? ""
        try await global.session { session in
            var options = global
            if options.output == nil { options.output = .json }
            let printer = Printer(
                format: options.output ?? .json,
                language: session.printer.language,
                style: session.printer.style,
                console: session.console
            )
            try await Self.invoke(
                session,
                printer,
                descriptor,
                descriptor.requestType,
                descriptor.responseType,
                text: text
            )
        }
    }

    static func invoke<Request: ProtoMessage, Response: ProtoMessage>(
        _ session: Session,
        _ printer: Printer,
        _ descriptor: MethodDescriptor,
        _ request: Request.Type,
        _ response: Response.Type,
        text: String
    ) async throws {
        let options = CallOptions(timeout: session.timeout)
        let client = session.connection()
        switch descriptor.streaming {
        case .unary:
            let message = try decode(Request.self, text)
            let answer = try await client.unary(descriptor.method, message, as: Response.self, options: options)
            printer.generic([Printer.tree(answer)], single: true)
        case .serverStreaming:
            let message = try decode(Request.self, text)
            let stream = try await client.serverStream(descriptor.method, message, as: Response.self, options: options)
            var values: [JSONValue] = []
            for try await item in stream { values.append(Printer.tree(item)) }
            printer.generic(values, single: false)
            if let end = try? stream.trailer(as: PageEnd.self), !end.nextPageToken.isEmpty {
                session.note("next_page_token: \(end.nextPageToken)")
            }
        case .clientStreaming, .bidirectional:
            let trees: [JSONValue]
            do {
                let trimmed = text.trimmingSpaces
                if trimmed.hasPrefix("[") {
                    trees = try JSONValue.parse(trimmed).elements
                } else {
                    trees = try JSONValue.parseLines(text)
                }
            } catch {
                throw CLIFailure.local("the request stream: \(error)")
            }
            var messages: [Request] = []
            for tree in trees { messages.append(try Input.message(Request.self, from: tree, source: "the request")) }
            let requests = AsyncStream<Request> { continuation in
                for message in messages { continuation.yield(message) }
                continuation.finish()
            }
            let answer = try await client.clientStream(
                descriptor.method,
                requests: requests,
                as: Response.self,
                options: options
            )
            printer.generic([Printer.tree(answer)], single: true)
        }
    }

    static func decode<Request: ProtoMessage>(_ type: Request.Type, _ text: String) throws(CLIFailure) -> Request {
        if text.trimmingSpaces.isEmpty { return Request() }
        do {
            return try Request(jsonString: text)
        } catch {
            throw CLIFailure.local("the request is not a valid \(Request.protoMessageName): \(error)")
        }
    }
}
