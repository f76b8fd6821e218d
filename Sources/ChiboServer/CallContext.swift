import ChiboModel
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
    /// The connection's logger, without the call's metadata.
    private let connectionLogger: Logger
    /// A logger the handler assigned, which replaces the derived one.
    private var assignedLogger: Logger?

    init(
        method: Method,
        callID: UInt32,
        deadline: NIODeadline?,
        remoteAddress: SocketAddress?,
        connectionLogger: Logger
    ) {
        self.method = method
        self.callID = callID
        self.deadline = deadline
        self.remoteAddress = remoteAddress
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
