import ChiboClient
import ChiboImport
import ChiboModel
import Synchronization

/// What an upload has done so far, shared between the task that reads the file and sends it and
/// the task that draws progress and watches the error limit.
public final class UploadTracker: Sendable {
    /// A snapshot of the counters.
    public struct Snapshot: Sendable {
        /// Rows sent to the server in this run.
        public var rowsSent = 0
        /// Batches sent in this run.
        public var batchesSent = 0
        /// Rows read and not sent because their batch was committed before (a resume).
        public var rowsResumed = 0
        /// The last batch number handed to the stream.
        public var lastBatchSent: Int64 = 0
        /// Bytes of the file read.
        public var bytesRead = 0
        /// Data rows read from the file.
        public var rowsRead = 0
        /// How many rows the reader refused (the rows are in `readerRefusals()`).
        public var readerErrorCount = 0
        /// Warnings of the rows sent (cells converted, values that differ from what Chibo derives).
        public var warnings: [RowWarning] = []
        /// Set to end the stream at the next batch boundary.
        public var stopRequested = false
    }

    private let state = Mutex(Snapshot())
    /// The rows the reader refused, added under `state`'s lock.
    private let refused = RefusalSpool()

    /// Creates an empty tracker.
    public init() {}

    /// The counters now.
    public var snapshot: Snapshot { state.withLock { $0 } }

    /// Rows the reader refused so far.
    public var readerErrorCount: Int { state.withLock { $0.readerErrorCount } }

    /// The rows the reader refused so far, in row order.
    func readerRefusals() -> AnyIterator<Refusal> { state.withLock { _ in refused.inOrder() } }

    /// Counts and keeps the rows the reader refused, with the other changes `body` makes.
    func update(refusing errors: [RowError], _ body: (inout Snapshot) -> Void) {
        state.withLock { state in
            for error in errors { refused.add(Refusal(error)) }
            state.readerErrorCount += errors.count
            body(&state)
        }
    }

    /// Asks the reader to stop before its next batch.
    public func requestStop() { state.withLock { $0.stopRequested = true } }

    func update(_ body: (inout Snapshot) -> Void) { state.withLock { body(&$0) } }
}

/// The messages of one `Import.Run` call, produced as the stream pulls them: the header, then
/// batches of `batchSize` file rows read from the file only when the previous one has been sent,
/// so the connection's flow control paces the reader and memory holds a batch, not the file.
/// Batches at or below `skipThrough` are read and numbered but not sent (a resumed import).
/// A meeting is one record, so its rows are never split between batches.
public struct ImportRequests: AsyncSequence, Sendable {
    /// The messages.
    public typealias Element = RunImportRequest

    final class Producer: @unchecked Sendable {
        // Only the one task iterating the sequence touches the reader.
        let reader: ImportReader
        let header: ImportHeader
        let batchSize: Int
        let skipThrough: Int64
        let tracker: UploadTracker
        let stopOnReaderErrors: Int?
        let strict: Bool
        var headerSent = false
        var nextNumber: Int64 = 1
        var done = false

        init(
            reader: ImportReader,
            header: ImportHeader,
            batchSize: Int,
            skipThrough: Int64,
            tracker: UploadTracker,
            stopOnReaderErrors: Int?,
            strict: Bool
        ) {
            self.strict = strict
            self.reader = reader
            self.header = header
            self.batchSize = batchSize
            self.skipThrough = skipThrough
            self.tracker = tracker
            self.stopOnReaderErrors = stopOnReaderErrors
        }

        func next() throws(ImportError) -> RunImportRequest? {
            guard !done else { return nil }
            if !headerSent {
                headerSent = true
                return RunImportRequest(message: .header(header))
            }
            while true {
                if tracker.snapshot.stopRequested {
                    done = true
                    return nil
                }
                var batch = ImportBatch(batchNumber: nextNumber)
                var errors: [RowError] = []
                var warnings: [RowWarning] = []
                // A batch holds `batchSize` rows of the file: a meeting of 25 attendance rows
                // counts 25, so a batch of meetings weighs what a batch of members does (the
                // server holds a window of batches in memory), and is never split.
                var filled = 0
                reading: while filled < batchSize, let event = try reader.next() {
                    switch event {
                    case .item(let item):
                        if strict, let refused = StrictWarnings.error(for: item, file: reader.header.file) {
                            errors.append(refused)
                            continue
                        }
                        warnings += item.warnings
                        batch.rows.append(item.wireRow)
                        filled += item.rowCount
                    case .error(let error):
                        errors.append(error)
                        // A batch's rows may all be refused, and so may the whole file's: the
                        // errors go to the tracker's spool as they pile up, not with the batch.
                        if errors.count >= 1_000 {
                            tracker.update(refusing: errors) { _ in }
                            errors.removeAll(keepingCapacity: true)
                        }
                        // Past the error limit the batch is not sent: no need to read it to its end.
                        if let limit = stopOnReaderErrors, tracker.readerErrorCount + errors.count > limit {
                            break reading
                        }
                    }
                }
                let summary = reader.summary
                let bytes = reader.bytesRead
                var stop = false
                tracker.update(refusing: errors) { state in
                    state.warnings += warnings
                    state.bytesRead = bytes
                    state.rowsRead = summary.rowsRead
                    if let limit = stopOnReaderErrors, state.readerErrorCount > limit { state.stopRequested = true }
                    stop = state.stopRequested
                }
                // A batch cut short by the error limit is not sent: batches stay the same on resume.
                if batch.rows.isEmpty || (stop && filled < batchSize) {
                    done = true
                    return nil
                }
                nextNumber += 1
                if batch.batchNumber <= skipThrough {
                    tracker.update { $0.rowsResumed += batch.rows.count }
                    continue
                }
                tracker.update { state in
                    state.rowsSent += batch.rows.count
                    state.batchesSent += 1
                    state.lastBatchSent = batch.batchNumber
                }
                return RunImportRequest(message: .batch(batch))
            }
        }
    }

    let producer: Producer

    /// Messages for `header` and the records `reader` yields; reader errors and progress go to
    /// `tracker`. With `stopOnReaderErrors`, the stream ends before the batch in which the
    /// reader's errors pass that number.
    public init(
        reader: ImportReader,
        header: ImportHeader,
        batchSize: Int,
        skipThrough: Int64 = 0,
        tracker: UploadTracker,
        stopOnReaderErrors: Int? = nil,
        strict: Bool = false
    ) {
        producer = Producer(
            reader: reader,
            header: header,
            batchSize: batchSize,
            skipThrough: skipThrough,
            tracker: tracker,
            stopOnReaderErrors: stopOnReaderErrors,
            strict: strict
        )
    }

    /// Iterates the messages.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let producer: Producer

        /// The next message, read from the file now; nil at the end (or after a stop).
        public mutating func next() async throws -> RunImportRequest? {
            try producer.next()
        }
    }

    /// Starts iterating; the sequence can be iterated once.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(producer: producer) }
}

/// `--strict`: a row with a warning is refused instead, with the warning's code.
enum StrictWarnings {
    /// The row error refusing `item`, or nil when it has no warning.
    static func error(for item: ImportItem, file: String) -> RowError? {
        guard let first = item.warnings.first else { return nil }
        return RowError(
            file: file,
            row: first.row,
            column: first.column,
            code: RowError.Code(rawValue: first.code),
            message: first.message + " (refused under --strict)"
        )
    }
}
