import ChiboCodec
import ChiboModel
import Crypto
import Foundation

/// A stored access token. The token itself is shown once when made and never stored: only its
/// SHA-256 hash, which is enough because tokens are long random strings (nothing to guess).
public struct TokenRecord: Hashable, Sendable {
    /// Server-assigned ID.
    public var id: String
    /// Name, unique: recorded as the author of changes and in the audit log.
    public var name: String
    /// admin, officer, secretary, viewer or auditor.
    public var role: String
    /// ID of the org unit whose subtree the token reaches; empty for everything (admins).
    public var scopeUnitID: String
    /// Hex SHA-256 of the token.
    public var hash: String
    /// The token's first characters, to recognise it in a list without revealing it.
    public var hint: String
    /// When it was made, Unix milliseconds.
    public var createdAtMs: Int64
    /// The first day it no longer works; nil when it does not expire.
    public var expiresOn: CalendarDate?
    /// When it was revoked, Unix milliseconds; nil while valid.
    public var revokedAtMs: Int64?

    /// Creates a token record.
    public init(
        id: String = "",
        name: String,
        role: String,
        scopeUnitID: String,
        hash: String,
        hint: String,
        createdAtMs: Int64,
        expiresOn: CalendarDate? = nil,
        revokedAtMs: Int64? = nil
    ) {
        self.id = id
        self.name = name
        self.role = role
        self.scopeUnitID = scopeUnitID
        self.hash = hash
        self.hint = hint
        self.createdAtMs = createdAtMs
        self.expiresOn = expiresOn
        self.revokedAtMs = revokedAtMs
    }
}

/// Which audit entries a list returns.
public struct AuditQuery: Hashable, Sendable {
    /// Only entries after this position.
    public var afterSeq: Int64
    /// At most this many (1 to 10,000).
    public var limit: Int
    /// Only entries about this kind of record.
    public var entity: String?
    /// Only entries about this record.
    public var entityID: String?
    /// Only entries made with this token name.
    public var actor: String?
    /// Whether entries of layout 2 that cover one change get the record before and after as
    /// JSON, assembled from the change log (for people); the verifier reads without them.
    public var withRecords: Bool

    /// Creates a query; the default reads from the start. `entity` and `entityID` match the
    /// record an entry names and, with `entityID`, also entries that cover a change of that
    /// record (a merge that moved a member names the merge, not the member).
    public init(
        afterSeq: Int64 = 0,
        limit: Int = 100,
        entity: String? = nil,
        entityID: String? = nil,
        actor: String? = nil,
        withRecords: Bool = true
    ) {
        self.afterSeq = afterSeq
        self.limit = limit
        self.entity = entity
        self.entityID = entityID
        self.actor = actor
        self.withRecords = withRecords
    }
}

/// The audit log's hash chain. Each entry's hash is SHA-256 over its fields and the previous
/// entry's hash, each field written as its UTF-8 byte count in decimal, a colon, then its bytes,
/// in this order: seq, at_ms, actor, role, peer, method, entity, entity_id, outcome, detail,
/// before_json, after_json, prev_hash (layout 1), or the label `chibo-audit-2`, then the same
/// fields with changes and records_hash in place of the JSON (layout 2: the records are kept
/// once, in the change log, and the entry proves them by hash). Every backend hashes alike, so
/// a log copied between backends still verifies.
public enum AuditChain {
    /// The hex hash of an entry (its `hash` and `mac` fields are ignored).
    public static func hash(of entry: AuditEntry) -> String {
        hex(SHA256.hash(data: canonicalBytes(of: entry)))
    }

    /// The bytes an entry's hash and MAC are taken of: its fields and `prev_hash`, each as its
    /// UTF-8 byte count in decimal, a colon, then its bytes. Layout 2 entries begin with the
    /// label `chibo-audit-2` and hold the change positions and records hash where layout 1 held
    /// the records as JSON (which layout 2 assembles on read, outside the hash).
    public static func canonicalBytes(of entry: AuditEntry) -> [UInt8] {
        if entry.layout >= 2 {
            return lengthPrefixed([
                "chibo-audit-2", String(entry.seq), String(entry.atMs), entry.actor, entry.role, entry.peer,
                entry.method, entry.entity, entry.entityId, entry.outcome, entry.detail, entry.changes,
                entry.recordsHash, entry.prevHash,
            ])
        }
        return lengthPrefixed([
            String(entry.seq), String(entry.atMs), entry.actor, entry.role, entry.peer, entry.method, entry.entity,
            entry.entityId, entry.outcome, entry.detail, entry.beforeJson, entry.afterJson, entry.prevHash,
        ])
    }

    /// Fields written one after the other, each as its UTF-8 byte count, a colon and its bytes.
    static func lengthPrefixed(_ fields: [String]) -> [UInt8] {
        var bytes: [UInt8] = []
        for field in fields {
            let utf8 = Array(field.utf8)
            bytes += Array(String(utf8.count).utf8) + [UInt8(ascii: ":")] + utf8
        }
        return bytes
    }

    /// Bytes in lowercase hex.
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }

    /// Checks entries in order (the whole log from seq 1): each links to the one before and
    /// hashes to its stored hash. Returns the first broken entry and what is wrong. MACs are not
    /// checked: `AuditVerifier` does, with the key.
    public static func verify(_ entries: [AuditEntry], previous: AuditEntry? = nil) -> (seq: Int64, problem: String)? {
        var expectedSeq = (previous?.seq ?? 0) + 1
        var previousHash = previous?.hash ?? ""
        for entry in entries {
            if entry.seq != expectedSeq {
                return (entry.seq, "expected entry \(expectedSeq) here: entries are missing")
            }
            if entry.prevHash != previousHash {
                return (entry.seq, "does not link to the entry before it")
            }
            if hash(of: entry) != entry.hash {
                return (entry.seq, "its content does not match its hash: it was altered")
            }
            previousHash = entry.hash
            expectedSeq += 1
        }
        return nil
    }

    /// A record as the audit log keeps it: proto3 JSON without personal fields (citizen ID,
    /// phone, birth date), which the log does not need to show who changed what.
    public static func minimisedJSON(_ record: some ProtoMessage) -> String {
        if let member = record as? Member { return member.withoutPersonalData.jsonString() }
        return record.jsonString()
    }
}
