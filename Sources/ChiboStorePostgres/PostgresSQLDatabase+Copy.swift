import ChiboStore
import ChiboStoreSQL
import Foundation
import NIOCore
import PostgresNIO

extension PostgresSQLDatabase {
    /// Streams a set of new rows into `table` with `COPY … FROM STDIN` (text format): one
    /// round trip for an import batch's rows of a table, where statements would take one per
    /// hundred rows. Rows held back for the table are sent first, so the order of writes stays
    /// the order of calls.
    func insertRows(into table: String, columns: [String], values: [SQLValue]) throws {
        guard !values.isEmpty else { return }
        try sendPending(before: "INSERT INTO \(table)")
        let data = CopyText.encode(values, columns: columns.count)
        let connection = self.connection
        let logger = self.logger
        let promise = connection.eventLoop.makePromise(of: Void.self)
        traffic.count(statements: 1, waited: true)
        promise.completeWithTask {
            try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
                try await writer.write(data)
            }
        }
        do {
            try promise.futureResult.wait()
        } catch {
            throw Self.storeError(error, sql: "COPY \(table) (\(columns.joined(separator: ", "))) FROM STDIN")
        }
    }
}

/// PostgreSQL's text format for `COPY`: a row per line, columns separated by tabs, `\N` for
/// NULL, backslash escapes in text and `\\x` hex for bytea. Written here because postgres-nio
/// takes the bytes of a `COPY` and leaves their format to the caller.
enum CopyText {
    /// The rows of `values` (`columns` values each) in the text format.
    static func encode(_ values: [SQLValue], columns: Int) -> ByteBuffer {
        var buffer = ByteBuffer()
        // Room for the rows at once (escapes aside): the buffer then grows at most once.
        var capacity = values.count
        for value in values {
            switch value {
            case .null: capacity += 2
            case .integer, .real: capacity += 20
            case .text(let text): capacity += text.utf8.count
            case .blob(let blob): capacity += 3 + 2 * blob.count
            }
        }
        buffer.reserveCapacity(capacity)
        for (index, value) in values.enumerated() {
            switch value {
            case .null: buffer.writeStaticString("\\N")
            case .integer(let integer): buffer.writeString(String(integer))
            case .real(let real): buffer.writeString(String(real))
            case .text(let text): writeEscaped(text, to: &buffer)
            case .blob(let blob):
                buffer.writeStaticString("\\\\x")
                writeHex(blob, to: &buffer)
            }
            buffer.writeInteger(index % columns == columns - 1 ? UInt8(ascii: "\n") : UInt8(ascii: "\t"))
        }
        return buffer
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// The bytes as lowercase hex digits, written into the buffer's memory in one pass: a
    /// meeting record is kilobytes, and a byte-at-a-time write checked capacity for every digit
    /// (a fifth of the server's time importing meeting logs into PostgreSQL).
    static func writeHex(_ bytes: Data, to buffer: inout ByteBuffer) {
        let length = bytes.count * 2
        guard length > 0 else { return }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { output in
            hexDigits.withUnsafeBufferPointer { digits in
                bytes.withUnsafeBytes { input in
                    var position = 0
                    for byte in input {
                        output[position] = digits[Int(byte >> 4)]
                        output[position + 1] = digits[Int(byte & 0x0F)]
                        position += 2
                    }
                }
            }
            return length
        }
    }

    /// Text with the characters the format gives meaning escaped: backslash, tab, newline,
    /// carriage return; text without them (names, ids, dates: nearly all) is written whole.
    static func writeEscaped(_ text: String, to buffer: inout ByteBuffer) {
        let special: (UInt8) -> Bool = {
            $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r")
        }
        guard text.utf8.contains(where: special) else {
            buffer.writeString(text)
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
            case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
            case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
            case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
            default: buffer.writeInteger(byte)
            }
        }
    }
}
