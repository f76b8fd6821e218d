import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The audit log's head at one moment, signed with the audit key: kept outside the database (a
/// file beside the key, a district system's records), it shows later whether the log was cut
/// short (it ends before `seq`) or rewritten (entry `seq` no longer has `headHash`).
///
/// As text it is one line: `chibo-audit-checkpoint v1 seq=S head=HASH keyed-from=K at=MS
/// key=KEY_ID mac=HEX`, the MAC being HMAC-SHA256 over the other values.
public struct AuditCheckpoint: Hashable, Sendable {
    /// The position of the last entry.
    public var seq: Int64
    /// That entry's hash.
    public var headHash: String
    /// The first entry with a MAC (0 when none had one): entries from there on must all have one.
    public var keyedFromSeq: Int64
    /// When it was made, Unix milliseconds.
    public var atMs: Int64
    /// The id of the key that signed it.
    public var keyID: String
    /// Hex HMAC-SHA256 of the values above.
    public var mac: String

    static let prefix = "chibo-audit-checkpoint v1"

    /// A checkpoint of `seq` and `headHash` signed with `key`.
    public init(seq: Int64, headHash: String, keyedFromSeq: Int64, atMs: Int64, key: AuditKey) {
        self.seq = seq
        self.headHash = headHash
        self.keyedFromSeq = keyedFromSeq
        self.atMs = atMs
        keyID = key.id
        mac = ""
        mac = key.tag(label: "checkpoint", signedBytes)
    }

    /// Reads a checkpoint from its text (surrounding blank space is ignored).
    public init(text: String) throws(AuditKeyError) {
        let words = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ")
        guard words.count == 8, words[0...1].joined(separator: " ") == Self.prefix else {
            throw AuditKeyError("not an audit checkpoint: expected a line starting \"\(Self.prefix)\"")
        }
        var values: [String: String] = [:]
        for word in words.dropFirst(2) {
            let parts = word.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { throw AuditKeyError("audit checkpoint: \"\(word)\" is not NAME=VALUE") }
            values[String(parts[0])] = String(parts[1])
        }
        func number(_ name: String) throws(AuditKeyError) -> Int64 {
            guard let value = values[name].flatMap({ Int64($0) }), value >= 0 else {
                throw AuditKeyError("audit checkpoint: \(name) is missing or not a number")
            }
            return value
        }
        func string(_ name: String) throws(AuditKeyError) -> String {
            guard let value = values[name], !value.isEmpty else {
                throw AuditKeyError("audit checkpoint: \(name) is missing")
            }
            return value
        }
        seq = try number("seq")
        headHash = try string("head")
        keyedFromSeq = try number("keyed-from")
        atMs = try number("at")
        keyID = try string("key")
        mac = try string("mac")
    }

    /// The checkpoint as one line of text (without a line break).
    public var text: String {
        "\(Self.prefix) seq=\(seq) head=\(headHash) keyed-from=\(keyedFromSeq) at=\(atMs) key=\(keyID) mac=\(mac)"
    }

    /// Whether `key` signed it: nil when it did, otherwise what is wrong.
    public func problem(with key: AuditKey) -> String? {
        if keyID != key.id {
            return "the checkpoint was signed with another key (key id \(keyID)), not the one given (key id \(key.id))"
        }
        let expected = key.tag(label: "checkpoint", signedBytes)
        if !AuditKey.constantTimeEqual(Array(mac.utf8), Array(expected.utf8)) {
            return "the checkpoint's MAC does not match: it was altered"
        }
        return nil
    }

    private var signedBytes: [UInt8] {
        AuditChain.lengthPrefixed([String(seq), headHash, String(keyedFromSeq), String(atMs), keyID])
    }
}

/// Checkpoint files: one checkpoint, replaced whole (written beside and renamed), mode 0600.
public enum AuditCheckpointFile {
    /// The checkpoint in the file at `path`; nil when there is no file.
    public static func read(path: String) throws(AuditKeyError) -> AuditCheckpoint? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AuditKeyError("audit checkpoint \(path): cannot read it")
        }
        do {
            return try AuditCheckpoint(text: String(decoding: data, as: UTF8.self))
        } catch {
            throw AuditKeyError("\(path): \(error)")
        }
    }

    /// Replaces the file at `path` with `checkpoint`.
    public static func save(_ checkpoint: AuditCheckpoint, path: String) throws(AuditKeyError) {
        // Named for the process: servers on one machine may share the checkpoint file.
        let temporary = "\(path).\(getpid()).new"
        let descriptor = open(temporary, O_CREAT | O_TRUNC | O_WRONLY, 0o600)
        guard descriptor >= 0 else {
            throw AuditKeyError("cannot write the audit checkpoint \(temporary): \(String(cString: strerror(errno)))")
        }
        let line = Array((checkpoint.text + "\n").utf8)
        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == line.count, synced, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw AuditKeyError("cannot write the audit checkpoint \(path): \(reason)")
        }
    }
}
