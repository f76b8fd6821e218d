import Foundation

/// A file written through a 1 MiB buffer, so millions of small rows cost few system calls.
/// Written by hand because FileHandle writes each call through and the CSV libraries listed
/// for this project read CSV but do not write it.
final class BufferedFile {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private static let flushSize = 1 << 20

    /// Creates (or truncates) the file at `path`.
    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw SampleFileError("cannot create \(path)")
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw SampleFileError("cannot open \(path)") }
        self.handle = handle
        buffer.reserveCapacity(Self.flushSize + 4096)
    }

    /// Appends bytes.
    func write(_ bytes: some Sequence<UInt8>) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.flushSize { try flush() }
    }

    /// Appends a string as UTF-8.
    func write(_ text: String) throws { try write(text.utf8) }

    /// Writes out what is buffered.
    func flush() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and closes.
    func close() throws {
        try flush()
        try handle.close()
    }
}

/// Why sample files could not be written.
public struct SampleFileError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public var description: String

    init(_ description: String) { self.description = description }
}
