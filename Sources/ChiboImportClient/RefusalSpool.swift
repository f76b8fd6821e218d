import ChiboCodec
import ChiboModel
import Foundation

/// The rows the file check refused during an upload, kept in the order they come: the first
/// thousand in memory, the rest in an unlinked temporary file (each its length in 4 bytes,
/// little-endian, then a `RowRejection` in protobuf), so that a file whose every row is refused
/// (a date column in the wrong format) costs disk, not memory. Read back in row order.
///
/// Written by hand: no listed library keeps a sequence of records on disk to read it back once;
/// the records themselves go through the schema's codec.
///
/// Not locked: its owner (`UploadTracker`) adds and starts reading under its own lock. Reading
/// takes positioned reads of what the file held when it started, so a late add cannot disturb it.
final class RefusalSpool: @unchecked Sendable {
    /// How many refusals stay in memory before the rest go to the file.
    static let inMemory = 1_000

    /// How many refusals were added.
    private(set) var count = 0
    /// The first `inMemory` refusals, then any the file could not take.
    private var memory: [Refusal] = []
    /// The file, opened for appending; -1 until the first refusal past `inMemory`.
    private var descriptor: Int32 = -1
    /// How many refusals the file holds.
    private var inFile = 0
    /// Set when the file cannot be made or written: the refusals left stay in memory.
    private var fileFailed = false
    private var lastRow = Int.min
    /// Whether the refusals came in row order (every form but the two-file meeting form does).
    private var inRowOrder = true

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// Adds `refusal`, after those added before.
    func add(_ refusal: Refusal) {
        count += 1
        if refusal.row < lastRow { inRowOrder = false }
        lastRow = refusal.row
        if memory.count < Self.inMemory || fileFailed || !write(refusal) {
            memory.append(refusal)
        }
    }

    /// The refusals in row order (on a row, in the order added), read from the file as they
    /// are asked for.
    func inOrder() -> AnyIterator<Refusal> {
        let added = addedOrder()
        guard !inRowOrder else { return added }
        // Out of order: all of them, sorted, as only the two-file meeting form produces this.
        let sorted = Array(added).enumerated()
            .sorted { ($0.element.row, $0.offset) < ($1.element.row, $1.offset) }
            .map(\.element)
        return AnyIterator(sorted.makeIterator())
    }

    /// The refusals in the order added: the first in memory, the file's, then any the file
    /// could not take.
    private func addedOrder() -> AnyIterator<Refusal> {
        var first = memory.prefix(Self.inMemory).makeIterator()
        var rest = memory.dropFirst(Self.inMemory).makeIterator()
        var fromFile = descriptor >= 0 ? FileRecords(descriptor: descriptor, count: inFile) : nil
        return AnyIterator {
            if let refusal = first.next() { return refusal }
            if let refusal = fromFile?.next() { return refusal }
            fromFile = nil
            return rest.next()
        }
    }

    /// Appends `refusal` to the file, made at the first call; false when it cannot.
    private func write(_ refusal: Refusal) -> Bool {
        do {
            if descriptor < 0 { descriptor = try Self.makeFile() }
            let bytes = try RowRejection(
                row: Int32(clamping: refusal.row),
                field: refusal.column,
                code: refusal.code,
                message: refusal.message
            ).serializedBytes()
            let length = UInt32(bytes.count)
            let record = (0..<4).map { UInt8(truncatingIfNeeded: length >> ($0 * 8)) } + bytes
            let written = record.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            guard written == record.count else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            inFile += 1
            return true
        } catch {
            // A full or missing temporary folder. A record half written lies past the `inFile`
            // records a reader reads, and nothing is written after it.
            fileFailed = true
            return false
        }
    }

    /// A new file in the temporary folder, readable by its owner only (mkstemp), opened for
    /// appending and unlinked at once, so that nothing is left behind however the process ends.
    private static func makeFile() throws -> Int32 {
        var template = Array((NSTemporaryDirectory() + "/chibo-import-refused.XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        guard fcntl(descriptor, F_SETFL, O_APPEND) == 0 else {
            close(descriptor)
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        return descriptor
    }

    /// The first `count` records of the file, read 64 KiB at a time by positioned reads.
    private struct FileRecords: IteratorProtocol {
        let descriptor: Int32
        var left: Int
        var offset: off_t = 0
        var buffer: [UInt8] = []
        var start = 0

        init(descriptor: Int32, count: Int) {
            self.descriptor = descriptor
            left = count
        }

        mutating func next() -> Refusal? {
            guard left > 0 else { return nil }
            while true {
                if buffer.count - start >= 4 {
                    let length = (0..<4).reduce(0) { $0 | Int(buffer[start + $1]) << ($1 * 8) }
                    if buffer.count - start - 4 >= length {
                        let bytes = buffer[(start + 4)..<(start + 4 + length)]
                        start += 4 + length
                        left -= 1
                        // Written by this process with the same codec, so it decodes; the limit is
                        // the writer's (a message quoting a cell of several MiB), not a peer's.
                        let limits = DecodingLimits(maxMessageBytes: Int(Int32.max))
                        guard let rejection = try? RowRejection(serializedBytes: bytes, limits: limits) else {
                            continue
                        }
                        return Refusal(rejection)
                    }
                }
                var chunk = [UInt8](repeating: 0, count: 1 << 16)
                let read = chunk.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, offset) }
                guard read > 0 else { return nil }
                offset += off_t(read)
                buffer.removeFirst(start)
                start = 0
                buffer += chunk.prefix(read)
            }
        }
    }
}
