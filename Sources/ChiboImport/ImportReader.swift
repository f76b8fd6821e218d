/// Reads an import file into typed records and row errors, in file order, with memory that
/// stays flat whatever the file's size.
///
/// ```swift
/// let reader = try ImportReader(source: .file(path: "dang-vien.csv"), options: ImportOptions(entity: .members))
/// print(reader.header.ignored.map(\.header))       // ["STT"]
/// while let event = try reader.next() {
///     switch event {
///     case .item(let item): …                          // item.record, item.rows
///     case .error(let error): …                        // error.row, error.column, error.code
///     }
/// }
/// assert(reader.summary.isBalanced)                    // rows read == rows in records + errors
/// ```
///
/// Opening reads the header (CSV) and throws `ImportError` for what makes the whole file
/// unusable: no format, a header missing a needed column, the wrong encoding, text in a legacy
/// font encoding. `next()` throws only when the file's structure breaks so that later rows
/// cannot be found (a quote never closed, a cut protobuf message); every other fault is a
/// `RowError` event, one per row, and the reading goes on.
///
/// Not thread-safe: one task reads it.
public final class ImportReader {
    /// The header analysis: columns matched and ignored, mappings applied, delimiter, encoding.
    public let header: HeaderReport
    /// For the two-file meeting form, the attendance file's header analysis.
    public let attendanceHeader: HeaderReport?
    /// The options read with.
    public let options: ImportOptions

    private let producer: any EventProducer
    private var counts = ImportSummary()

    /// Opens `source` and, for CSV, reads its header.
    public init(source: ImportSource, options: ImportOptions) throws(ImportError) {
        self.options = options
        guard let format = options.format ?? ImportFormat(fileExtensionOf: source.name) else {
            throw ImportError(
                code: .badOptions,
                message: "cannot tell the format from the file name: name it .csv, .tsv, .xlsx, .jsonl or .binpb, or "
                    + "give --format csv|xlsx|jsonl|delimited",
                file: source.name
            )
        }
        if options.attendance != nil, options.entity != .meetings || (format != .csv && format != .xlsx) {
            throw ImportError(
                code: .badOptions,
                message: "an attendance file goes with a CSV or .xlsx meetings file only",
                file: source.name
            )
        }
        switch format {
        case .csv, .xlsx:
            if options.entity == .meetings, let attendanceSource = options.attendance {
                let meetings = try CSVInput(source: source, columns: ImportColumns.meetingsFile, options: options)
                let attendance = try CSVInput(
                    source: attendanceSource,
                    columns: ImportColumns.attendanceFile,
                    options: options
                )
                header = meetings.report
                attendanceHeader = attendance.report
                producer = try TwoFileMeetingsProducer(
                    meetings: meetings,
                    attendance: attendance,
                    maxRowsPerMeeting: options.maxRowsPerMeeting
                )
                return
            }
            let input = try CSVInput(
                source: source,
                columns: ImportColumns.columns(for: options.entity),
                options: options
            )
            header = input.report
            attendanceHeader = nil
            if let map = RowMappers.mapper(for: options.entity) {
                producer = RowPerRecordProducer(input: input, map: map)
            } else {
                producer = try GroupedMeetingsProducer(input: input, maxRowsPerMeeting: options.maxRowsPerMeeting)
            }
        case .jsonLines:
            header = HeaderReport(file: source.name, format: .jsonLines)
            attendanceHeader = nil
            producer = JSONLinesProducer(source: try ByteSource(source), entity: options.entity, options: options)
        case .delimitedProtobuf:
            header = HeaderReport(file: source.name, format: .delimitedProtobuf)
            attendanceHeader = nil
            producer = DelimitedProtobufProducer(
                source: try ByteSource(source),
                entity: options.entity,
                options: options
            )
        }
    }

    /// The next record or row error, in file order; nil when the file is done.
    public func next() throws(ImportError) -> ImportEvent? {
        guard let event = try producer.next() else { return nil }
        switch event {
        case .item(let item):
            counts.records += 1
            counts.rowsInRecords += item.rowCount
        case .error:
            counts.errors += 1
        }
        return event
    }

    /// The counts so far; balanced (`rowsRead == rowsInRecords + errors`) once `next()` has
    /// returned nil.
    public var summary: ImportSummary {
        var summary = counts
        summary.rowsRead = producer.rowsRead
        summary.blankRows = producer.blankRows
        return summary
    }

    /// The most bytes of file content held at once so far: a chunk plus the row being read
    /// (both files of the two-file form added). Stays near `options.chunkSize` whatever the
    /// file's size.
    public var peakBufferedBytes: Int { producer.peakBufferedBytes }

    /// Bytes of the main file read so far (a chunk ahead of the rows yielded), for progress
    /// against the file's size.
    public var bytesRead: Int { producer.bytesRead }
}
