import ArgumentParser
import ChiboCLI
import ChiboImport
import ChiboModel
import Foundation

/// `chibo-import`'s command line, parsed with swift-argument-parser. `ImportCommand.run` turns
/// it into an `ImportJob` and returns the exit code (see `ImportExit`).
public struct ImportCommand: ParsableCommand {
    /// The command's name, abstract and exit codes for `--help`.
    public static let configuration = CommandConfiguration(
        commandName: "chibo-import",
        abstract: "Import a CSV, Excel (.xlsx), JSON Lines or delimited protobuf file into a Chibo server.",
        discussion: """
            Reads FILE in batches, sends them with Import.Run as it reads (memory stays flat), and \
            prints a summary on standard error: read = inserted + updated + skipped + rejected.
            `chibo-import check FILE --entity E` reads and checks FILE without a server.
            Exit codes: 0 every row imported; 1 some rows refused; 2 usage error; 3 the import \
            failed or stopped (--max-errors, a broken file, a failed call).
            """
    )

    /// The file to import.
    @Argument(help: "The file to import (not with --undo).")
    public var file: String?

    /// Kind of record in the file.
    @Option(
        help:
            "What the file holds: org_units, members, status_events, meetings, resolutions, evaluations or org_changes."
    )
    public var entity: String?

    /// Attendance file for meetings.
    @Option(help: "For meetings: a CSV attendance file joined to FILE by meeting_key.")
    public var attendance: String?

    /// Server address.
    @Option(help: "Server address HOST:PORT (env CHIBO_SERVER; default 127.0.0.1:7420).")
    public var server: String?

    /// Bearer token.
    @Option(help: "Bearer token (env CHIBO_TOKEN).")
    public var token: String?

    /// Config context.
    @Option(help: "Context from the chibo config file (env CHIBO_CONTEXT; default: the current one).")
    public var context: String?

    /// Config file.
    @Option(help: "The chibo config file (env CHIBO_CONFIG; default ~/.config/chibo/config.json).")
    public var config: String?

    /// TLS with the system roots.
    @ArgumentParser.Flag(help: "Use TLS, trusting the system's roots (implied by --cacert).")
    public var tls = false

    /// CA certificate.
    @Option(help: "PEM file of the CA that signed the server's certificate: use TLS (env CHIBO_CACERT).")
    public var cacert: String?

    /// Client certificate.
    @Option(help: "PEM file of this client's certificate, for mutual TLS (env CHIBO_CERT).")
    public var cert: String?

    /// Client key.
    @Option(help: "PEM file of this client's private key, for mutual TLS (env CHIBO_KEY).")
    public var key: String?

    /// Conflict policy.
    @Option(
        name: .customLong("on-conflict"),
        help: "A row matching a stored record: skip, update or fail (default skip)."
    )
    public var onConflict: String = "skip"

    /// Dry run.
    @ArgumentParser.Flag(
        name: .customLong("dry-run"),
        help: "Check every row as if importing, write nothing (with --undo: report only)."
    )
    public var dryRun = false

    /// Error limit.
    @Option(name: .customLong("max-errors"), help: "Stop when more than N rows are refused (file and server together).")
    public var maxErrors: Int?

    /// Column mappings.
    @Option(name: .customLong("map"), help: "Map a column to a field, COLUMN=FIELD (repeatable).")
    public var mappings: [String] = []

    /// CSV encoding.
    @Option(help: "Encoding of a CSV file: utf-8, windows-1258 or tcvn3 (default utf-8).")
    public var encoding: String?

    /// CSV delimiter.
    @Option(help: "CSV delimiter: comma, semicolon or tab (default: detected).")
    public var delimiter: String?

    /// File format.
    @Option(help: "File format: csv, jsonl or protobuf (default: from the extension).")
    public var format: String?

    /// Resume an import.
    @Option(help: "Resume the import with this id: batches already committed are read, not sent.")
    public var resume: String?

