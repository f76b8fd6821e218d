/// Something that yields the events of one import, in file order.
protocol EventProducer: AnyObject {
    /// The next event, or nil when the file is done.
    func next() throws(ImportError) -> ImportEvent?
    /// Data rows (lines, messages) read so far, buffered ones included.
    var rowsRead: Int { get }
    /// Blank rows skipped so far.
    var blankRows: Int { get }
    /// The most bytes of file content held at once.
    var peakBufferedBytes: Int { get }
    /// Bytes of the main file consumed so far (read into the buffer), for progress.
    var bytesRead: Int { get }
}

/// A queue of events produced together (a meeting's rows) and handed out one at a time.
struct EventQueue {
    private var events: [ImportEvent] = []
    private var head = 0

    /// Whether nothing is waiting.
    var isEmpty: Bool { head == events.count }

    /// Adds events, in order.
    mutating func append(contentsOf more: [ImportEvent]) {
        if head == events.count {
            events.removeAll(keepingCapacity: true)
            head = 0
        }
        events.append(contentsOf: more)
    }

    /// The next event waiting, if any.
    mutating func pop() -> ImportEvent? {
        guard head < events.count else { return nil }
        defer { head += 1 }
        return events[head]
    }
}

/// One record per CSV row: org units, members, status events, resolutions, evaluations.
final class RowPerRecordProducer: EventProducer {
    private let input: CSVInput
    private let map: (inout RowContext) -> ImportRecord?

    init(input: CSVInput, map: @escaping (inout RowContext) -> ImportRecord?) {
        self.input = input
        self.map = map
    }

    var rowsRead: Int { input.rowsRead }
    var blankRows: Int { input.blankRows }
    var peakBufferedBytes: Int { input.reader.peakBufferedBytes }
    var bytesRead: Int { input.reader.source.position }

    func next() throws(ImportError) -> ImportEvent? {
        guard let row = try input.next() else { return nil }
        var context = input.context(row)
        if context.problems.isEmpty, let record = map(&context) {
            return .item(ImportItem(record: record, rows: [row.row], warnings: row.warnings))
        }
        return .error(context.rowError()!)
    }
}
