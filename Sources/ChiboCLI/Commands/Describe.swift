import ArgumentParser
import ChiboCodec

/// `chibo describe`: the schema embedded in the binary.
public struct Describe: AsyncParsableCommand {
    /// Description.
    public static let configuration = CommandConfiguration(
        commandName: "describe",
        abstract: "Describe the services, methods, messages and enums of the schema.",
        discussion: """
            With no name: every service and method. With a service (Members), a method \
            (Members/List), a message (Member, chibo.v1.Member) or an enum (MemberStatus): its \
            definition with the schema's comments, as .proto text; -o json or -o yaml for a tree.
            """
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "A service, Service/Method, message or enum; nothing for the list of services.")
    var name: String?

    /// Creates the command.
    public init() {}

    /// Runs it.
    public func run() async throws {
        let console = Console.standard
        let tree = try Self.describe(name)
        switch global.output {
        case .json?: console.out(tree.json.serialized(pretty: true) + "\n")
        case .yaml?: console.out(YAMLEmitter.emit(tree.json))
        default: console.out(tree.text)
        }
    }

    /// The description of `name` as .proto-like text and as a JSON tree.
    public static func describe(_ name: String?) throws(CLIFailure) -> (text: String, json: JSONValue) {
        guard let name, !name.isEmpty else {
            var text = ""
            for service in ServiceRegistry.services {
                text += "\(service.fullName)\n"
                for method in service.methods {
                    text += "  \(method.path)  #\(method.method.rawValue)  \(signature(method))\n"
                }
            }
            return (text, .array(ServiceRegistry.services.map(serviceTree)))
        }
        if name.contains("/") || (name.contains(".") && ServiceRegistry.method(named: name) != nil),
            let method = ServiceRegistry.method(named: name)
        {
            var text = comment(method.comment, indent: "")
            text += "rpc \(method.name)(\(signature(method)));  // \(method.path), Method \(method.method.rawValue)\n"
            for type in [method.requestType.protoMessageName, method.responseType.protoMessageName] {
                if let message = SchemaDescription.message(named: type) { text += "\n" + messageText(message) }
            }
            return (text, methodTree(method))
        }
        if let service = ServiceRegistry.service(named: name) {
            var text = comment(service.comment, indent: "") + "service \(service.name) {\n"
            for method in service.methods {
                text += comment(method.comment, indent: "  ")
                text += "  rpc \(method.name)(\(signature(method)));  // Method \(method.method.rawValue)\n"
            }
            return (text + "}\n", serviceTree(service))
        }
        if let message = SchemaDescription.message(named: name) {
            return (messageText(message), messageTree(message))
        }
        if let description = SchemaDescription.enumType(named: name) {
            var text = comment(description.comment, indent: "") + "enum \(description.name.dropFirst(9)) {\n"
            for value in description.values {
                text += comment(value.comment, indent: "  ") + "  \(value.name) = \(value.number);\n"
            }
            let values = JSONValue.array(
                description.values.map {
                    .object([
                        ("name", .string($0.name)), ("number", .number("\($0.number)")),
                        ("comment", .string($0.comment)),
                    ])
                }
            )
            return (
                text + "}\n",
                .object([
                    ("enum", .string(description.name)), ("comment", .string(description.comment)), ("values", values),
                ])
            )
        }
        throw CLIFailure.usage("nothing in the schema is named \(name); `chibo describe` lists the services")
    }

    static func signature(_ method: MethodDescriptor) -> String {
        let clientStream = method.streaming == .clientStreaming || method.streaming == .bidirectional
        let serverStream = method.streaming == .serverStreaming || method.streaming == .bidirectional
        return "\(clientStream ? "stream " : "")\(method.requestType.protoMessageName) → "
            + "\(serverStream ? "stream " : "")\(method.responseType.protoMessageName)"
    }

    static func comment(_ text: String, indent: String) -> String {
        guard !text.isEmpty else { return "" }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { "\(indent)// \($0)\n" }.joined()
    }

    static func messageText(_ message: MessageDescription) -> String {
        var text = comment(message.comment, indent: "") + "message \(message.name.dropFirst(9)) {  // \(message.file)\n"
        var openOneof = ""
        for field in message.fields {
            if field.oneof != openOneof {
                if !openOneof.isEmpty { text += "  }\n" }
                if !field.oneof.isEmpty { text += "  oneof \(field.oneof) {\n" }
                openOneof = field.oneof
            }
            let indent = field.oneof.isEmpty ? "  " : "    "
            text += comment(field.comment, indent: indent)
            text += "\(indent)\(field.declaredType) \(field.name) = \(field.number);\n"
        }
        if !openOneof.isEmpty { text += "  }\n" }
        return text + "}\n"
    }

    static func serviceTree(_ service: ServiceDescriptor) -> JSONValue {
        .object([
            ("service", .string(service.fullName)),
            ("comment", .string(service.comment)),
            ("methods", .array(service.methods.map(methodTree))),
        ])
    }

    static func methodTree(_ method: MethodDescriptor) -> JSONValue {
        .object([
            ("method", .string(method.path)),
            ("number", .number("\(method.method.rawValue)")),
            ("request", .string(method.requestType.protoMessageName)),
            ("response", .string(method.responseType.protoMessageName)),
            ("streaming", .string(method.streaming.rawValue)),
            ("comment", .string(method.comment)),
        ])
    }