    /// Undo an import.
    @Option(help: "Undo the import with this id (Import.Undo) and print what changed.")
    public var undo: String?

    /// Import id.
    @Option(name: .customLong("import-id"), help: "The import's id, a UUID (default: a new one, printed).")
    public var importID: String?

    /// Summary file.
    @Option(name: .customLong("summary-json"), help: "Write the summary as JSON to this file.")
    public var summaryJSON: String?

    /// Reject file.
    @Option(name: .customLong("reject-file"), help: "Write the refused rows as CSV to this file (mode 0600).")
    public var rejectFile: String?

    /// Batch size.
    @Option(
        name: .customLong("batch-size"),
        help: "File rows per batch, 1 to 5000 (default 500); a meeting's rows are never split."
    )
    public var batchSize: Int = 500

    /// Sheet of a workbook.
    @Option(help: "For an .xlsx file: the sheet to read, by name or number from 1 (default: the first).")
    public var sheet: String?

    /// Language of reasons.
    @Option(help: "Language of the reject and warnings files' reasons: vi or en (default en).")
    public var lang: String = "en"

    /// Warnings refuse rows.
    @ArgumentParser.Flag(help: "Refuse a row whose category, status or date disagrees with what Chibo derives.")
    public var strict = false

    /// Quiet.
    @ArgumentParser.Flag(
        name: .shortAndLong,
        help: "No progress and no notes on standard error; the summary still prints."
    )
    public var quiet = false

    /// Creates the command (used by the parser).
    public init() {}

    /// Checks what the parser cannot: values, and which options go together.
    public func validate() throws {
        if undo != nil {
            guard file == nil else { throw ValidationError("--undo takes no FILE") }
            guard resume == nil, importID == nil else {
                throw ValidationError("--undo goes without --resume and --import-id")
            }
            guard UUID(uuidString: undo ?? "") != nil else {
                throw ValidationError("--undo takes an import id (a UUID)")
            }
            return
        }
        guard file != nil else { throw ValidationError("name the FILE to import (or --undo ID)") }
        guard let entity else { throw ValidationError("--entity is required: \(Self.entityNames)") }
        guard ChiboImport.ImportEntity(name: entity) != nil || Self.isOrgChanges(entity) else {
            throw ValidationError("--entity is one of \(Self.entityNames), not \"\(entity)\"")
        }
        guard Self.policy(onConflict) != nil else { throw ValidationError("--on-conflict is skip, update or fail") }
        guard (1...5_000).contains(batchSize) else { throw ValidationError("--batch-size is a number from 1 to 5000") }
        if let maxErrors, maxErrors < 0 { throw ValidationError("--max-errors is 0 or more") }
        if let encoding, TextEncoding(name: encoding) == nil {
            throw ValidationError("--encoding is utf-8, windows-1258 or tcvn3")
        }
        if let delimiter, CSVDelimiter(name: delimiter) == nil {
            throw ValidationError("--delimiter is comma, semicolon or tab")
        }
        if let format, ImportFormat(name: format) == nil {
            throw ValidationError("--format is csv, xlsx, jsonl or protobuf")
        }
        guard ReportLanguage(name: lang) != nil else { throw ValidationError("--lang is vi or en, not \"\(lang)\"") }
        for mapping in mappings where ColumnMapping(parsing: mapping) == nil {
            throw ValidationError("--map takes COLUMN=FIELD, not \"\(mapping)\"")
        }
        if resume != nil && importID != nil {
            throw ValidationError("--resume ID names the import: leave out --import-id")
        }
        for id in [resume, importID].compactMap({ $0 }) where UUID(uuidString: id) == nil {
            throw ValidationError("an import id is a UUID, not \"\(id)\"")
        }
        if attendance != nil && ChiboImport.ImportEntity(name: entity) != .meetings {
            throw ValidationError("--attendance goes with --entity meetings")
        }
    }

    static let entityNames =
        (ChiboImport.ImportEntity.allCases.map(\.rawValue) + ["org_changes"]).joined(separator: ", ")

