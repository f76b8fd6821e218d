import Foundation

/// One named connection: a server, a token and defaults, as `kubectl` keeps clusters.
public struct ConnectionContext: Hashable, Sendable {
    /// The context's name.
    public var name: String
    /// HOST:PORT of the server.
    public var server: String
    /// Bearer token sent in the hello; empty for anonymous.
    public var token: String
    /// Seconds each call may take; 0 for the default.
    public var timeoutSeconds: Double
    /// Default `-o` format; empty for the automatic choice.
    public var output: String
    /// Default `--lang`; empty to follow `LANG`.
    public var lang: String
    // TLS settings (CA file, client certificate, server name) will join here with the security
    // work; the file format ignores keys it does not know, so older clients keep reading it.

    /// Creates a context.
    public init(
        name: String,
        server: String = "",
        token: String = "",
        timeoutSeconds: Double = 0,
        output: String = "",
        lang: String = ""
    ) {
        self.name = name
        self.server = server
        self.token = token
        self.timeoutSeconds = timeoutSeconds
        self.output = output
        self.lang = lang
    }
}

/// The config file: named contexts and the one in use. JSON, written with mode 0600 because
/// it holds tokens.
public struct CLIConfig: Hashable, Sendable {
    /// Name of the context used when none is named.
    public var currentContext: String
    /// Every context.
    public var contexts: [ConnectionContext]

    /// An empty config.
    public init(currentContext: String = "", contexts: [ConnectionContext] = []) {
        self.currentContext = currentContext
        self.contexts = contexts
    }

    /// The file's path: `--config`, else `CHIBO_CONFIG`, else `$XDG_CONFIG_HOME/chibo/config.json`,
    /// else `~/.config/chibo/config.json`.
    public static func path(explicit: String?, environment: [String: String]) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let path = environment["CHIBO_CONFIG"], !path.isEmpty { return path }
        if let xdg = environment["XDG_CONFIG_HOME"], !xdg.isEmpty { return xdg + "/chibo/config.json" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.config/chibo/config.json"
    }

    /// Reads the file; a missing file is an empty config.
    public static func load(path: String) throws(CLIFailure) -> CLIConfig {
        guard FileManager.default.fileExists(atPath: path) else { return CLIConfig() }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CLIFailure.local("cannot read the config file \(path): \(error.localizedDescription)")
        }
        let tree: JSONValue
        do {
            tree = try JSONValue.parse(text)
        } catch {
            throw CLIFailure.local("the config file \(path) is not valid JSON: \(error)")
        }
        var config = CLIConfig(currentContext: tree["current_context"]?.scalarText ?? "")
        for entry in tree["contexts"]?.elements ?? [] {
            guard let name = entry["name"]?.scalarText else { continue }
            config.contexts.append(
                ConnectionContext(
                    name: name,
                    server: entry["server"]?.scalarText ?? "",
                    token: entry["token"]?.scalarText ?? "",
                    timeoutSeconds: entry["timeout_seconds"]?.scalarText.flatMap(Double.init) ?? 0,
                    output: entry["output"]?.scalarText ?? "",
                    lang: entry["lang"]?.scalarText ?? ""
                )
            )
        }
        return config
    }

    /// The file's JSON; tokens shown or replaced by "REDACTED".
    public func tree(showTokens: Bool) -> JSONValue {
        .object([
            ("current_context", .string(currentContext)),
            (
                "contexts",
                .array(
                    contexts.map { context in
                        var members: [(String, JSONValue)] = [("name", .string(context.name))]
                        if !context.server.isEmpty { members.append(("server", .string(context.server))) }
                        if !context.token.isEmpty {
                            members.append(("token", .string(showTokens ? context.token : "REDACTED")))
                        }
                        if context.timeoutSeconds > 0 {
                            members.append(("timeout_seconds", .number(Self.number(context.timeoutSeconds))))
                        }
                        if !context.output.isEmpty { members.append(("output", .string(context.output))) }
                        if !context.lang.isEmpty { members.append(("lang", .string(context.lang))) }
                        return .object(members)
                    }
                )
            ),
        ])
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// Writes the file (mode 0600), creating its folder.
    public func save(path: String) throws(CLIFailure) {
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(),
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
            let data = Data((tree(showTokens: true).serialized(pretty: true) + "\n").utf8)
            if !FileManager.default.fileExists(atPath: path) {
                _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
            }
            try data.write(to: url)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        } catch {
            throw CLIFailure.local("cannot write the config file \(path): \(error.localizedDescription)")
        }
    }

    /// The context with this name.
    public func context(named name: String) -> ConnectionContext? {
        contexts.first { $0.name == name }
    }
}

/// The process's environment variables.
enum ProcessInfoEnvironment {
    /// The current environment.
    static var current: [String: String] { ProcessInfo.processInfo.environment }
}
