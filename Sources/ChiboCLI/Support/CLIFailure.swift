import ChiboClient
import ChiboModel

/// Exit codes, documented in docs/CLI.md.
public enum ExitCodes {
    /// Success.
    public static let ok: Int32 = 0
    /// A local error: a file that cannot be read, input that does not parse, a refused answer.
    public static let error: Int32 = 1
    /// The command line is wrong: unknown command or option, missing or invalid argument.
    public static let usage: Int32 = 2
    /// The server refused the credentials (UNAUTHENTICATED) or the call (PERMISSION_DENIED).
    public static let denied: Int32 = 4
    /// Added to the status code of every other failed call: 64 + 5 = 69 for NOT_FOUND.
    public static let statusBase: Int32 = 64

    /// The exit code for a call that ended with `code`: the one place the CLI maps wire statuses
    /// to exit codes.
    public static func forStatus(_ code: StatusCode) -> Int32 {
        switch code {
        case .ok: ok
        case .unauthenticated, .permissionDenied: denied
        default: statusBase + code.rawValue
        }
    }
}

/// A failure the CLI reports and exits with: an error message on standard error and an exit code.
public struct CLIFailure: Error, Sendable, CustomStringConvertible {
    /// The exit code.
    public var exitCode: Int32
    /// The lines written to standard error.
    public var lines: [String]

    /// Creates a failure.
    public init(exitCode: Int32, lines: [String]) {
        self.exitCode = exitCode
        self.lines = lines
    }

    /// A local error (exit 1).
    public static func local(_ message: String) -> CLIFailure {
        CLIFailure(exitCode: ExitCodes.error, lines: ["error: " + message])
    }

    /// A usage error (exit 2).
    public static func usage(_ message: String) -> CLIFailure {
        CLIFailure(exitCode: ExitCodes.usage, lines: ["error: " + message])
    }

    /// A failed call: the status name and message, then each field violation on its own line.
    public static func call(_ error: ClientError) -> CLIFailure {
        var lines = [
            "error: \(error.code.protoName.map(Self.shortStatus) ?? String(error.code.rawValue)): \(error.message)"
        ]
        for violation in error.violations {
            lines.append("  \(violation.field): \(violation.description)")
        }
        return CLIFailure(exitCode: ExitCodes.forStatus(error.code), lines: lines)
    }

    /// "STATUS_CODE_NOT_FOUND" → "NOT_FOUND", as gRPC names it.
    static func shortStatus(_ name: String) -> String {
        name.hasPrefix("STATUS_CODE_") ? String(name.dropFirst("STATUS_CODE_".count)) : name
    }

    /// The lines joined.
    public var description: String { lines.joined(separator: "\n") }
}
