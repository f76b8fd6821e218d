import ChiboCodec
import ChiboModel

/// A fault in the byte stream of a connection. Any of these ends the connection: the server
/// answers with a `GoAway` carrying the matching status and closes.
public enum WireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A frame's length prefix exceeds the maximum frame size.
    case frameTooLarge(length: Int, maximum: Int, offset: Int)
    /// A frame larger than a connection may send before it authenticates.
    case frameTooLargeBeforeAuthentication(length: Int, maximum: Int)
    /// A frame's body is not a valid `chibo.v1.Frame`.
    case malformedFrame(CodecError, offset: Int)
    /// The connection ended in the middle of a frame.
    case truncatedFrame(bufferedBytes: Int)

    /// A readable account of the fault.
    public var description: String {
        switch self {
        case .frameTooLarge(let length, let maximum, let offset):
            "frame at byte \(offset) announces \(length) bytes, above the maximum of \(maximum)"
        case .frameTooLargeBeforeAuthentication(let length, let maximum):
            "a frame of \(length) bytes before the connection has authenticated (a hello with a valid "
                + "token); the limit until then is \(maximum) bytes"
        case .malformedFrame(let error, let offset):
            "frame at byte \(offset) is malformed: \(error)"
        case .truncatedFrame(let buffered):
            "connection closed in the middle of a frame (\(buffered) bytes buffered)"
        }
    }

    /// The status a peer reports for this fault.
    public var status: Status {
        switch self {
        case .frameTooLarge, .frameTooLargeBeforeAuthentication: Status(code: .resourceExhausted, message: description)
        case .malformedFrame, .truncatedFrame: Status(code: .invalidArgument, message: description)
        }
    }
}
