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
        buffer.reserveCapacity(values.count * 12)
        for (index, value) in values.enumerated() {
            switch value {
            case .null: buffer.writeStaticString("\\N")
            case .integer(let integer): buffer.writeString(String(integer))
            case .real(let real): buffer.writeString(String(real))
            case .text(let text): writeEscaped(text, to: &buffer)
            case .blob(let blob):
                buffer.writeStaticString("\\\\x")
                for byte in blob {
                    buffer.writeInteger(hexDigits[Int(byte >> 4)])
                    buffer.writeInteger(hexDigits[Int(byte & 0x0F)])
                }
            }
            buffer.writeInteger(index % columns == columns - 1 ? UInt8(ascii: "\n") : UInt8(ascii: "\t"))
        }
        return buffer
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Text with the characters the format gives meaning escaped: backslash, tab, newline,
    /// carriage return.
    static func writeEscaped(_ text: String, to buffer: inout ByteBuffer) {
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
