import ChiboCodec
import ChiboModel

/// An error a handler throws to end its call with a given status. Any other error ends the call
/// with INTERNAL (and is logged); a request that fails to decode ends it with INVALID_ARGUMENT.
public struct CallError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The status code, numbered as in gRPC.
    public var code: StatusCode
    /// What went wrong, for a person.
    public var message: String
    /// For INVALID_ARGUMENT: each invalid field with its path and reason.
    public var violations: [FieldViolation]

    /// Creates an error.
    public init(_ code: StatusCode, _ message: String, violations: [FieldViolation] = []) {
        self.code = code
        self.message = message
        self.violations = violations
    }

    /// An INVALID_ARGUMENT error for one field.
    public static func invalidArgument(field: String, _ description: String) -> CallError {
        CallError(
            .invalidArgument,
            "\(field): \(description)",
            violations: [FieldViolation(field: field, description: description)]
        )
    }

    /// The status sent on the wire.
    public var status: Status {
        Status(code: code, message: message, violations: violations)
    }

    /// One line for logs.
    public var description: String { "\(code.protoName ?? String(code.rawValue)): \(message)" }

    /// The status for any error a handler throws.
    public static func status(for error: any Error) -> Status {
        switch error {
        case let error as CallError:
            return error.status
        case let error as CodecError:
            return CallError(
                .invalidArgument,
                "the request could not be decoded: \(error)",
                violations: [FieldViolation(field: error.field ?? "", description: error.message)]
            ).status
        case is CancellationError:
            return Status(code: .cancelled, message: "the call was cancelled")
        default:
            return Status(code: .internal, message: "internal error")
        }
    }
}
