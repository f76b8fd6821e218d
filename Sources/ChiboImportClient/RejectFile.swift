import ChiboImport
import ChiboModel
import Foundation

/// A refused row: by the reader (the file's check) or by the server.
public struct Refusal: Hashable, Sendable {
    /// The file's row number; 0 for the file as a whole.
    public var row: Int
    /// The column or field concerned; empty for the whole row.
    public var column: String
    /// The code, for example `bad_date` or `unknown_unit`.
    public var code: String
    /// What is wrong, for a person.
    public var message: String

    /// Creates a refusal.
    public init(row: Int, column: String, code: String, message: String) {
        self.row = row
        self.column = column
        self.code = code
        self.message = message
    }

    /// A reader's row error.
    public init(_ error: RowError) {
        self.init(row: error.row, column: error.column ?? "", code: error.code.rawValue, message: error.message)
    }

    /// A server's rejection.
    public init(_ rejection: RowRejection) {
        self.init(row: Int(rejection.row), column: rejection.field, code: rejection.code, message: rejection.message)
    }

    /// The reader's errors and the server's rejections in row order, without repeats (a
    /// server reports a resumed import's earlier rejections again).
    public static func merged(reader: [RowError], server: [RowRejection]) -> [Refusal] {
        merged(reader: reader, server: server, columns: nil)
    }

    /// The same, with the server's fields named as the file's header names their columns.
    static func merged(reader: [RowError], server: [RowRejection], columns: RejectColumns?) -> [Refusal] {
        var all: [Refusal] = []
        merge(RefusalMerge(reader: reader), server: server, columns: columns) { all.append($0) }
        return all
    }

    /// Passes the reader's refusals of `merge` and the server's `rejections` (in any order) to
    /// `emit`, in row order without repeats.
    static func merge(
        _ merge: RefusalMerge,
        server rejections: [RowRejection],
        columns: RejectColumns?,
        into emit: (Refusal) -> Void
    ) {
        var merge = merge
        let inRowOrder = rejections.enumerated().sorted { ($0.element.row, $0.offset) < ($1.element.row, $1.offset) }
        for (_, rejection) in inRowOrder {
            merge.add(Refusal(rejection, columns: columns), to: emit)
        }
        merge.finish(emit)
    }

    /// A server's rejection, its field named as the file's header names the column.
    init(_ rejection: RowRejection, columns: RejectColumns?) {
        self.init(rejection)
        if let columns {
            column = columns.header(field: rejection.field, code: rejection.code, message: rejection.message)
        }
    }
}

/// The reader's errors and the server's rejections merged in row order without repeats (a
/// server reports a resumed import's earlier rejections again), the server's taken one at a time
/// as they arrive, in row order, and the reader's drawn from an iterator in row order as they
/// are due. On a row, the reader's come first.
struct RefusalMerge {
    private let reader: AnyIterator<Refusal>
    private var pending: Refusal?
    private var row = Int.min
    private var seenOnRow = Set<Refusal>()

    /// Merges with the reader's refusals, `reader` yielding them in row order.
    init(reader: AnyIterator<Refusal>) {
        self.reader = reader
        pending = reader.next()
    }

    /// Merges with the reader's errors, in any order.
    init(reader errors: [RowError]) {
        let sorted = errors.enumerated()
            .sorted { ($0.element.row, $0.offset) < ($1.element.row, $1.offset) }
            .map { Refusal($0.element) }
        self.init(reader: AnyIterator(sorted.makeIterator()))
    }

    /// Passes on the reader's refusals up to `refusal`'s row, then `refusal` unless it was passed.
    mutating func add(_ refusal: Refusal, to emit: (Refusal) throws -> Void) rethrows {
        while let due = pending, due.row <= refusal.row {
            try pass(due, to: emit)
            pending = reader.next()
        }
        try pass(refusal, to: emit)
    }

    /// Passes on the reader's refusals left.
    mutating func finish(_ emit: (Refusal) throws -> Void) rethrows {
        while let due = pending {
            try pass(due, to: emit)
            pending = reader.next()
        }
    }

    private mutating func pass(_ refusal: Refusal, to emit: (Refusal) throws -> Void) rethrows {
        if refusal.row != row {
            row = refusal.row
            seenOnRow.removeAll(keepingCapacity: true)
        }
        if seenOnRow.insert(refusal).inserted { try emit(refusal) }
    }
}

/// Writes the reject file, made to reopen where the input came from, next to it: the input's
/// header row and each refused row exactly as written (bytes for bytes, read again from the file
/// by a second pass that picks only the refused rows, so memory stays flat), each followed by two
/// cells: the column at fault as the file's header names it, and the reason (Vietnamese or
/// English). It keeps the input's delimiter, line end, byte order mark and encoding. A workbook's
/// refused rows are written as CSV in UTF-8 with a byte order mark (Excel opens it as UTF-8). For
/// JSON Lines and protobuf, the row is one column, `record`: the line, or the message in base64.
/// The file is created with mode 0600, or set to 0600 and then truncated if it exists (refused if
/// it cannot be): it quotes personal data.
public enum RejectFile {
    /// Writes `refusals` (in row order) to `path`, quoting each row of `source` they name.
    /// When the file cannot be read again, the rows are written with their reasons only (CSV,
    /// UTF-8).
    public static func write(
        _ refusals: [Refusal],
        source: ImportSource?,
        options: ImportOptions,
        language: ReportLanguage = .english,
        columns: [ImportColumn]? = nil,
        to path: String
    ) throws {
        let writer = try RejectFileWriter(
            source: source,
            options: options,
            language: language,
            columns: columns,
            to: path
        )
        defer { writer.close() }
        for refusal in refusals { try writer.append(refusal) }
    }

