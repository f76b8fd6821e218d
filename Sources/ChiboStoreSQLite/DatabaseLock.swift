import ChiboStore
import Foundation

/// An advisory lock on `DB.lock` beside a SQLite database, so that `restore` cannot replace a
/// database under a running server. Every server holds it shared for its whole life (several
/// may, and `backup` or `token` work beside them); `restore` takes it exclusively and is refused
/// while any server holds it. The file holds the pid of the last process that took it, for the
/// messages; it is never deleted (deleting a lock file lets two processes lock two files).
public final class DatabaseLock: Sendable {
    /// The lock file.
    public let path: String
    private let descriptor: Int32

    /// How a lock is held.
    public enum Mode: Sendable {
        /// A server's: shared with other servers, refused while a restore runs.
        case server
        /// A restore's: refused while any server holds the lock.
        case restore
    }

    /// The lock file of the database at `databasePath`.
    public static func lockPath(for databasePath: String) -> String { databasePath + ".lock" }

    /// Takes the lock of the database at `databasePath` without waiting, or throws
    /// `StoreError.failedPrecondition` saying who holds it.
    public init(databasePath: String, mode: Mode) throws {
        let path = Self.lockPath(for: databasePath)
        self.path = path
        let descriptor = open(path, O_CREAT | O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StoreError.unavailable("cannot open the lock file \(path): \(String(cString: strerror(errno)))")
        }
        let operation = mode == .server ? LOCK_SH : LOCK_EX
        guard flock(descriptor, operation | LOCK_NB) == 0 else {
            let reason = errno
            let holder = Self.pid(in: descriptor).map { " (pid \($0))" } ?? ""
            close(descriptor)
            guard reason == EWOULDBLOCK else {
                throw StoreError.unavailable("cannot lock \(path): \(String(cString: strerror(reason)))")
            }
            switch mode {
            case .server:
                throw StoreError.failedPrecondition(
                    "\(databasePath) is being restored\(holder); start the server once the restore is done"
                )
            case .restore:
                throw StoreError.failedPrecondition(
                    "a chibo-server is using \(databasePath)\(holder); stop it first"
                )
            }
        }
        self.descriptor = descriptor
        let pid = Data("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }

    deinit {
        close(descriptor)
    }

    /// The pid written in the lock file, if any.
    private static func pid(in descriptor: Int32) -> Int? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int(String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
