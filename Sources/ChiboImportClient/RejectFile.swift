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
        var seen = Set<Refusal>()
        var all: [Refusal] = []
        for refusal in reader.map(Refusal.init) + server.map(Refusal.init) where seen.insert(refusal).inserted {
            all.append(refusal)
        }
        return all.enumerated().sorted { ($0.element.row, $0.offset) < ($1.element.row, $1.offset) }.map(\.element)
    }
}

/// Writes the reject file: a CSV of the refused rows, each with the original row's cells (read
/// again from the file, picking only the refused rows' numbers, so memory stays flat) followed by
/// `reject_row`, `reject_column`, `reject_code` and `reject_message`. The file is created with
/// mode 0600, or set to 0600 and then truncated if it exists (refused if it cannot be): it
/// quotes personal data.
public enum RejectFile {
    /// The columns added after the file's own.
    public static let extraColumns = ["reject_row", "reject_column", "reject_code", "reject_message"]

    /// Writes `refusals` (in row order) to `path`, quoting each row of `source` they name.
    /// When the file cannot be read again, the original cells are left empty.
    public static func write(
        _ refusals: [Refusal],
        source: ImportSource?,
        options: ImportOptions,
        to path: String
    ) throws {
        let out = try PrivateFile(path: path)
        defer { out.close() }
        let rows: OriginalRows? = source.flatMap { try? OriginalRows(source: $0, options: options) }
        let columns = rows?.columns ?? []
        try out.write(csvLine(columns + extraColumns))
        var current: (row: Int, cells: [String])?
        var ended = rows == nil
        for refusal in refusals {
            // Rows come in file order: read forward to the refused row.
            while !ended, current.map({ $0.row < refusal.row }) ?? true {
                if let next = try? rows?.next() {
                    current = next
                } else {
                    ended = true
                }
            }
            var cells = Array(repeating: "", count: columns.count)
            if let current, current.row == refusal.row {
                for (index, cell) in current.cells.prefix(columns.count).enumerated() { cells[index] = cell }
            }
            try out.write(csvLine(cells + [String(refusal.row), refusal.column, refusal.code, refusal.message]))
        }
    }

    /// One CSV line: every field quoted when it holds a comma, a quote or a line break.
    static func csvLine(_ fields: [String]) -> String {
        fields.map { field in
            guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
            return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }.joined(separator: ",") + "\n"
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
    func write(_ text: String) throws {
        let bytes = Array(text.utf8)
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
