import Crypto

/// The positions of change-log entries an audit entry covers, written as ascending numbers and
/// ranges: `41-43,45`. Consecutive positions are one range, so a batch of an import that wrote
/// 500 changes in a row costs a few bytes.
public struct ChangePositions: Hashable, Sendable {
    /// The positions, ascending, without repeats.
    public private(set) var positions: [Int64]

    /// Positions from any order; repeats are dropped.
    public init(_ positions: some Sequence<Int64>) {
        self.positions = Array(Set(positions)).sorted()
    }

    /// Reads the written form; nil when it is not ascending numbers and ranges.
    public init?(text: String) {
        var positions: [Int64] = []
        guard !text.isEmpty else {
            self.positions = []
            return
        }
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count == 1 || bounds.count == 2,
                let low = Int64(bounds[0]), let high = Int64(bounds[bounds.count - 1]), low <= high,
                low > (positions.last ?? 0), high - low < 10_000_000
            else { return nil }
            positions.append(contentsOf: low...high)
        }
        self.positions = positions
    }

    /// The written form: `41-43,45`; empty for none.
    public var text: String {
        var parts: [String] = []
        var index = positions.startIndex
        while index < positions.endIndex {
            var end = index
            while end + 1 < positions.endIndex && positions[end + 1] == positions[end] + 1 { end += 1 }
            parts.append(end == index ? String(positions[index]) : "\(positions[index])-\(positions[end])")
            index = end + 1
        }
        return parts.joined(separator: ",")
    }

    /// The lowest position; 0 when there is none.
    public var first: Int64 { positions.first ?? 0 }
    /// The highest position; 0 when there is none.
    public var last: Int64 { positions.last ?? 0 }
}

/// One change-log entry as the audit log proves it: its position, metadata and the record's
/// stored bytes.
public struct StoredChange: Sendable {
    /// Position in the change log.
    public var seq: Int64
    /// When it was made, Unix milliseconds.
    public var atMs: Int64
    /// The token name that made it.
    public var actor: String
    /// The kind of record: org_unit, member, meeting, rule_set, evaluation.
    public var entity: String
    /// The record's id.
    public var entityID: String
    /// The record's revision after the change.
    public var revision: Int64
    /// What the change was: create, update, void, …
    public var change: String
    /// The record as stored (binary protobuf).
    public var record: [UInt8]

    /// A change as stored.
    public init(
        seq: Int64,
        atMs: Int64,
        actor: String,
        entity: String,
        entityID: String,
        revision: Int64,
        change: String,
        record: [UInt8]
    ) {
        self.seq = seq
        self.atMs = atMs
        self.actor = actor
        self.entity = entity
        self.entityID = entityID
        self.revision = revision
        self.change = change
        self.record = record
    }
}

/// The hash a layout-2 audit entry holds over the changes it covers: SHA-256 over each change
/// in position order, each written as its fields (seq, at_ms, actor, entity, entity_id,
/// revision, change) and then its record's bytes, every one as its byte count in decimal, a
/// colon and the bytes. Editing, dropping or swapping any covered change's stored bytes changes
/// the hash, and the entry's hash and MAC cover this one.
public struct ChangeDigest {
    private var hasher = SHA256()

    /// An empty digest.
    public init() {}

    /// Adds the next change, in position order.
    public mutating func add(_ change: StoredChange) {
        hasher.update(
            data: AuditChain.lengthPrefixed([
                String(change.seq), String(change.atMs), change.actor, change.entity, change.entityID,
                String(change.revision), change.change,
            ])
        )
        hasher.update(data: Array(String(change.record.count).utf8) + [UInt8(ascii: ":")])
        hasher.update(data: change.record)
    }

    /// The hex digest of the changes added so far.
    public var hex: String { AuditChain.hex(hasher.finalize()) }
}
