import Foundation

/// Files the CLI writes that hold records (an HTML report names members and flags them): created
/// with mode 0600, or made 0600 before an existing file is overwritten.
enum PrivateOutput {
    /// Writes `text` to `path`, readable and writable by its owner only; throws a readable
    /// reason when the file cannot be created, made private or written.
    static func write(_ text: String, to path: String) throws {
        let descriptor = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Failure(reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        // Private before anything is written or truncated: a file that cannot be made private
        // is left as it was.
        guard fchmod(descriptor, 0o600) == 0 else {
            throw Failure(reason: "cannot make it private (mode 0600): \(String(cString: strerror(errno)))")
        }
        guard ftruncate(descriptor, 0) == 0 else { throw Failure(reason: String(cString: strerror(errno))) }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { throw Failure(reason: String(cString: strerror(errno))) }
            written += count
        }
    }

    /// Why a file could not be written.
    struct Failure: Error, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }
}
