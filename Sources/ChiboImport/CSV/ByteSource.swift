import Foundation

/// The bytes of an import source, read in chunks so that memory stays flat whatever the file's
/// size. Seekable, so that the two-file meeting form can come back to the attendance rows of
/// each meeting.
final class ByteSource {
    /// The path or name, for messages.
    let name: String
    /// Offset in the source of the next byte `read` returns.
    private(set) var position = 0

    private let handle: FileHandle?
    private let memory: [UInt8]

    /// Opens a source.
    init(_ source: ImportSource) throws(ImportError) {
        name = source.name
        switch source {
        case .file(let path):
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw ImportError(code: .unreadable, message: "cannot open \(path)", file: path)
            }
            self.handle = handle
            memory = []
        case .bytes(_, let bytes):
            handle = nil
            memory = bytes
        }
    }

    /// Reads an open file, such as the CSV made of a workbook's sheet.
    init(name: String, handle: FileHandle) {
        self.name = name
        self.handle = handle
        memory = []
    }

    deinit {
        try? handle?.close()
    }

    /// Reads up to `count` bytes; an empty array at the end of the source.
    func read(upTo count: Int) throws(ImportError) -> [UInt8] {
        if let handle {
            do {
                let data = try handle.read(upToCount: count) ?? Data()
                position += data.count
                return [UInt8](data)
            } catch {
                throw ImportError(code: .unreadable, message: "cannot read: \(error)", file: name, offset: position)
            }
        }
        let end = min(memory.count, position + count)
        defer { position = end }
        return Array(memory[min(position, end)..<end])
    }

    /// Moves to `offset` for the next read.
    func seek(to offset: Int) throws(ImportError) {
        if let handle {
            do {
                try handle.seek(toOffset: UInt64(offset))
            } catch {
                throw ImportError(code: .unreadable, message: "cannot seek: \(error)", file: name, offset: offset)
            }
        }
        position = offset
    }
}
