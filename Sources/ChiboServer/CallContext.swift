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
    /// A logger with the call's metadata.
    public var logger: Logger
}
