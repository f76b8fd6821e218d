import ChiboStore
import Foundation

/// Where a PostgreSQL database is and how to log in, from a URL of the form
/// `postgres://USER@HOST:PORT/DATABASE?sslmode=disable|prefer|require&schema=NAME`.
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

    /// The server's host name or address.
    public var host: String
    /// The server's port.
    public var port: Int
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
        guard Self.isPostgresURL(text), let url = URLComponents(string: text) else {
            throw StoreError.unavailable("\(text) is not a postgres://USER@HOST:PORT/DATABASE URL")
        }
        if url.password != nil {
            throw StoreError.unavailable(
                "put the password in PGPASSWORD or a password file, not in the URL"
            )
        }
        guard let user = url.user, !user.isEmpty else {
            throw StoreError.unavailable("the URL names no user (postgres://USER@HOST/DATABASE)")
        }
        guard let host = url.host, !host.isEmpty else {
            throw StoreError.unavailable("the URL names no host")
        }
        let database = String(url.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else {
            throw StoreError.unavailable("the URL names no database (postgres://USER@HOST/DATABASE)")
        }
        self.host = host
        self.port = url.port ?? 5432
        self.user = user.removingPercentEncoding ?? user
        self.database = database.removingPercentEncoding ?? database
        self.schema = "public"
        self.tls = .disable
        for item in url.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw StoreError.unavailable("sslmode must be disable, prefer or require")
                }
                tls = mode
            case "schema":
                guard let schema = item.value, Self.isPlainIdentifier(schema) else {
                    throw StoreError.unavailable("schema must be letters, digits and underscores")
                }
                self.schema = schema
            default:
                throw StoreError.unavailable("unknown URL parameter \(item.name) (known: sslmode, schema)")
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

    /// The URL without the password, for logs and server info.
    public var description: String {
        "postgres://\(user)@\(host):\(port)/\(database)" + (schema == "public" ? "" : "?schema=\(schema)")
    }

    /// Letters, digits and underscores, not starting with a digit: safe to write into SQL.
    static func isPlainIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy {
            $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0))
        }
    }
}
