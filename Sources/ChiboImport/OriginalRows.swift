import Foundation

/// The rows of an import file as written, read again to quote the rows an import refused: a
/// CSV file's header cells and rows (decoded in the file's encoding; bytes that do not decode
/// are kept as well as UTF-8 allows), a JSON Lines file's lines, a delimited protobuf file's
/// messages in base64. Reads in chunks, like `ImportReader`, so memory stays flat.
///
/// Row numbers are the ones `ImportReader` reports: spreadsheet rows, line numbers, message
/// positions. For the two-file meeting form, the rows are the meetings file's.
public final class OriginalRows {
    /// The columns of a row: the CSV header as written, else one column, `record`.
    public let columns: [String]

    private enum Input {
        case csv(CSVInput)
        case lines(BufferedBytes, limit: Int)
        case messages(BufferedBytes, limit: Int)
    }

    private let input: Input
    private var position = 0

    /// Opens `source` as `ImportReader` would with `options` (or, given `columns`, as a file of
    /// those columns: an org-changes file).
    public init(source: ImportSource, options: ImportOptions, columns given: [ImportColumn]? = nil) throws(ImportError)
    {
        guard let format = options.format ?? ImportFormat(fileExtensionOf: source.name) else {
            throw ImportError(
                code: .badOptions,
                message: "cannot tell the format from the file name",
                file: source.name
            )
        }
        switch format {
        case .csv, .xlsx:
            let columns =
                given
                ?? (options.entity == .meetings && options.attendance != nil
                    ? ImportColumns.meetingsFile : ImportColumns.columns(for: options.entity))
            let csv = try CSVInput(source: source, columns: columns, options: options)
            self.columns = csv.layout.headers
            input = .csv(csv)
            report = csv.report
            layout = Layout(
                delimiter: csv.reader.delimiter,
                lineEnd: [0x0D, 0x0A],
                byteOrderMark: csv.isWorkbook || csv.hadBOM,
                fromWorkbook: csv.isWorkbook,
                encoding: csv.isWorkbook ? .utf8 : options.encoding,
                misreadTCVN3: csv.decoder.mode == .tcvn3MisreadAsUTF8
            )
        case .jsonLines:
            columns = ["record"]
            input = .lines(
                BufferedBytes(source: try ByteSource(source), chunkSize: options.chunkSize),
                limit: options.maxRecordBytes
            )
        case .delimitedProtobuf:
            columns = ["record"]
            input = .messages(
                BufferedBytes(source: try ByteSource(source), chunkSize: options.chunkSize),
                limit: options.maxRecordBytes
            )
        }
    }

    /// How a reject file written next to the input reopens as the input does: the input's
    /// delimiter, line end, byte order mark and encoding. A workbook's rows come as CSV in UTF-8
    /// with a byte order mark (so Excel opens it as UTF-8), comma-separated, CRLF.
    public struct Layout: Sendable {
        /// The delimiter byte.
        public var delimiter: UInt8
        /// The line end: CRLF, LF or CR, as the header row ends.
        public var lineEnd: [UInt8]
        /// Whether to start with a UTF-8 byte order mark.
        public var byteOrderMark: Bool
        /// Whether the input was a workbook.
        public var fromWorkbook: Bool
        /// The text encoding of the rows.
        public var encoding: TextEncoding
        fileprivate var misreadTCVN3 = false
    }

    /// The layout of a CSV or workbook input; nil for JSON Lines and protobuf.
    public private(set) var layout: Layout?
    /// The header matched, for naming columns; nil for JSON Lines and protobuf.
    public private(set) var report: HeaderReport?

    /// Starts reading rows as written, byte for byte: returns the header row's bytes without
    /// its line end (nil for JSON Lines and protobuf). Then `nextRaw` gives the data rows.
    public func rawHeader() throws(ImportError) -> [UInt8]? {
        guard case .csv(let csv) = input else { return nil }
        csv.reader.keepRaw = true
        try csv.reader.reposition(offset: csv.headerPosition.offset, row: csv.headerPosition.row)
        guard try csv.reader.next() != nil else { return nil }
        let raw = csv.reader.raw
        if raw.last == 0x0D {
            layout?.lineEnd = csv.isWorkbook ? [0x0D, 0x0A] : [0x0D, 0x0A]
        } else if raw.last == 0x0A {
            layout?.lineEnd = csv.isWorkbook ? [0x0D, 0x0A] : [0x0A]
        }
        return Self.withoutLineEnd(raw)
    }

    /// The next non-blank data row as written (after `rawHeader`), without its line end; nil at
    /// the end. For JSON Lines and protobuf, the `next()` cells' one column.
    public func nextRaw() throws(ImportError) -> (row: Int, bytes: [UInt8])? {
        guard case .csv(let csv) = input else {
            return try next().map { ($0.row, Array($0.cells.first?.utf8 ?? "".utf8)) }
        }
        while let row = try csv.reader.next() {
            if row.isBlank { continue }
            return (row.row, Self.withoutLineEnd(csv.reader.raw))
        }
        return nil
    }

    private static func withoutLineEnd(_ bytes: [UInt8]) -> [UInt8] {
        var end = bytes.count
        while end > 0, bytes[end - 1] == 0x0A || bytes[end - 1] == 0x0D { end -= 1 }
        return Array(bytes[..<end])
    }

    /// `text` in the input's encoding, for cells added to its rows: UTF-8; windows-1258 with tone
    /// marks as combining bytes where no precomposed letter exists; TCVN3 as its fonts type it.
    /// A character the encoding lacks becomes `?`.
    public func encode(_ text: String) -> [UInt8] {
        guard let layout else { return Array(text.utf8) }
        switch layout.encoding {
        case .utf8: return Array(text.utf8)
        case .windows1258: return LegacyEncoder.windows1258(text)
        case .tcvn3:
            let bytes = LegacyEncoder.tcvn3(text)
            return layout.misreadTCVN3 ? LegacyEncoder.asWindows1252UTF8(bytes) : bytes
        }
    }

    /// The next row with its number and cells (as many as `columns`, or more when the row has
    /// cells past the header); nil at the end of the file, or where its structure breaks.
    public func next() throws(ImportError) -> (row: Int, cells: [String])? {
        switch input {
        case .csv(let csv):
            while let raw = try csv.reader.next() {
                if raw.isBlank { continue }
                var cells: [String] = []
                for index in 0..<raw.count {
                    let bytes = raw.field(index)
                    switch csv.decoder.decode(bytes) {
                    case .success(let text): cells.append(text)
                    case .failure: cells.append(String(decoding: bytes, as: UTF8.self))
                    }
                }
                return (raw.row, cells)
            }
            return nil
        case .lines(let bytes, let limit):
            while let (line, _) = try bytes.line(limit: limit) {
                position += 1
                var text = line[...]
                if position == 1, text.starts(with: [0xEF, 0xBB, 0xBF]) { text = text.dropFirst(3) }
                if text.last == 0x0D { text = text.dropLast() }
                if text.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                return (position, [String(decoding: text, as: UTF8.self)])
            }
            return nil
        case .messages(let bytes, let limit):
            guard var byte = try bytes.byte() else { return nil }
            position += 1
            var length: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                length |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { break }
                shift += 7
                guard shift < 64, let next = try bytes.byte() else { return nil }
                byte = next
            }
            guard length <= UInt64(limit) else { return nil }
            let message = try bytes.bytes(Int(length))
            guard message.count == Int(length) else { return nil }
            return (position, [Data(message).base64EncodedString()])
        }
    }
}
