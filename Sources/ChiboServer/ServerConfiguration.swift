import ChiboWire
import Logging

/// How a Chibo server listens and what it enforces.
public struct ServerConfiguration: Sendable {
    /// Host to bind, for example "127.0.0.1" or "0.0.0.0".
    public var host: String
    /// Port to bind; 0 picks a free port.
    public var port: Int
    /// Limits enforced on every connection and announced in `Welcome`.
    public var limits: ConnectionLimits
    /// How long in-flight calls may run after a shutdown begins before connections are closed.
    public var shutdownGracePeriod: Duration
    /// Name and version reported in `Welcome` and server info.
    public var serverName: String
    /// Storage backend reported in server info.
    public var storage: String

    /// Creates a configuration; the defaults listen on 127.0.0.1:7420.
    public init(
        host: String = "127.0.0.1",
        port: Int = 7420,
        limits: ConnectionLimits = .default,
        shutdownGracePeriod: Duration = .seconds(10),
        serverName: String = "chibo-server/\(ChiboVersion.current)",
        storage: String = "none"
    ) {
        self.host = host
        self.port = port
        self.limits = limits
        self.shutdownGracePeriod = shutdownGracePeriod
        self.serverName = serverName
        self.storage = storage
    }
}

/// The version of this Chibo build.
public enum ChiboVersion {
    /// Semantic version of the server and client software.
    public static let current = "0.1.0"
}