    static func messageTree(_ message: MessageDescription) -> JSONValue {
        .object([
            ("message", .string(message.name)),
            ("file", .string(message.file)),
            ("comment", .string(message.comment)),
            (
                "fields",
                .array(
                    message.fields.map { field in
                        var members: [(String, JSONValue)] = [
                            ("name", .string(field.name)), ("json_name", .string(field.jsonName)),
                            ("number", .number("\(field.number)")), ("type", .string(field.declaredType)),
                        ]
                        if !field.oneof.isEmpty { members.append(("oneof", .string(field.oneof))) }
                        members.append(("comment", .string(field.comment)))
                        return .object(members)
                    }
                )
            ),
        ])
    }
}

/// `chibo config`: named contexts in the config file.
public struct ConfigCommand: AsyncParsableCommand {
    /// The verbs.
    public static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Named contexts (server, token, defaults) in the config file.",
        subcommands: [
            SetContext.self, UseContext.self, CurrentContext.self, GetContexts.self, DeleteContext.self, View.self,
        ]
    )

    /// Creates the command.
    public init() {}

    /// Where the config file is.
    struct FileOption: ParsableArguments {
        @Option(help: "Config file (env CHIBO_CONFIG; default ~/.config/chibo/config.json).") var config: String?

        var path: String { CLIConfig.path(explicit: config, environment: ProcessInfoEnvironment.current) }
    }

    /// `chibo config set-context`.
    public struct SetContext: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            commandName: "set-context",
            abstract: "Create or change a context; only the values given change."
        )
        @OptionGroup var file: FileOption
        @Argument(help: "Name of the context.") var name: String
        @Option(help: "Server address HOST:PORT.") var server: String?
        @Option(help: "Bearer token.") var token: String?
        @Option(help: "Seconds each call may take.") var timeout: Double?
        @Option(help: "Default output format: table, json, csv, yaml.") var output: OutputFormat?
        @Option(help: "Default language: vi or en.") var lang: Language?
        @ArgumentParser.Flag(help: "Also make it the current context.") var use = false

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            if let server { _ = try Session.parseAddress(server) }
            var config = try CLIConfig.load(path: file.path)
            var context = config.context(named: name) ?? ConnectionContext(name: name)
            if let server { context.server = server }
            if let token { context.token = token }
            if let timeout { context.timeoutSeconds = timeout }
            if let output { context.output = output.rawValue }
            if let lang { context.lang = lang.rawValue }
            if let index = config.contexts.firstIndex(where: { $0.name == name }) {
                config.contexts[index] = context
            } else {
                config.contexts.append(context)
            }
            if use || config.currentContext.isEmpty { config.currentContext = name }
            try config.save(path: file.path)
            Console.standard.err("context \"\(name)\" saved in \(file.path)\n")
        }
    }

    /// `chibo config use-context`.
    public struct UseContext: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            commandName: "use-context",
            abstract: "Make a context the current one."
        )
        @OptionGroup var file: FileOption
        @Argument(help: "Name of the context.") var name: String

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            var config = try CLIConfig.load(path: file.path)
            guard config.context(named: name) != nil else {
                throw CLIFailure.usage("no context named \"\(name)\" in \(file.path)")
            }
            config.currentContext = name
            try config.save(path: file.path)
            Console.standard.err("switched to context \"\(name)\"\n")
        }
    }

    /// `chibo config current-context`.
    public struct CurrentContext: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            commandName: "current-context",
            abstract: "Print the current context's name."
        )
        @OptionGroup var file: FileOption

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            let config = try CLIConfig.load(path: file.path)
            guard !config.currentContext.isEmpty else { throw CLIFailure.local("no current context") }
            Console.standard.out(config.currentContext + "\n")
        }
    }

    /// `chibo config get-contexts`.
    public struct GetContexts: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            commandName: "get-contexts",
            abstract: "List the contexts; * marks the current one."
        )
        @OptionGroup var file: FileOption

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            let config = try CLIConfig.load(path: file.path)
            let rows = config.contexts.map { context in
                [
                    TableCell(context.name == config.currentContext ? "*" : ""), TableCell(context.name),
                    TableCell(context.server), TableCell(context.token.isEmpty ? "" : "yes"),
                ]
            }
            Console.standard.out(TableRenderer().render(headers: ["CURRENT", "NAME", "SERVER", "TOKEN"], rows: rows))
        }
    }

    /// `chibo config delete-context`.
    public struct DeleteContext: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            commandName: "delete-context",
            abstract: "Remove a context."
        )
        @OptionGroup var file: FileOption
        @Argument(help: "Name of the context.") var name: String

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            var config = try CLIConfig.load(path: file.path)
            guard config.context(named: name) != nil else {
                throw CLIFailure.usage("no context named \"\(name)\" in \(file.path)")
            }
            config.contexts.removeAll { $0.name == name }
            if config.currentContext == name { config.currentContext = "" }
            try config.save(path: file.path)
        }
    }

    /// `chibo config view`.
    public struct View: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "Print the config file, tokens redacted unless --show-tokens."
        )
        @OptionGroup var file: FileOption
        @Option(name: .shortAndLong, help: "json (default) or yaml.") var output: OutputFormat = .json
        @ArgumentParser.Flag(help: "Show tokens instead of REDACTED.") var showTokens = false

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            let tree = try CLIConfig.load(path: file.path).tree(showTokens: showTokens)
            Console.standard.out(output == .yaml ? YAMLEmitter.emit(tree) : tree.serialized(pretty: true) + "\n")
        }
    }
}
