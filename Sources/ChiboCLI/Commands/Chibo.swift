import ArgumentParser
import ChiboClient
import ChiboModel
import Foundation

/// `chibo`: the command-line client of a Chibo server.
public struct Chibo: AsyncParsableCommand {
    /// The command tree.
    public static let configuration = CommandConfiguration(
        commandName: "chibo",
        abstract: "Query and update a Chibo server: cells, members, meetings, reports.",
        discussion: """
            Data goes to standard output (a table on a terminal, JSON otherwise; choose with -o), \
            messages to standard error. Exit codes: 0 ok, 1 error, 2 usage, 4 unauthenticated or \
            permission denied, 64 + the status code for other server errors (69 NOT_FOUND, 67 \
            INVALID_ARGUMENT, 78 UNAVAILABLE). See docs/CLI.md.
            """,
        version: ChiboCLIVersion.current,
        subcommands: [
            Units.self, Members.self, Meetings.self, Resolutions.self, Evaluations.self, Rules.self,
            Reports.self, History.self, Changes.self, Audit.self, Server.self, Call.self, Describe.self,
            ConfigCommand.self,
        ]
    )

    /// Creates the command (used by the parser).
    public init() {}

    /// Runs the command line and returns the exit code: the one place errors become exit codes
    /// and messages on standard error.
    public static func run(arguments: [String], console: Console = .standard) async -> Int32 {
        if let unknown = unknownSubcommand(arguments) {
            console.err(unknown.lines.joined(separator: "\n") + "\n")
            return unknown.exitCode
        }
        do {
            var command = try parseAsRoot(arguments)
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
            return ExitCodes.ok
        } catch let failure as CLIFailure {
            console.err(failure.lines.joined(separator: "\n") + "\n")
            return failure.exitCode
        } catch let error as ClientError {
            let failure = CLIFailure.call(error)
            console.err(failure.lines.joined(separator: "\n") + "\n")
            return failure.exitCode
        } catch let exit as ExitCode {
            return exit.rawValue
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { console.out(message + (message.hasSuffix("\n") ? "" : "\n")) }
                return ExitCodes.ok
            }
            if !message.isEmpty { console.err(message + "\n") }
            // ArgumentParser's usage errors (EX_USAGE, 64) are exit code 2 here: 64 and above
            // are server statuses.
            return code == .validationFailure ? ExitCodes.usage : ExitCodes.error
        }
    }
}

extension GlobalOptions {
    /// Runs `body` with a session for these options, closing its connection afterwards.
    func session<T>(_ body: (Session) async throws -> T) async throws -> T {
        let session = try Session(self)
        do {
            let result = try await body(session)
            await session.close()
            return result
        } catch {
            await session.close()
            throw session.readable(Session.failure(error))
        }
    }
}

/// The options of every command that changes data.
public struct MutationFlags: ParsableArguments, Sendable {
    /// Validate only.
    @ArgumentParser.Flag(
        name: .long,
        help: "Ask the server to check the request without changing anything (validate_only)."
    )
    public var dryRun = false

    /// Idempotency key.
    @Option(name: .long, help: "Idempotency key: a retry with the same id changes nothing twice (default: a new UUID).")
    public var requestId: String?

    /// Creates the flags unset.
    public init() {}

    /// The request's mutation options.
    var options: MutationOptions {
        MutationOptions(requestId: requestId ?? UUID().uuidString.lowercased(), validateOnly: dryRun)
    }

    /// Tells on standard error that nothing was changed.
    func noteDryRun(_ session: Session) {
        if dryRun {
            session.note(
                session.printer.presenter.text(
                    "dry run: the server accepted the request; nothing was changed",
                    "chạy thử: máy chủ chấp nhận yêu cầu; chưa thay đổi gì"
                )
            )
        }
    }
}

/// Options of list commands.
public struct ListFlags: ParsableArguments, Sendable {
    /// Most records to fetch.
    @Option(name: .long, help: "Most records to show (0: all).")
    public var limit = 0

    /// Records per page fetched from the server.
    @Option(name: .long, help: "Records per page fetched from the server (0: the server's default).")
    public var pageSize: Int32 = 0

    /// Include voided records.
    @ArgumentParser.Flag(name: .long, help: "Include voided records.")
    public var includeVoided = false

    /// Creates the flags unset.
    public init() {}
}

extension Chibo {
    /// A usage error with "did you mean" for a mistyped command (`chibo memebrs list`), which
    /// the argument parser reports only as an unexpected argument.
    static func unknownSubcommand(_ arguments: [String]) -> CLIFailure? {
        var command: any ParsableCommand.Type = Chibo.self
        var path = ["chibo"]
        for argument in arguments {
            let subcommands = command.configuration.subcommands
            if argument.hasPrefix("-") || argument == "help" || subcommands.isEmpty { return nil }
            let names = subcommands.map { $0.configuration.commandName ?? $0._commandName }
            guard let index = names.firstIndex(of: argument) else {
                let near = Folding.suggestions(for: argument, among: names)
                var lines = ["error: \(path.joined(separator: " ")) has no command \"\(argument)\""]
                if !near.isEmpty {
                    lines.append("did you mean " + near.map { "'\($0)'" }.joined(separator: ", or ") + "?")
                }
                lines.append("the commands: " + names.joined(separator: ", "))
                return CLIFailure(exitCode: ExitCodes.usage, lines: lines)
            }
            command = subcommands[index]
            path.append(argument)
        }
        return nil
    }
}