    /// One CSV line: every field quoted when it holds a comma, a quote or a line break.
    static func csvLine(_ fields: [String]) -> String {
        fields.map { field in
            guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
            return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }.joined(separator: ",") + "\n"
    }
}

/// A reject file (see `RejectFile`) written a refused row at a time, so that an import's
/// refusals need not be held in memory: the header at creation, then each refusal in row order,
/// the source read forward alongside.
public final class RejectFileWriter {
    private let out: PrivateFile
    private let rows: OriginalRows?
    private let layout: OriginalRows.Layout?
    private let language: ReportLanguage
    private let delimiter: UInt8
    private let lineEnd: [UInt8]
    private let width: Int
    private var current: (row: Int, bytes: [UInt8])?
    private var ended: Bool

    /// Creates (or empties) the private file at `path` and writes its header row.
    public init(
        source: ImportSource?,
        options: ImportOptions,
        language: ReportLanguage = .english,
        columns: [ImportColumn]? = nil,
        to path: String
    ) throws {
        out = try PrivateFile(path: path)
        let rows: OriginalRows? = source.flatMap { try? OriginalRows(source: $0, options: options, columns: columns) }
        let header = (try? rows?.rawHeader()) ?? nil
        self.rows = rows
        layout = rows?.layout
        self.language = language
        delimiter = layout?.delimiter ?? 0x2C
        lineEnd = layout?.lineEnd ?? [0x0D, 0x0A]
        width = rows?.columns.count ?? 0
        ended = rows == nil || (layout != nil && header == nil)
        var line: [UInt8] = []
        if layout?.byteOrderMark ?? true { line += [0xEF, 0xBB, 0xBF] }
        // The header: the file's own when it has one, then the two added columns.
        let added = language.rejectHeaders
        if let header, layout != nil {
            line += header + [delimiter] + field(added[0]) + [delimiter] + field(added[1]) + lineEnd
        } else {
            let columns = (rows?.columns ?? []) + added
            line += columns.map(field).joined(separator: [delimiter]) + lineEnd
        }
        do {
            try out.write(bytes: line)
        } catch {
            out.close()
            throw error
        }
    }

    /// Appends `refusal`, after those of earlier or equal rows: the row as the file wrote it (or
    /// empty cells when it cannot be read again), the column at fault and the reason.
    public func append(_ refusal: Refusal) throws {
        // Rows come in file order: read forward to the refused row.
        while !ended, current.map({ $0.row < refusal.row }) ?? true {
            if let next = (try? rows?.nextRaw()) ?? nil {
                current = next
            } else {
                ended = true
            }
        }
        var line: [UInt8] = []
        if let current, current.row == refusal.row, refusal.row > 0 {
            line += layout == nil ? field(String(decoding: current.bytes, as: UTF8.self)) : current.bytes
        } else {
            line += Array(repeating: delimiter, count: max(0, width - 1))
        }
        let reason = language.reason(row: refusal.row, code: refusal.code, message: refusal.message)
        line += [delimiter] + field(refusal.column) + [delimiter] + field(reason) + lineEnd
        try out.write(bytes: line)
    }

    /// Closes the file.
    public func close() { out.close() }

    /// `text` in the source's encoding, quoted when it holds the delimiter, a quote or a line
    /// break.
    private func field(_ text: String) -> [UInt8] {
        let bytes = rows?.encode(text) ?? Array(text.utf8)
        guard bytes.contains(where: { $0 == delimiter || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else {
            return bytes
        }
        var quoted: [UInt8] = [0x22]
        for byte in bytes {
            if byte == 0x22 { quoted.append(0x22) }
            quoted.append(byte)
        }
        return quoted + [0x22]
    }
}

/// A file readable by its owner only, written as it goes.
final class PrivateFile {
    private let descriptor: Int32
    let path: String

    /// Creates `path` with mode 0600, or makes an existing file 0600 and truncates it; a file
    /// that cannot be made private is refused and left as it was.
    init(path: String) throws {
        self.path = path
        let descriptor = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw FileFailure(message: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        guard fchmod(descriptor, 0o600) == 0, ftruncate(descriptor, 0) == 0 else {
            let reason = String(cString: strerror(errno))
            _ = Foundation.close(descriptor)
            throw FileFailure(message: "cannot make \(path) private (mode 0600) and write it: \(reason)")
        }
        self.descriptor = descriptor
    }

    /// Appends `text`.
    func write(_ text: String) throws { try write(bytes: Array(text.utf8)) }

    /// Appends `bytes`.
    func write(bytes: [UInt8]) throws {
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else {
                throw FileFailure(message: "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            written += count
        }
    }

    func close() { _ = Foundation.close(descriptor) }

    /// Writes `text` to a new private file at `path`.
    static func write(_ text: String, to path: String) throws {
        let file = try PrivateFile(path: path)
        defer { file.close() }
        try file.write(text)
    }
}

/// A local file that cannot be written.
struct FileFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