    /// Whether `--entity` names org changes (merges, splits and moves), which `OrgChangeJob` sends
    /// as the server's own calls rather than through Import.Run.
    static func isOrgChanges(_ entity: String?) -> Bool {
        entity.map { $0.lowercased().replacingOccurrences(of: "-", with: "_") == "org_changes" } ?? false
    }

    /// Parses an `--on-conflict` value.
    static func policy(_ name: String) -> ImportConflictPolicy? {
        switch name.lowercased() {
        case "skip": .skip
        case "update": .update
        case "fail": .fail
        default: nil
        }
    }

    /// The connection flags, for `ConnectionSettings`.
    var connectionFlags: ConnectionSettings.Flags {
        ConnectionSettings.Flags(
            server: server,
            token: token,
            cacert: cacert,
            cert: cert,
            key: key,
            tls: tls,
            context: context,
            config: config
        )
    }

    /// The reading options the flags describe (valid after `validate()`).
    var readOptions: ImportOptions {
        var options = ImportOptions(
            entity: entity.flatMap(ChiboImport.ImportEntity.init(name:)) ?? .members,
            format: format.flatMap(ImportFormat.init(name:)),
            encoding: encoding.flatMap(TextEncoding.init(name:)) ?? .utf8,
            delimiter: delimiter.flatMap(CSVDelimiter.init(name:)),
            columnMappings: mappings.compactMap(ColumnMapping.init(parsing:)),
            attendance: attendance.map { .file(path: $0) }
        )
        options.sheet = sheet
        return options
    }

    /// The language of the reasons written to files.
    var language: ReportLanguage { ReportLanguage(name: lang) ?? .english }

    /// `chibo-import` with `arguments`: parses them, runs the job and returns the exit code.
    /// Usage errors print the message and the usage on standard error and return 2; `--help`
    /// prints the help on standard output and returns 0.
    public static func run(
        arguments: [String],
        environment: [String: String] = ProcessInfo.processInfo.environment,
        console: Console = .standard,
        stderrIsTerminal: Bool = isatty(2) == 1
    ) async -> Int32 {
        let checkOnly = arguments.first == "check"
        let command: ImportCommand
        do {
            command = try parse(checkOnly ? Array(arguments.dropFirst()) : arguments)
            if checkOnly, command.undo != nil || command.resume != nil {
                throw ValidationError("check reads a FILE: it takes no --undo or --resume")
            }
        } catch {
            let message = fullMessage(for: error)
            if exitCode(for: error) == .success {
                console.out(message + (message.hasSuffix("\n") ? "" : "\n"))
                return ImportExit.ok
            }
            console.err(message + "\n")
            return ImportExit.usage
        }
        if checkOnly && isOrgChanges(command.entity) {
            return await OrgChangeJob(command: command, console: console, settings: nil).run()
        }
        if checkOnly { return FileCheck(command: command, console: console).run() }
        let settings: ConnectionSettings
        do {
            settings = try ConnectionSettings(command.connectionFlags, environment: environment)
        } catch {
            console.err("chibo-import: " + error.lines.joined(separator: "\n") + "\n")
            return ImportExit.usage
        }
        if isOrgChanges(command.entity) {
            return await OrgChangeJob(command: command, console: console, settings: settings).run()
        }
        let job = ImportJob(
            command: command,
            settings: settings,
            console: console,
            showProgress: stderrIsTerminal && !command.quiet
        )
        return await job.run()
    }
}

/// `chibo-import`'s exit codes.
public enum ImportExit {
    /// Every row was imported (or, with --undo, undone).
    public static let ok: Int32 = 0
    /// The import finished but some rows were refused (or an undo left records alone).
    public static let someRefused: Int32 = 1
    /// The command line is wrong.
    public static let usage: Int32 = 2
    /// The import failed or stopped: the file cannot be read, a call failed, --max-errors.
    public static let failed: Int32 = 3
}
