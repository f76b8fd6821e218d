import ChiboClient
import ChiboImport
import ChiboModel
import Foundation

/// `chibo-import FILE --entity members [options]`: reads a file with ChiboImport, sends it with
/// `Import.Run` and prints the summary on standard error. Exit codes: 0 every row imported,
/// 1 some rows refused, 2 a usage error, 3 the import failed.
public enum ImportTool {
    /// The usage text.
    public static let usage = """
        usage: chibo-import FILE --entity members [--server HOST:PORT] [--token TOKEN]
                            [--on-conflict skip|update|fail] [--import-id UUID] [--batch-size N]
                            [--dry-run] [--summary-json FILE] [--reject-file FILE]
          --server       server address (env CHIBO_SERVER; default 127.0.0.1:7420)
          --token        bearer token (env CHIBO_TOKEN)
          --import-id    resume the import with this id (default: a new one, printed)
          --summary-json write the summary as JSON to FILE
          --reject-file  write the refused rows as CSV to FILE (created with mode 0600)
        """

    /// The parsed command line.
    struct Options {
        var file = ""
        var entity: ChiboImport.ImportEntity = .members
        var server = "127.0.0.1:7420"
        var token = ""
        var policy: ImportConflictPolicy = .skip
        var importID = UUID().uuidString.lowercased()
        var batchSize = 500
        var dryRun = false
        var summaryJSON: String?
        var rejectFile: String?
    }

    struct UsageError: Error {
        var message: String
    }

    static func parse(_ arguments: [String], environment: [String: String]) throws -> Options {
        var options = Options()
        if let server = environment["CHIBO_SERVER"], !server.isEmpty { options.server = server }
        options.token = environment["CHIBO_TOKEN"] ?? ""
        var entity: String?
        var rest = arguments[...]
        func value(_ name: String) throws -> String {
            guard let next = rest.popFirst() else { throw UsageError(message: "\(name) needs a value") }
            return next
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "--entity": entity = try value(argument)
            case "--server": options.server = try value(argument)
            case "--token": options.token = try value(argument)
            case "--import-id": options.importID = try value(argument)
            case "--summary-json": options.summaryJSON = try value(argument)
            case "--reject-file": options.rejectFile = try value(argument)
            case "--dry-run": options.dryRun = true
            case "--batch-size":
                guard let size = Int(try value(argument)), (1...5_000).contains(size) else {
                    throw UsageError(message: "--batch-size is a number from 1 to 5000")
                }
                options.batchSize = size
            case "--on-conflict":
                switch try value(argument) {
                case "skip": options.policy = .skip
                case "update": options.policy = .update
                case "fail": options.policy = .fail
                default: throw UsageError(message: "--on-conflict is skip, update or fail")
                }
            default:
                guard !argument.hasPrefix("-"), options.file.isEmpty else {
                    throw UsageError(message: "unexpected argument \(argument)")
                }
                options.file = argument
            }
        }
        guard !options.file.isEmpty else { throw UsageError(message: "name the file to import") }
        guard let name = entity, let parsed = ChiboImport.ImportEntity(rawValue: name) else {
            throw UsageError(message: "--entity is required: members or org_units")
        }
        options.entity = parsed
        guard UUID(uuidString: options.importID) != nil else { throw UsageError(message: "--import-id is a UUID") }
        return options
    }

    /// Runs the tool; returns the exit code.
    public static func run(arguments: [String], environment: [String: String]) async -> Int32 {
        let options: Options
        do {
            options = try parse(arguments, environment: environment)
        } catch {
            printError("chibo-import: \((error as? UsageError)?.message ?? "\(error)")\n\(usage)")
            return 2
        }
        let parts = options.server.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]) else {
            printError("chibo-import: --server is HOST:PORT")
            return 2
        }
        let client = ChiboClient(
            host: String(parts[0]),
            port: port,
            configuration: ClientConfiguration(token: options.token, maxAttempts: 1)
        )
        defer { Task { await client.close() } }
        do {
            let reader = try ImportReader(
                source: .file(path: options.file),
                options: ImportOptions(entity: options.entity)
            )
            let (batches, errors) = try ImportUpload.batches(from: reader, batchSize: options.batchSize)
            let entity: ImportEntityKind = options.entity == .orgUnits ? .orgUnits : .members
            let header = ImportHeader(
                importId: options.importID,
                entity: entity,
                onConflict: options.policy,
                dryRun: options.dryRun
            )
            printError("chibo-import: import \(options.importID)\(options.dryRun ? " (dry run)" : "")")
            let outcome = try await ImportUpload.send(
                header: header,
                batches: batches,
                readerErrors: errors,
                client: client
            )
            let counts = outcome.counts
            printError(
                "chibo-import: \(counts.read) rows read: \(counts.inserted) inserted, \(counts.updated) updated, "
                    + "\(counts.skipped) skipped, \(counts.rejected) refused"
            )
            let refused = rejections(outcome)
            for rejection in refused.prefix(20) {
                printError("  row \(rejection.row) \(rejection.field) \(rejection.code): \(rejection.message)")
            }
            if let path = options.rejectFile { try writeRejects(refused, to: path) }
            if let path = options.summaryJSON { try writeSummary(outcome, importID: options.importID, to: path) }
            return counts.rejected == 0 ? 0 : 1
        } catch {
            printError("chibo-import: \(error)")
            return 3
        }
    }

    /// The reader's errors and the server's refusals, by row.
    static func rejections(_ outcome: ImportUpload.Outcome) -> [RowRejection] {
        let local = outcome.readerErrors.map {
            RowRejection(
                row: Int32(clamping: $0.row),
                field: $0.column ?? "",
                code: $0.code.rawValue,
                message: $0.message
            )
        }
        return (local + outcome.response.rejections).sorted { $0.row < $1.row }
    }

    static func writeRejects(_ rejections: [RowRejection], to path: String) throws {
        func quoted(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        var text = "row,field,code,message\n"
        for rejection in rejections {
            text +=
                "\(rejection.row),\(quoted(rejection.field)),\(quoted(rejection.code)),\(quoted(rejection.message))\n"
        }
        try writePrivate(text, to: path)
    }

    static func writeSummary(_ outcome: ImportUpload.Outcome, importID: String, to path: String) throws {
        let counts = outcome.counts
        let summary: [String: Any] = [
            "import_id": importID,
            "dry_run": outcome.response.dryRun,
            "last_batch": outcome.response.checkpoint?.lastBatch ?? 0,
            "read": counts.read,
            "inserted": counts.inserted,
            "updated": counts.updated,
            "skipped": counts.skipped,
            "rejected": counts.rejected,
            "skipped_batches": outcome.response.skippedBatches,
        ]
        let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys, .prettyPrinted])
        try writePrivate(String(decoding: data, as: UTF8.self) + "\n", to: path)
    }

    /// Writes a file readable by its owner only: refused rows quote personal data.
    static func writePrivate(_ text: String, to path: String) throws {
        let descriptor = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0o600)
        guard descriptor >= 0 else {
            throw UsageError(message: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        fchmod(descriptor, 0o600)
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { throw UsageError(message: "cannot write \(path)") }
            written += count
        }
    }

    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
