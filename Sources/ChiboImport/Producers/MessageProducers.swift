import ChiboCodec
import ChiboModel

/// A window on a byte source for reading lines and length-prefixed messages: holds at most one
/// chunk plus the record being read.
final class BufferedBytes {
    let source: ByteSource
    private let chunkSize: Int
    private var buffer: [UInt8] = []
    private var position = 0
    /// Offset in the source of `buffer[0]`.
    private var bufferStart = 0
    private(set) var peakBufferedBytes = 0

    init(source: ByteSource, chunkSize: Int) {
        self.source = source
        self.chunkSize = chunkSize
    }

    /// Offset in the source of the next byte.
    var offset: Int { bufferStart + position }

    /// Makes at least one byte available; false at the end of the source.
    private func fill() throws(ImportError) -> Bool {
        if position < buffer.count { return true }
        bufferStart += buffer.count
        buffer = try source.read(upTo: chunkSize)
        position = 0
        peakBufferedBytes = max(peakBufferedBytes, buffer.count)
        return !buffer.isEmpty
    }

    /// The next byte, or nil at the end.
    func byte() throws(ImportError) -> UInt8? {
        guard try fill() else { return nil }
        defer { position += 1 }
        return buffer[position]
    }

    /// The bytes up to the next line feed (which is consumed, not returned), keeping at most
    /// `limit` of them; nil at the end of the source. `overflowed` tells whether the line was
    /// longer than the limit.
    func line(limit: Int) throws(ImportError) -> (bytes: [UInt8], overflowed: Bool)? {
        var line: [UInt8] = []
        var overflowed = false
        var sawAny = false
        while try fill() {
            sawAny = true
            let end = buffer[position...].firstIndex(of: 0x0A)
            let stop = end ?? buffer.count
            if !overflowed {
                let room = limit - line.count
                if stop - position > room {
                    overflowed = true
                    line.removeAll()
                } else {
                    line.append(contentsOf: buffer[position..<stop])
                    peakBufferedBytes = max(peakBufferedBytes, buffer.count + line.count)
                }
            }
            position = stop
            if end != nil {
                position += 1
                return (line, overflowed)
            }
        }
        return sawAny ? (line, overflowed) : nil
    }

    /// Exactly `count` bytes, or fewer at the end of the source.
    func bytes(_ count: Int) throws(ImportError) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(count)
        while result.count < count, try fill() {
            let take = min(count - result.count, buffer.count - position)
            result.append(contentsOf: buffer[position..<(position + take)])
            position += take
            peakBufferedBytes = max(peakBufferedBytes, buffer.count + result.count)
        }
        return result
    }

    /// Skips `count` bytes; false when the source ends first.
    func skip(_ count: Int) throws(ImportError) -> Bool {
        var left = count
        while left > 0 {
            guard try fill() else { return false }
            let take = min(left, buffer.count - position)
            position += take
            left -= take
        }
        return true
    }
}

/// Records from JSON Lines: one proto3 JSON message per line, decoded by ChiboCodec. Blank lines
/// are skipped; a line that does not decode is a row error naming the line, and where the codec
/// tells, the field and the byte offset in the line.
final class JSONLinesProducer: EventProducer {
    private let input: BufferedBytes
    private let entity: ImportEntity
    private let maxLineBytes: Int
    private var line = 0
    private(set) var rowsRead = 0
    private(set) var blankRows = 0

    init(source: ByteSource, entity: ImportEntity, options: ImportOptions) {
        input = BufferedBytes(source: source, chunkSize: options.chunkSize)
        self.entity = entity
        maxLineBytes = options.maxRecordBytes
    }

    var peakBufferedBytes: Int { input.peakBufferedBytes }
    var bytesRead: Int { input.source.position }

