import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The file an audit key lives in: its 32 bytes as 64 hex digits on one line, mode 0600. A key
/// file that others may read or write is refused: whoever reads it can forge the log.
public enum AuditKeyFile {
    /// Where a SQLite database's key is kept when no `--audit-key` is given: beside it,
    /// `DB.audit-key`.
    public static func defaultPath(forDatabase path: String) -> String { path + ".audit-key" }

    /// Where the checkpoints made with the key at `keyPath` are written: beside it,
    /// `KEY.checkpoint`.
    public static func checkpointPath(forKey keyPath: String) -> String { keyPath + ".checkpoint" }

    /// Reads the key at `path`.
    public static func load(path: String) throws(AuditKeyError) -> AuditKey {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw AuditKeyError("audit key \(path): \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & S_IFMT == S_IFREG else { throw AuditKeyError("audit key \(path): not a regular file") }
        if info.st_mode & 0o077 != 0 {
            throw AuditKeyError(
                "audit key \(path) is readable or writable by others (mode \(String(info.st_mode & 0o777, radix: 8))): "
                    + "whoever reads it can forge the audit log; make it the server's only (chmod 600 \(path))"
            )
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AuditKeyError("audit key \(path): cannot read it")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = Self.bytes(hex: text), bytes.count == AuditKey.byteCount else {
            throw AuditKeyError(
                "audit key \(path) does not hold a key: expected \(AuditKey.byteCount * 2) hex digits on one line"
            )
        }
        return try AuditKey(bytes: bytes)
    }

    /// Makes a new random key at `path` (mode 0600), which must not exist yet.
    public static func create(path: String) throws(AuditKeyError) -> AuditKey {
        let key = AuditKey.random()
        let descriptor = open(path, O_CREAT | O_EXCL | O_WRONLY, 0o600)
        guard descriptor >= 0 else {
            throw AuditKeyError("cannot create the audit key \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let line = Array((AuditChain.hex(key.bytes) + "\n").utf8)
        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == line.count, fsync(descriptor) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(path)
            throw AuditKeyError("cannot write the audit key \(path): \(reason)")
        }
        return key
    }

    /// The key at `path`, made first when no file is there; `created` tells which.
    public static func loadOrCreate(path: String) throws(AuditKeyError) -> (key: AuditKey, created: Bool) {
        if FileManager.default.fileExists(atPath: path) { return (try load(path: path), false) }
        return (try create(path: path), true)
    }

    static func bytes(hex text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = Self.nibble(digits[index]), let low = Self.nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
