// The CSV reader is written by hand rather than taken from a package. Of the two CSV packages
// available, SwiftCSV 0.10.0 reads the whole file into one String before parsing, and
// yaslab/CSV.swift 2.5.2, which does stream, fails the promises an importer has to keep:
// - a quoted field that is never closed silently runs to the end of the file, so every row after
//   the stray quote vanishes into one cell without an error (its `readField` returns the field at
//   end of input as if it were complete) — the "rows dropped after a good preview" failure;
// - an invalid UTF-8 byte ends the iteration as if the file had ended, reporting it only through
//   a side property without a position;
// - it decodes only UTF-8/16/32 from an `InputStream`, so windows-1258 and TCVN3 would need an
//   `InputStream` subclass, and it keeps no byte offsets, which the two-file meeting form needs
//   to seek back to a meeting's attendance rows.
// This reader works on bytes (the delimiters, quotes and line ends are ASCII in UTF-8,
// windows-1258 and TCVN3 alike, so fields are cut before they are decoded), reads the source in
// chunks, records each row's byte offset, and refuses a quote that is never closed.

/// One CSV row as bytes: the fields cut but not yet decoded.
struct CSVRawRow {
    /// The bytes of every field, one after another (quotes removed, `""` unescaped).
    var bytes: [UInt8] = []
    /// Where each field ends in `bytes`.
    var ends: [Int] = []
    /// The spreadsheet row number: the first row of the file is 1, and a row whose quoted cell
    /// holds line breaks is still one row.
    var row = 0
    /// Byte offset in the source where the row starts.
    var offset = 0

    /// Number of fields.
    var count: Int { ends.count }

    /// The bytes of field `index`.
    func field(_ index: Int) -> ArraySlice<UInt8> {
        let start = index == 0 ? 0 : ends[index - 1]
        return bytes[start..<ends[index]]
    }

    /// True when every field is empty or spaces (a blank line, or `;;;` from a spreadsheet).
    var isBlank: Bool {
        bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 }
    }
}

/// Cuts a CSV byte stream into rows: RFC 4180 quoting (delimiters, line breaks and doubled
/// quotes inside quoted fields), CRLF, LF or lone CR line ends, one of `,` `;` or tab.
///
/// Lenient where spreadsheets are: a quote inside an unquoted field is kept as text, and text
/// after a closing quote is appended to the field. Strict where rows could be lost: a quoted
/// field still open at the end of the file, or growing past `maxRowBytes`, throws
/// `unterminatedQuote` naming the row where the quote opened.
final class CSVRecordReader {
    private enum State {
        case fieldStart
        case unquoted
        case quoted
        case quoteInQuoted
    }

    private static let quote: UInt8 = 0x22
    private static let lineFeed: UInt8 = 0x0A
    private static let carriageReturn: UInt8 = 0x0D

    let source: ByteSource
    var delimiter: UInt8
    private let maxRowBytes: Int
    private let chunkSize: Int

    private var chunk: [UInt8] = []
    private var chunkStart = 0
    private var position = 0
    private var skipLineFeed = false
    private var atEnd = false
    private var nextRow: Int
    private var current = CSVRawRow()

    /// When set, `raw` holds the bytes of the last row read exactly as written, quotes and line
    /// end included (for reject files that quote rows byte for byte).
    var keepRaw = false
    /// The last row's bytes as written, when `keepRaw` is set.
    private(set) var raw: [UInt8] = []

    /// The most bytes held at once (the chunk plus the row being cut), for tests of flat memory.
    private(set) var peakBufferedBytes = 0

    /// Starts reading `source` at its current position; the first row read is numbered
    /// `firstRow`.
    init(source: ByteSource, delimiter: UInt8, maxRowBytes: Int, chunkSize: Int, firstRow: Int = 1) {
        self.source = source
        self.delimiter = delimiter
        self.maxRowBytes = maxRowBytes
        self.chunkSize = chunkSize
        chunkStart = source.position
        nextRow = firstRow
    }

    /// Loads the first chunk (without consuming it) and returns it, for delimiter and encoding
    /// detection; skips a UTF-8 byte order mark and reports whether there was one.
    func peekStart() throws(ImportError) -> (bytes: ArraySlice<UInt8>, hadBOM: Bool) {
        if position == chunk.count, !atEnd { try refill() }
        var hadBOM = false
        if chunkStart == 0, position == 0, chunk.starts(with: [0xEF, 0xBB, 0xBF]) {
            position = 3
            hadBOM = true
        }
        return (chunk[position...], hadBOM)
    }

    /// Moves to a row start found earlier, numbering the row read there `row`. Reuses the
    /// chunk in memory when the offset falls inside it.
    func reposition(offset: Int, row: Int) throws(ImportError) {
        skipLineFeed = false
        nextRow = row
        if offset >= chunkStart, offset < chunkStart + chunk.count {
            position = offset - chunkStart
            return
        }
        try source.seek(to: offset)
        chunk = []
        chunkStart = offset
        position = 0
        atEnd = false
    }

    private func refill() throws(ImportError) {
        chunkStart += chunk.count
        chunk = try source.read(upTo: chunkSize)
        position = 0
        if chunk.isEmpty { atEnd = true }
        peakBufferedBytes = max(peakBufferedBytes, chunk.count + current.bytes.count)
    }

