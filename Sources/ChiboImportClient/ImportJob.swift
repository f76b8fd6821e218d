import ChiboCLI
import ChiboClient
import ChiboImport
import ChiboModel
import Foundation
import Synchronization

/// Set once the upload task has ended.
final class UploadDone: Sendable {
    private let done = Mutex(false)

    /// Marks the upload ended.
    func set() { done.withLock { $0 = true } }

    /// Whether the upload has ended.
    var isSet: Bool { done.withLock { $0 } }
}

/// One run of `chibo-import`: an upload (new, resumed or dry), or an undo. Prints notes,
/// progress and the summary on standard error and returns the exit code.
struct ImportJob {
    let command: ImportCommand
    let settings: ConnectionSettings
    let console: Console
    let showProgress: Bool

    static let clientName = "chibo-import/\(ChiboCLIVersion.current)"

    /// How an upload ended.
    enum Ending {
        /// Every batch sent and answered.
        case completed
        /// Stopped by --max-errors.
        case stopped
        /// A call or the file failed.
        case failed(String)
    }

    func note(_ text: String) {
        if !command.quiet { console.err("chibo-import: " + text + "\n") }
    }

    func say(_ text: String) { console.err("chibo-import: " + text + "\n") }

    func run() async -> Int32 {
        let client = settings.client(clientName: Self.clientName)
        let code: Int32
        if let undo = command.undo {
            code = await runUndo(undo, client: client)
        } else {
            code = await runImport(client: client)
        }
        await client.close()
        return code
    }

    // MARK: Undo

    func runUndo(_ id: String, client: ChiboClient) async -> Int32 {
        do {
            let response = try await client.unary(
                .importUndo,
                UndoImportRequest(importId: id, dryRun: command.dryRun),
                as: UndoImportResponse.self,
                options: CallOptions(timeout: nil)
            )
            let what = response.dryRun ? "would void" : "voided"
            say(
                "import \(id)\(response.dryRun ? " (dry run: nothing changed)" : ""): \(what) \(response.voided), "
                    + "\(response.dryRun ? "would restore" : "restored") \(response.restored), "
                    + "\(response.conflicts.count) left alone"
            )
            for conflict in response.conflicts {
                say("  \(conflict.entity) \(conflict.recordId): \(conflict.message)")
            }
            if let path = command.summaryJSON {
                let summary: [String: Any] = [
                    "import_id": id, "dry_run": response.dryRun, "voided": response.voided,
                    "restored": response.restored, "conflicts": response.conflicts.count,
                ]
                try writeJSON(summary, to: path)
            }
            return response.conflicts.isEmpty ? ImportExit.ok : ImportExit.someRefused
        } catch {
            say("cannot undo import \(id): \(Self.describe(error))")
            return ImportExit.failed
        }
    }

    // MARK: Import

