import ChiboStore
import Foundation

/// Where a PostgreSQL database is and how to log in, from a URL of the form
/// `postgres://USER@HOST:PORT/DATABASE?sslmode=disable|prefer|require&schema=NAME`, or with
/// several hosts in libpq's form, `postgres://USER@HOST1:PORT1,HOST2:PORT2/DATABASE`: the store
/// then writes to whichever of them accepts writes (`pg_is_in_recovery()` false), trying them in
/// turn, and picks again when its connection fails (a standby promoted after a failover).
///
/// A password is never read from the URL, which shows in process listings and shell history:
/// it comes from `PGPASSWORD` or from a file (first line), as with PostgreSQL's own tools.
public struct PostgresLocation: Sendable, Hashable {
    /// How the connection uses TLS.
    public enum TLSMode: String, Sendable {
        /// Plain TCP (a loopback or a private network only).
        case disable
        /// TLS when the server offers it.
        case prefer
        /// TLS or no connection.
        case require
    }

    /// One server of the URL: a host and a port.
    public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
        /// The server's host name or address.
        public var host: String
        /// The server's port.
        public var port: Int

        /// Makes an endpoint.
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// `HOST:PORT`, an IPv6 address in brackets.
        public var description: String { (host.contains(":") ? "[\(host)]" : host) + ":\(port)" }
    }

    /// The servers, in the URL's order (one unless the URL names several).
    public var endpoints: [Endpoint]
    /// The user to log in as.
    public var user: String
    /// The password, if the server asks for one.
    public var password: String?
    /// The database.
    public var database: String
    /// The schema the tables live in (PostgreSQL's `search_path`); `public` unless given.
    public var schema: String
    /// TLS.
    public var tls: TLSMode
    /// Whether, of several hosts, only one that accepts writes will do (libpq's
    /// `target_session_attrs=read-write`, the default here); false takes the first that answers
    /// (`any`).
    public var requiresWritable = true

    /// The first server's host name or address.
    public var host: String {
        get { endpoints[0].host }
        set { endpoints[0].host = newValue }
    }

    /// The first server's port.
    public var port: Int {
        get { endpoints[0].port }
        set { endpoints[0].port = newValue }
    }

    /// Whether `text` names a PostgreSQL database rather than a SQLite file.
    public static func isPostgresURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Reads a URL; the password from `passwordFile` if given, else from `PGPASSWORD` in
    /// `environment`.
    public init(
        url text: String,
        passwordFile: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws {
        guard Self.isPostgresURL(text), let schemeEnd = text.range(of: "://") else {
            throw StoreError.unavailable("\(text) is not a postgres://USER@HOST:PORT/DATABASE URL")
        }
        var rest = Substring(text[schemeEnd.upperBound...])
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        let authority = rest.prefix(while: { $0 != "/" })
        let path = rest.dropFirst(authority.count).drop(while: { $0 == "/" })
        guard let at = authority.lastIndex(of: "@") else {
            throw StoreError.unavailable("the URL names no user (postgres://USER@HOST/DATABASE)")
        }
        let userInfo = authority[..<at]
        if userInfo.contains(":") {
            throw StoreError.unavailable(
                "put the password in PGPASSWORD or a password file, not in the URL"
            )
        }
        guard !userInfo.isEmpty else {
            throw StoreError.unavailable("the URL names no user (postgres://USER@HOST/DATABASE)")
        }
        endpoints = try authority[authority.index(after: at)...]
            .split(separator: ",", omittingEmptySubsequences: false)
            .map(Self.endpoint)
        guard !path.isEmpty else {
            throw StoreError.unavailable("the URL names no database (postgres://USER@HOST/DATABASE)")
        }
        self.user = userInfo.removingPercentEncoding ?? String(userInfo)
        self.database = path.removingPercentEncoding ?? String(path)
        self.schema = "public"
        self.tls = .disable
        for item in query.split(separator: "&") {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = parts[0].removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? parts[1].removingPercentEncoding : nil
            switch name {
            case "sslmode":
                guard let mode = value.flatMap(TLSMode.init(rawValue:)) else {
                    throw StoreError.unavailable("sslmode must be disable, prefer or require")
                }
                tls = mode
            case "schema":
                guard let schema = value, Self.isPlainIdentifier(schema) else {
                    throw StoreError.unavailable("schema must be letters, digits and underscores")
                }
                self.schema = schema
            case "target_session_attrs":
                switch value {
                case "read-write", "primary": requiresWritable = true
                case "any": requiresWritable = false
                default:
                    throw StoreError.unavailable("target_session_attrs must be read-write, primary or any")
                }
            default:
                throw StoreError.unavailable(
                    "unknown URL parameter \(name) (known: sslmode, schema, target_session_attrs)"
                )
            }
        }
        if let passwordFile {
            do {
                let contents = try String(contentsOfFile: passwordFile, encoding: .utf8)
                password = contents.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init)
            } catch {
                throw StoreError.unavailable(
                    "cannot read the password file \(passwordFile): \(error.localizedDescription)"
                )
            }
        } else {
            password = environment["PGPASSWORD"]
        }
    }

    /// One `HOST[:PORT]` of the URL's host list (an IPv6 address in brackets).
    private static func endpoint(_ text: Substring) throws -> Endpoint {
        var host = text
        var port = 5432
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw StoreError.unavailable("the host \(text) opens a bracket it does not close")
            }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw StoreError.unavailable("the host \(text) is not HOST:PORT") }
                port = try Self.port(after.dropFirst(), of: text)
            }
        } else if let colon = text.firstIndex(of: ":") {
            host = text[..<colon]
            port = try Self.port(text[text.index(after: colon)...], of: text)
        }
        guard !host.isEmpty else {
            throw StoreError.unavailable(text.isEmpty ? "the URL names no host" : "the URL names no host in \(text)")
        }
        return Endpoint(host: host.removingPercentEncoding ?? String(host), port: port)
    }

    private static func port(_ text: Substring, of endpoint: Substring) throws -> Int {
        guard let port = Int(text), (1...65535).contains(port) else {
            throw StoreError.unavailable("the port of \(endpoint) must be a number from 1 to 65535")
        }
        return port
    }

    /// The URL without the password, for logs and server info.
    public var description: String {
        "postgres://\(user)@\(endpoints.map(\.description).joined(separator: ","))/\(database)"
            + (schema == "public" ? "" : "?schema=\(schema)")
    }

    /// Letters, digits and underscores, not starting with a digit: safe to write into SQL.
    static func isPlainIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy {
            $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0))
        }
    }
}
