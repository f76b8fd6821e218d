import ChiboClient
import ChiboImport
import ChiboModel

/// Sends what `ImportReader` reads from a file to a server with `Import.Run`, in numbered
/// batches, and merges the server's summary with the rows the reader itself refused, so the
/// numbers add up to the rows of the file.
public enum ImportUpload {
    /// The outcome of an upload.
    public struct Outcome: Sendable {
        /// The server's answer.
        public var response: RunImportResponse
        /// Rows the reader could not turn into records; never sent.
        public var readerErrors: [RowError]
        /// The whole file: the server's counts over the import (every call with its id) plus the
        /// reader's errors as rejected rows (read = inserted + updated + skipped + rejected).
        public var counts: ImportCounts
    }

    /// The batches of the records `reader` yields, `batchSize` rows each, numbered from 1, and
    /// the reader's row errors. Reads the whole file (a first version: it holds the rows).
    public static func batches(
        from reader: ImportReader,
        batchSize: Int
    ) throws(ImportError) -> (batches: [ImportBatch], errors: [RowError]) {
        var batches: [ImportBatch] = []
        var current = ImportBatch(batchNumber: 1)
        var errors: [RowError] = []
        while let event = try reader.next() {
            switch event {
            case .error(let error): errors.append(error)
            case .item(let item):
                guard let row = item.wireRow else {
                    errors.append(
                        RowError(
                            file: reader.options.entity.rawValue,
                            row: item.rows.first ?? 0,
                            code: RowError.Code(rawValue: "unsupported"),
                            message: "the server does not import \(reader.options.entity) yet"
                        )
                    )
                    continue
                }
                current.rows.append(row)
                if current.rows.count >= batchSize {
                    batches.append(current)
                    current = ImportBatch(batchNumber: current.batchNumber + 1)
                }
            }
        }
        if !current.rows.isEmpty { batches.append(current) }
        return (batches, errors)
    }

    /// Sends `batches` under `header` and merges the answer with the reader's `errors`.
    public static func send(
        header: ImportHeader,
        batches: [ImportBatch],
        readerErrors errors: [RowError],
        client: ChiboClient
    ) async throws -> Outcome {
        let messages =
            [RunImportRequest(message: .header(header))] + batches.map { RunImportRequest(message: .batch($0)) }
        let stream = AsyncStream<RunImportRequest> { continuation in
            for message in messages { continuation.yield(message) }
            continuation.finish()
        }
        let response = try await client.clientStream(.importRun, requests: stream, as: RunImportResponse.self)
        // The checkpoint counts every committed batch of the import, those of earlier calls
        // too: after a resumed run, the whole file.
        var counts = response.checkpoint?.counts ?? ImportCounts()
        counts.read += Int64(errors.count)
        counts.rejected += Int64(errors.count)
        return Outcome(response: response, readerErrors: errors, counts: counts)
    }
}