    func runImport(client: ChiboClient) async -> Int32 {
        let file = command.file ?? ""
        let options = command.readOptions
        let importID = (command.resume ?? command.importID ?? UUID().uuidString).lowercased()
        let entity = Self.wireEntity(options.entity)
        let resumeHint =
            "resume with: chibo-import \(file) --entity \(options.entity) --batch-size \(command.batchSize)\(command.sheet.map { " --sheet \"\($0)\"" } ?? "") --resume \(importID)"

        let reader: ImportReader
        do {
            reader = try ImportReader(source: .file(path: file), options: options)
        } catch {
            say("\(error)")
            let refused = refusalSink(options: options, readable: false)
            refused.add(Refusal(row: error.row ?? 0, column: "", code: error.code.rawValue, message: error.message))
            writeOutputs(
                refused: refused,
                counts: ImportCounts(),
                importID: importID,
                status: "failed",
                lastBatch: 0,
                readerErrors: 0
            )
            return ImportExit.failed
        }
        for ignored in reader.header.ignored where !command.quiet {
            note("column \"\(ignored.header)\" is not imported")
        }
        say("import \(importID)\(command.dryRun ? " (dry run: nothing is written)" : "")")

        // A resumed import: what the server committed before.
        var skipThrough: Int64 = 0
        var before: ImportCheckpoint?
        if let resume = command.resume {
            do {
                let checkpoint = try await client.unary(
                    .importStatus,
                    GetImportStatusRequest(importId: resume),
                    as: ImportCheckpoint.self,
                    options: CallOptions(timeout: settings.timeout, idempotent: true)
                )
                guard checkpoint.undoneAtMs == 0 else {
                    say("import \(resume) was undone; it takes no more batches")
                    return ImportExit.failed
                }
                guard checkpoint.entity == entity else {
                    say("import \(resume) imports \(checkpoint.entity), not \(entity)")
                    return ImportExit.usage
                }
                skipThrough = checkpoint.lastBatch
                before = checkpoint
                note("resuming after batch \(skipThrough) (\(checkpoint.counts?.read ?? 0) rows committed)")
            } catch let error as ClientError where error.code == .notFound {
                note("import \(resume) has no committed batch: starting from the first")
            } catch {
                say("cannot read the status of import \(resume): \(Self.describe(error))")
                return ImportExit.failed
            }
        }

        guard let policy = ImportCommand.policy(command.onConflict) else { return ImportExit.usage }
        let header = ImportHeader(
            importId: importID,
            entity: entity,
            onConflict: policy,
            dryRun: command.dryRun,
            strict: command.strict
        )
        let tracker = UploadTracker()
        let requests = ImportRequests(
            reader: reader,
            header: header,
            batchSize: command.batchSize,
            skipThrough: skipThrough,
            tracker: tracker,
            stopOnReaderErrors: command.maxErrors,
            strict: command.strict
        )
        let fileSize = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        let progress = showProgress ? ProgressLine(write: console.err) : nil
        let started = ContinuousClock.now

        let uploadDone = UploadDone()
        let upload = Task {
            defer { uploadDone.set() }
            return try await client.clientStream(
                .importRun,
                requests: requests,
                as: RunImportResponse.self,
                options: CallOptions(timeout: nil)
            )
        }
        // Progress and the error limit, while the upload runs.
        var stoppedByServerErrors = false
        var pollDue = ContinuousClock.now + .seconds(1)
        while !uploadDone.isSet {
            try? await Task.sleep(for: .milliseconds(100))
            if uploadDone.isSet { break }
            let state = tracker.snapshot
            if let progress {
                progress.draw(
                    ImportProgress.line(
                        rowsSent: state.rowsSent,
                        elapsed: Double((ContinuousClock.now - started).components.seconds)
                            + Double((ContinuousClock.now - started).components.attoseconds) / 1e18,
                        bytesRead: state.bytesRead,
                        fileSize: fileSize
                    )
                )
            }
            if let limit = command.maxErrors, !command.dryRun, ContinuousClock.now >= pollDue {
                pollDue = ContinuousClock.now + .seconds(1)
                if let checkpoint = try? await status(importID, client: client) {
                    let refused = Int(checkpoint.counts?.rejected ?? 0) + state.readerErrorCount
                    if refused > limit {
                        stoppedByServerErrors = true
                        tracker.requestStop()
                        upload.cancel()
                        break
                    }
                }
            }
        }
        progress?.clear()

        var ending = Ending.completed
        var response = RunImportResponse(dryRun: command.dryRun)
        // A token the server refuses: running again (or resuming) with it gets no further.
        var tokenRefused = false
        do {
            response = try await upload.value
        } catch {
            ending = stoppedByServerErrors ? .stopped : .failed(Self.describe(error))
            let code = (error as? ClientError)?.code
            tokenRefused = code == .permissionDenied || code == .unauthenticated
        }
        let state = tracker.snapshot
        if case .completed = ending, state.stopRequested { ending = .stopped }
        // Whether the server said what it committed (it cannot when it is gone).
        var committedKnown = true
        if case .completed = ending {
        } else if !command.dryRun {
            // What the server committed, to report and to resume from.
            do {
                if let checkpoint = try await status(importID, client: client) {
                    response.checkpoint = checkpoint
                } else if response.checkpoint == nil {
                    response.checkpoint = before
                }
            } catch {
                committedKnown = false
                if response.checkpoint == nil { response.checkpoint = before }
            }
        }

        if let before, case .completed = ending, options.entity != .meetings,
            Int64(state.rowsResumed) != before.counts?.read ?? 0
        {
            say(
                "warning: the batches skipped on resume hold \(state.rowsResumed) rows, but the server committed "
                    + "\(before.counts?.read ?? 0) in them: was the file or --batch-size changed since the first run?"
            )
        }
        // Every refused row, the reader's and the server's, in row order, goes to the reject file
        // and the counts by kind as it comes. The response lists the first the server refused;
        // when it left some out, all are read a page at a time, so memory stays flat however
        // many rows are refused. A server that cannot list them leaves the count of those left
        // out, which is said below.
        let columns = RejectColumns(report: reader.header, entity: options.entity)
        let refused: RefusalSink
        if !command.dryRun, committedKnown, response.rejectionsNotListed > 0,
            let every = await allRefusals(
                importID,
                client: client,
                readerErrors: tracker.readerRefusals(),
                columns: columns,
                options: options
            )
        {
            refused = every
            response.rejectionsNotListed = 0
        } else {
            refused = refusalSink(options: options, readable: true)
            Refusal.merge(
                RefusalMerge(reader: tracker.readerRefusals()),
                server: response.rejections,
                columns: columns,
                into: refused.add
            )
        }
        var counts = response.checkpoint?.counts ?? ImportCounts()
        let readerErrors = state.readerErrorCount
        counts.read += Int64(readerErrors)
        counts.rejected += Int64(readerErrors)
        // The reader's warnings (cells converted) and the server's (values Chibo derives otherwise).
        let warnings =
            (state.warnings
            + response.warnings.map { warning in
                RowWarning(
                    code: warning.code,
                    row: Int(warning.row),
                    column: columns.header(field: warning.field, code: warning.code, message: ""),
                    fileValue: warning.fileValue,
                    chiboValue: warning.chiboValue,
                    message: warning.message
                )
            }).sorted { $0.row < $1.row }
        let lastBatch = response.checkpoint?.lastBatch ?? 0
        // What to say of the batches committed, and whether resuming makes sense.
        let sentAny = state.lastBatchSent > skipThrough
        let committed: String
        let canResume: Bool
        if tokenRefused && !(committedKnown && lastBatch > 0) {
            // Rows already committed are skipped by a later run: the same command with another
            // token picks up where this one could not.
            committed = "run the same command with a token that may import these records (an admin's or an officer's)"
            canResume = false
        } else if !committedKnown && !sentAny && skipThrough == 0 {
            committed = "nothing was committed (no batch was sent): run the same command again"
            canResume = false
        } else if !committedKnown {
            committed =
                "the server did not answer to say what it committed ("
                + (sentAny ? "batches up to \(state.lastBatchSent) were sent" : "no batch was sent")
                + (skipThrough > 0 ? " after batch \(skipThrough), committed earlier" : "") + ")"
            canResume = true
        } else if lastBatch > 0 {
            committed =
                "committed through batch \(lastBatch) (\((response.checkpoint?.counts?.read ?? 0)) rows in all)"
            canResume = true
        } else {
            committed = "nothing was committed: run the same command again"
            canResume = false
        }

        let dry = command.dryRun ? " (dry run: nothing written)" : ""
        switch ending {
        case .completed:
            // A meeting is many rows (one per attendance record) but one record: the counts are
            // of meetings, and the rows are named beside them.
            let read =
                options.entity == .meetings
                ? "\(state.rowsRead) rows read as \(counts.read) meetings" : "\(counts.read) rows read"
            say(
                "\(read): \(counts.inserted) inserted, \(counts.updated) updated, "
                    + "\(counts.skipped) skipped, \(counts.rejected) rejected\(dry)"
            )
        case .stopped:
            say(
                "stopped: more than \(command.maxErrors ?? 0) rows refused. Committed through batch \(lastBatch): "
                    + "\(counts.read - Int64(readerErrors)) rows (\(counts.inserted) inserted, \(counts.updated) "
                    + "updated, \(counts.skipped) skipped, \(counts.rejected - Int64(readerErrors)) rejected); "
                    + "\(readerErrors) rows refused by the file check so far\(dry)"
            )
            if !command.dryRun && canResume { say(resumeHint) }
        case .failed(let message):
            say("the import failed: \(message)")
            if !command.dryRun { say(canResume ? "\(committed); \(resumeHint)" : committed) }
        }
        let tally = refused.tally
        if tally.total > 0 { say("refused by kind: " + tally.kindsLine) }
        // The server lists the first refused and warned rows, as many as a response holds.
        if response.rejectionsNotListed > 0 {
            say(
                "the server listed the first \(response.rejections.count) refused rows and left out "
                    + "\(response.rejectionsNotListed) more (it could not list them): fix those listed and run the "
                    + "import again to see the next"
            )
        }
        if response.warningsNotListed > 0 {
            say("the server listed \(response.warnings.count) warnings and left out \(response.warningsNotListed) more")
        }
        if !warnings.isEmpty {
            say("\(warnings.count) warnings: " + ErrorKinds.line(warnings: warnings))
            if !command.quiet && command.rejectFile == nil {
                for warning in warnings.prefix(10) { say("  warning: \(warning)") }
            }
        }
        if !command.quiet && command.rejectFile == nil {
            for refusal in tally.first {
                say(
                    "  row \(refusal.row)\(refusal.column.isEmpty ? "" : " \(refusal.column)"): \(refusal.message) [\(refusal.code)]"
                )
            }
            if tally.total > tally.first.count {
                say("  … \(tally.total - tally.first.count) more (see --reject-file)")
            }
        }
        let status: String
        switch ending {
        case .completed: status = "completed"
        case .stopped: status = "stopped"
        case .failed: status = "failed"
        }
        writeOutputs(
            refused: refused,
            counts: counts,
            importID: importID,
            status: status,
            lastBatch: lastBatch,
            readerErrors: readerErrors,
            skippedBatches: response.skippedBatches,
            dryRun: response.dryRun,
            warnings: warnings,
            notListed: (response.rejectionsNotListed, response.warningsNotListed)
        )
        switch ending {
        case .completed: return counts.rejected == 0 ? ImportExit.ok : ImportExit.someRefused
        case .stopped, .failed: return ImportExit.failed
        }
    }

    /// The reader's errors merged with every row the import's committed batches refused (read
    /// by Import.ListRejections a page of 1,000 at a time, each page passed on before the next is
    /// read) into a new sink; nil when a page cannot be read.
    func allRefusals(
        _ id: String,
        client: ChiboClient,
        readerErrors: AnyIterator<Refusal>,
        columns: RejectColumns,
        options: ImportOptions
    ) async -> RefusalSink? {
        let refused = refusalSink(options: options, readable: true)
        var merge = RefusalMerge(reader: readerErrors)
        var token = ""
        do {
            repeat {
                let request = ListImportRejectionsRequest(
                    importId: id,
                    page: PageRequest(pageSize: 1_000, pageToken: token)
                )
                let page = try await client.serverStream(
                    .importListRejections,
                    request,
                    as: RowRejection.self,
                    options: CallOptions(timeout: settings.timeout, idempotent: true)
                )
                for try await rejection in page {
                    merge.add(Refusal(rejection, columns: columns), to: refused.add)
                }
                token = try page.trailer(as: PageEnd.self)?.nextPageToken ?? ""
            } while !token.isEmpty
        } catch {
            refused.close()
            return nil
        }
        merge.finish(refused.add)
        return refused
    }

    /// A sink for refused rows: the reject file when one is asked for, quoting the input's rows
    /// when it is `readable`.
    func refusalSink(options: ImportOptions, readable: Bool) -> RefusalSink {
        RefusalSink(
            rejectFile: command.rejectFile,
            source: readable ? .file(path: command.file ?? "") : nil,
            options: options,
            language: command.language
        )
    }

    /// Import.Status, or nil when nothing is committed yet.
    func status(_ id: String, client: ChiboClient) async throws -> ImportCheckpoint? {
        do {
            return try await client.unary(
                .importStatus,
                GetImportStatusRequest(importId: id),
                as: ImportCheckpoint.self,
                options: CallOptions(timeout: settings.timeout, idempotent: true)
            )
        } catch let error as ClientError where error.code == .notFound {
            return nil
        }
    }

    /// Closes the reject file and writes the warnings file and the summary JSON, when asked for;
    /// a failure to write them is said.
    func writeOutputs(
        refused: RefusalSink,
        counts: ImportCounts,
        importID: String,
        status: String,
        lastBatch: Int64,
        readerErrors: Int,
        skippedBatches: [Int64] = [],
        dryRun: Bool? = nil,
        warnings: [RowWarning] = [],
        notListed: (rejections: Int64, warnings: Int64) = (0, 0)
    ) {
        if let path = command.rejectFile {
            do {
                try WarningsFile.write(warnings, language: command.language, besides: path)
            } catch {
                say("cannot write the warnings file: \(error)")
            }
        }
        refused.close()
        if let failure = refused.failure { say("cannot write the reject file: \(failure)") }
        if let path = command.summaryJSON {
            let summary: [String: Any] = [
                "import_id": importID,
                "status": status,
                "dry_run": dryRun ?? command.dryRun,
                "last_batch": lastBatch,
                "read": counts.read,
                "inserted": counts.inserted,
                "updated": counts.updated,
                "skipped": counts.skipped,
                "rejected": counts.rejected,
                "rejected_by_file_check": readerErrors,
                "skipped_batches": skippedBatches,
                "rejected_by_kind": refused.tally.byKind,
                "warnings": warnings.count,
                "rejections_not_listed": notListed.rejections,
                "warnings_not_listed": notListed.warnings,
                "peak_memory_kb": Self.peakMemoryKB(),
            ]
            do {
                try writeJSON(summary, to: path)
            } catch {
                say("cannot write the summary: \(error)")
            }
        }
    }

    func writeJSON(_ object: [String: Any], to path: String) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
        try PrivateFile.write(String(decoding: data, as: UTF8.self) + "\n", to: path)
    }

    /// The process's peak resident memory (VmHWM) in kB; 0 where /proc is not there.
    static func peakMemoryKB() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
        }
        return 0
    }

    static func wireEntity(_ entity: ChiboImport.ImportEntity) -> ImportEntityKind {
        switch entity {
        case .orgUnits: .orgUnits
        case .members: .members
        case .statusEvents: .statusEvents
        case .meetings: .meetings
        case .resolutions: .resolutions
        case .evaluations: .evaluations
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? ClientError {
            return
                "\(error.code.protoName.map { $0.replacingOccurrences(of: "STATUS_CODE_", with: "") } ?? "\(error.code)"): \(error.message)"
        }
        return "\(error)"
    }
}