    /// The next row, or nil at the end of the file.
    func next() throws(ImportError) -> CSVRawRow? {
        current.bytes.removeAll(keepingCapacity: true)
        current.ends.removeAll(keepingCapacity: true)
        raw.removeAll(keepingCapacity: true)
        if skipLineFeed {
            skipLineFeed = false
            if position == chunk.count, !atEnd { try refill() }
            if position < chunk.count, chunk[position] == Self.lineFeed { position += 1 }
        }
        if position == chunk.count, !atEnd { try refill() }
        if atEnd { return nil }
        current.offset = chunkStart + position
        current.row = nextRow
        var state = State.fieldStart
        while true {
            if position == chunk.count {
                if current.bytes.count > maxRowBytes { throw tooLong(quoted: state == .quoted) }
                try refill()
                if atEnd {
                    if state == .quoted { throw unclosedQuote() }
                    current.ends.append(current.bytes.count)
                    nextRow += 1
                    return current
                }
            }
            let ended = chunk.withUnsafeBufferPointer { cut($0, state: &state) }
            if ended { return current }
        }
    }

    /// Cuts the chunk's bytes from `position` into `current`, copying runs of field bytes at
    /// once: true when the row ends, false when the chunk does first (`position` is then at the
    /// chunk's end and `state` says where the row stands).
    private func cut(_ buffer: UnsafeBufferPointer<UInt8>, state: inout State) -> Bool {
        let delimiter = self.delimiter
        let end = buffer.count
        let start = position
        var index = position
        defer {
            if keepRaw { raw.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start..<index])) }
            position = index
        }
        while index < end {
            switch state {
            case .fieldStart, .unquoted:
                if state == .fieldStart, buffer[index] == Self.quote {
                    state = .quoted
                    index += 1
                    continue
                }
                let run = index
                while index < end {
                    let byte = buffer[index]
                    if byte == delimiter || byte == Self.lineFeed || byte == Self.carriageReturn { break }
                    index += 1
                }
                if index > run {
                    current.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[run..<index]))
                    state = .unquoted
                }
                if index == end { return false }
                let byte = buffer[index]
                index += 1
                current.ends.append(current.bytes.count)
                if byte == delimiter {
                    state = .fieldStart
                } else {
                    skipLineFeed = byte == Self.carriageReturn
                    nextRow += 1
                    return true
                }
            case .quoted:
                let run = index
                while index < end, buffer[index] != Self.quote { index += 1 }
                if index > run { current.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[run..<index])) }
                if index == end { return false }
                index += 1
                state = .quoteInQuoted
            case .quoteInQuoted:
                let byte = buffer[index]
                index += 1
                if byte == Self.quote {
                    current.bytes.append(byte)
                    state = .quoted
                } else if byte == delimiter {
                    current.ends.append(current.bytes.count)
                    state = .fieldStart
                } else if byte == Self.lineFeed || byte == Self.carriageReturn {
                    skipLineFeed = byte == Self.carriageReturn
                    current.ends.append(current.bytes.count)
                    nextRow += 1
                    return true
                } else {
                    current.bytes.append(byte)
                    state = .unquoted
                }
            }
        }
        return false
    }

    private func unclosedQuote() -> ImportError {
        ImportError(
            code: .unterminatedQuote,
            message: "a quoted cell opened on row \(current.row) is never closed: every row after it would be "
                + "lost in that one cell. Close the quote (a quote inside a cell is written twice: \"\")",
            file: source.name,
            row: current.row,
            offset: current.offset
        )
    }

    private func tooLong(quoted: Bool) -> ImportError {
        if quoted {
            return ImportError(
                code: .unterminatedQuote,
                message: "a quoted cell opened on row \(current.row) is still open after \(maxRowBytes) bytes: "
                    + "a closing quote is probably missing",
                file: source.name,
                row: current.row,
                offset: current.offset
            )
        }
        let lines =
            current.row == 1 && current.offset <= 3
            ? ": the file has no line break in its first \(maxRowBytes) bytes, so it is not a table of rows "
                + "(is it a CSV file?)"
            : ", the limit for one row"
        return ImportError(
            code: .tooLarge,
            message: "row \(current.row) is longer than \(maxRowBytes) bytes\(lines)",
            file: source.name,
            row: current.row,
            offset: current.offset
        )
    }

    /// Picks the delimiter from the first lines: the candidate (`,` `;` tab) seen most often
    /// outside quotes in up to ten lines; a comma when none is seen.
    static func detectDelimiter(in bytes: ArraySlice<UInt8>) -> CSVDelimiter {
        var counts: [CSVDelimiter: Int] = [:]
        var lines = 0
        var quoted = false
        for byte in bytes {
            if byte == quote {
                quoted.toggle()
            } else if !quoted, byte == lineFeed {
                lines += 1
                if lines == 10 { break }
            } else if !quoted, let delimiter = CSVDelimiter.allCases.first(where: { $0.byte == byte }) {
                counts[delimiter, default: 0] += 1
            }
        }
        var best = CSVDelimiter.comma
        var bestCount = 0
        for delimiter in CSVDelimiter.allCases where counts[delimiter, default: 0] > bestCount {
            best = delimiter
            bestCount = counts[delimiter, default: 0]
        }
        return best
    }
}
