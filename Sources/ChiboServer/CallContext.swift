import ChiboCodec
import ChiboModel
import ChiboWire
import Logging
import NIOCore

/// What a handler knows about its call.
public struct CallContext: Sendable {
    /// The method called.
    public var method: Method
    /// The call's id on its connection.
    public var callID: UInt32
    /// When the call must be finished, if the client set a deadline.
    public var deadline: NIODeadline?
    /// The client's address.
    public var remoteAddress: SocketAddress?
    /// The bearer token the client gave in its hello; empty for an anonymous connection.
    public let token: String
    /// Who is calling, once a `CallGate` has authenticated the token; nil without a gate or for
    /// an anonymous call to a public method.
    public var identity: CallerIdentity?
    /// Whether the connection already holds one of the token's call slots for this call (taken
    /// when the call opened, from the `TokenCallSlots` of its hello): the gate must not take
    /// another, and the connection gives it back when the call ends.
    public internal(set) var callSlotHeld = false
    /// The connection's logger, without the call's metadata.
    private let connectionLogger: Logger
    /// A logger the handler assigned, which replaces the derived one.
    private var assignedLogger: Logger?

    init(
        method: Method,
        callID: UInt32,
        deadline: NIODeadline?,
        remoteAddress: SocketAddress?,
        token: String = "",
        connectionLogger: Logger
    ) {
        self.method = method
        self.callID = callID
        self.deadline = deadline
        self.remoteAddress = remoteAddress
        self.token = token
        self.connectionLogger = connectionLogger
    }

    /// A logger with the call's metadata. It is built when read, not for every call: setting
    /// logger metadata costs more than a cheap handler's whole work.
    public var logger: Logger {
        get {
            if let assignedLogger { return assignedLogger }
            var logger = connectionLogger
            logger[metadataKey: "call"] = "\(callID)"
            logger[metadataKey: "method"] = "\(method.protoName ?? String(method.rawValue))"
            return logger
        }
        set {
            assignedLogger = newValue
        }
    }
}

/// An authenticated caller: the token's name, its role and the org subtree it is bound to.
public struct CallerIdentity: Hashable, Sendable {
    /// ID of the token.
    public var tokenID: String
    /// Name of the token, recorded as the author of changes and in the audit log.
    public var name: String
    /// The role: "admin", "officer", "secretary", "viewer" or "auditor".
    public var role: String
    /// ID of the org unit whose subtree the token may reach; empty for everything.
    public var scopeUnitID: String

    /// Creates an identity.
    public init(tokenID: String, name: String, role: String, scopeUnitID: String) {
        self.tokenID = tokenID
        self.name = name
        self.role = role
        self.scopeUnitID = scopeUnitID
    }
}

/// Checks every call before its handler runs: who is calling and whether they may. A server
/// built with a gate runs every handler through it, the built-in ones included (so an inline
/// handler becomes an ordinary one); health stays open if the gate lets it.
public protocol CallGate: Sendable {
    /// Admits a call with its decoded request, setting `context.identity`, or throws a
    /// `CallError` (UNAUTHENTICATED, PERMISSION_DENIED, RESOURCE_EXHAUSTED). Returns the request
    /// the handler gets: a list may be narrowed to what the caller may see.
    func admit<Request: ProtoMessage>(_ request: Request, context: inout CallContext) async throws -> Request
    /// Admits a client-streaming call when it opens; its requests arrive later.
    func admitStream(context: inout CallContext) async throws
    /// Called once an admitted call has finished: `error` is what the handler threw, nil when
    /// the call succeeded.
    func finished(context: CallContext, error: (any Error)?)
    /// How often the server asks `recheck` about a connection's token while the connection has
    /// calls open that need it; nil never asks.
    var recheckInterval: Duration? { get }
    /// Checks again that the token of the connection from `peer` (address and port) still
    /// stands; returns the error its open calls end with (UNAUTHENTICATED when it was revoked or has expired), nil to let them run.
    func recheck(token: String, peer: String) async -> CallError?
    /// Whether calls to `method` stand on the caller's token; a failed recheck ends these and
    /// leaves the others (health) running.
    func needsToken(_ method: Method) -> Bool
    /// Checks the token of a connection's hello: the valid token's call slots, or nil when the
    /// token is missing or not valid now. A connection with slots has authenticated (it may send
    /// frames up to the full limit) and takes a slot for each call that needs the token when the
    /// call opens, so a call over the token's limit is refused at once.
    func authenticate(helloToken token: String) async -> (any TokenCallSlots)?
    /// Writes the per-token limits the gate enforces into the limits every welcome announces.
    func announce(into limits: inout ConnectionLimits)
}

/// The in-flight call slots of one token, shared by all its connections.
public protocol TokenCallSlots: Sendable {
    /// Takes a slot; returns the error that refuses the call when the token has none free.
    func begin() -> CallError?
    /// Gives a slot back.
    func end()
}

extension CallGate {
    /// Never rechecks.
    public var recheckInterval: Duration? { nil }
    /// Lets every call run.
    public func recheck(token: String, peer: String) async -> CallError? { nil }
    /// Every method does.
    public func needsToken(_ method: Method) -> Bool { true }
    /// No connection authenticates at its hello.
    public func authenticate(helloToken token: String) async -> (any TokenCallSlots)? { nil }
    /// Announces nothing more.
    public func announce(into limits: inout ConnectionLimits) {}
}

/// The call the current task serves, for code below a handler that needs to know who is
/// calling (a store's audit trail) without every function passing the context along.
public enum CurrentCall {
    /// The context of the call being handled; nil outside a handler.
    @TaskLocal public static var context: CallContext?
}

extension CallContext {
    /// The method's name as written in the `Method` enum without its prefix, for example
    /// "MEMBERS_UPDATE".
    public var methodName: String {
        guard let name = method.protoName else { return String(method.rawValue) }
        return name.hasPrefix("METHOD_") ? String(name.dropFirst("METHOD_".count)) : name
    }

    /// The client's address as text, for the audit log.
    public var peerText: String { Self.peerText(remoteAddress) }

    /// An address as the audit log writes it: "127.0.0.1:50312"; empty for none.
    static func peerText(_ address: SocketAddress?) -> String {
        guard let address else { return "" }
        if let ip = address.ipAddress, let port = address.port { return "\(ip):\(port)" }
        return "\(address)"
    }
}