    func next() throws(ImportError) -> ImportEvent? {
        while let (bytes, overflowed) = try input.line(limit: maxLineBytes) {
            line += 1
            var text = bytes[...]
            if line == 1, text.starts(with: [0xEF, 0xBB, 0xBF]) { text = text.dropFirst(3) }
            if text.last == 0x0D { text = text.dropLast() }
            if !overflowed, text.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
                blankRows += 1
                continue
            }
            rowsRead += 1
            let file = input.source.name
            if overflowed {
                return .error(
                    RowError(
                        file: file,
                        row: line,
                        code: .tooLarge,
                        message: "the line is longer than \(maxLineBytes) bytes"
                    )
                )
            }
            var utf8 = Array(text)
            if utf8.contains(where: { $0 >= 0x80 }) {
                guard let decoded = String(validating: utf8, as: UTF8.self) else {
                    return .error(
                        RowError(file: file, row: line, code: .badEncoding, message: "the line is not valid UTF-8")
                    )
                }
                utf8 = Array(TextNormalization.nfc(decoded).utf8)
            }
            switch MessageMapper.record(entity: entity, payload: .json(utf8)) {
            case .success(let record):
                return .item(ImportItem(record: record, rows: [line]))
            case .failure(let fault):
                return .error(fault.rowError(file: file, row: line, offsetBase: 0))
            }
        }
        return nil
    }
}

/// Records from varint-delimited protobuf (protobuf's `writeDelimitedTo`): each message is its
/// length as a varint followed by that many bytes. A message that does not decode is a row
/// error giving its position and the byte offset in the file; a broken length prefix or a cut
/// message stops the import, since the messages after it cannot be found.
final class DelimitedProtobufProducer: EventProducer {
    private let input: BufferedBytes
    private let entity: ImportEntity
    private let maxMessageBytes: Int
    private var index = 0
    private(set) var rowsRead = 0
    let blankRows = 0

    init(source: ByteSource, entity: ImportEntity, options: ImportOptions) {
        input = BufferedBytes(source: source, chunkSize: options.chunkSize)
        self.entity = entity
        maxMessageBytes = options.maxRecordBytes
    }

    var peakBufferedBytes: Int { input.peakBufferedBytes }
    var bytesRead: Int { input.source.position }

    func next() throws(ImportError) -> ImportEvent? {
        let file = input.source.name
        let start = input.offset
        guard var byte = try input.byte() else { return nil }
        index += 1
        var length: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            length |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
            guard shift < 64 else {
                throw ImportError(
                    code: .malformed,
                    message: "message \(index) has a length prefix longer than 10 bytes: this is not a "
                        + "varint-delimited protobuf file",
                    file: file,
                    row: index,
                    offset: start
                )
            }
            guard let next = try input.byte() else {
                throw ImportError(
                    code: .malformed,
                    message: "the file ends inside the length prefix of message \(index)",
                    file: file,
                    row: index,
                    offset: start
                )
            }
            byte = next
        }
        rowsRead += 1
        let body = input.offset
        if length > UInt64(maxMessageBytes) {
            guard try input.skip(Int(clamping: length)) else { throw cut(index: index, start: start, length: length) }
            return .error(
                RowError(
                    file: file,
                    row: index,
                    offset: start,
                    code: .tooLarge,
                    message: "message \(index) is \(length) bytes long, more than \(maxMessageBytes)"
                )
            )
        }
        let bytes = try input.bytes(Int(length))
        guard bytes.count == Int(length) else { throw cut(index: index, start: start, length: length) }
        switch MessageMapper.record(entity: entity, payload: .binary(bytes)) {
        case .success(let record):
            return .item(ImportItem(record: record, rows: [index]))
        case .failure(let fault):
            return .error(fault.rowError(file: file, row: index, offsetBase: body))
        }
    }

    private func cut(index: Int, start: Int, length: UInt64) -> ImportError {
        ImportError(
            code: .malformed,
            message: "message \(index) (at byte \(start)) says it is \(length) bytes long but the file ends first",
            file: input.source.name,
            row: index,
            offset: start
        )
    }
}
