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

    /// Opens `source` as `ImportReader` would with `options`.
    public init(source: ImportSource, options: ImportOptions) throws(ImportError) {
        guard let format = options.format ?? ImportFormat(fileExtensionOf: source.name) else {
            throw ImportError(
                code: .badOptions,
                message: "cannot tell the format from the file name",
                file: source.name
            )
        }
        switch format {
        case .csv:
            let columns =
                options.entity == .meetings && options.attendance != nil
                ? ImportColumns.meetingsFile : ImportColumns.columns(for: options.entity)
            let csv = try CSVInput(source: source, columns: columns, options: options)
            self.columns = csv.layout.headers
            input = .csv(csv)
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
