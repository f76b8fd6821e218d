import ChiboModel
import Crypto
import Foundation

/// The secret that authenticates audit entries and checkpoints: 32 random bytes kept in a file
/// outside the database (`AuditKeyFile`). Whoever can edit the database but not read this key
/// cannot alter, re-chain or cut short the log without `Audit.Verify` noticing.
public struct AuditKey: Sendable {
    /// The key's length in bytes.
    public static let byteCount = 32

    /// The key's bytes.
    let bytes: [UInt8]
    var key: SymmetricKey { SymmetricKey(data: bytes) }
    /// A name for the key that does not reveal it: the first 16 hex digits of a SHA-256 of the
    /// key under a label of its own. Written in every MAC, so a wrong key is told as such.
    public let id: String

    /// A key of exactly `byteCount` bytes.
    public init(bytes: [UInt8]) throws(AuditKeyError) {
        guard bytes.count == Self.byteCount else {
            throw AuditKeyError("an audit key has \(Self.byteCount) bytes, not \(bytes.count)")
        }
        self.init(checked: bytes)
    }

    /// A key from bytes already known to be `byteCount` long.
    private init(checked bytes: [UInt8]) {
        self.bytes = bytes
        id = String(AuditChain.hex(SHA256.hash(data: Array("chibo audit key id:".utf8) + bytes)).prefix(16))
    }

    /// A new key from the system's cryptographic random source.
    public static func random() -> AuditKey {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return AuditKey(checked: bytes)
    }

    /// The MAC of an entry as its `mac` field holds it: "KEY_ID:HEX", HMAC-SHA256 over the bytes
    /// its hash is taken of (its fields and `prev_hash`, not `hash` or `mac`).
    public func mac(of entry: AuditEntry) -> String {
        id + ":" + tag(label: "entry", AuditChain.canonicalBytes(of: entry))
    }

    /// Hex HMAC-SHA256 over `label`, a colon and `bytes`: each kind of thing signed has its own
    /// label, so an entry's MAC cannot pass for a checkpoint's.
    func tag(label: String, _ bytes: [UInt8]) -> String {
        AuditChain.hex(HMAC<SHA256>.authenticationCode(for: Array("\(label):".utf8) + bytes, using: key))
    }

    /// Whether `mac` is this key's MAC of `entry`, compared in constant time.
    func matches(_ mac: String, of entry: AuditEntry) -> Bool {
        Self.constantTimeEqual(Array(mac.utf8), Array(self.mac(of: entry).utf8))
    }

    /// Equal byte strings, compared without stopping at the first difference.
    static func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}

/// An audit key or its file is unusable; the message says why and what to do.
public struct AuditKeyError: Error, CustomStringConvertible, Sendable {
    /// What is wrong.
    public var description: String

    /// An error saying `description`.
    public init(_ description: String) { self.description = description }
}
