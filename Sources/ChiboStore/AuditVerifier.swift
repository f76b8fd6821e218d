import ChiboModel

/// What checking the audit log found.
public struct AuditVerification: Hashable, Sendable {
    /// Whether every check passed.
    public var intact = true
    /// Entries checked (those before the first broken one when not intact).
    public var entries: Int64 = 0
    /// The first entry that fails; 0 when intact or when the fault is not one entry's.
    public var firstBrokenSeq: Int64 = 0
    /// What is wrong, in words; empty when intact.
    public var problem = ""
    /// The last entry's position and hash.
    public var headSeq: Int64 = 0
    /// The last entry's hash.
    public var headHash = ""
    /// The first entry with a MAC; 0 when none has one.
    public var keyedFromSeq: Int64 = 0
    /// Checkpoints the log was compared with.
    public var checkpointsChecked = 0
    /// Change-log entries proved by the audit entries covering them (layout 2).
    public var changesChecked: Int64 = 0

    /// An empty, intact result.
    public init() {}
}

/// Checks the whole audit log: the hash chain (every entry links to the one before and hashes
/// to its stored hash); the changes every layout-2 entry covers, against its records hash, and
/// that every change from the first covered one on is covered; with the key, every entry's MAC, and that no entry after the first
/// keyed one lacks a MAC; and the log against checkpoints kept elsewhere, which shows
/// truncation (the log ends before a checkpoint) and re-chaining (a checkpoint's entry changed).
///
/// Entries written before the database had a key form a plain chain: they are authenticated
/// by the first keyed entry after them, whose MAC covers their hashes through `prev_hash`.
public enum AuditVerifier {
    /// Entries read per batch.
    static let batch = 5000

    /// Verifies the log of `store`, with `key` if given, against `checkpoints`.
    public static func verify(
        store: any Store,
        key: AuditKey?,
        checkpoints: [AuditCheckpoint] = []
    ) async throws -> AuditVerification {
        var result = AuditVerification()
        func broken(_ seq: Int64, _ problem: String) -> AuditVerification {
            result.intact = false
            result.firstBrokenSeq = seq
            result.problem = seq == 0 ? problem : "entry \(seq) \(problem)"
            return result
        }
        if let key {
            for checkpoint in checkpoints {
                if let problem = checkpoint.problem(with: key) { return broken(0, problem) }
            }
        }
        var hashes: [Int64: String] = [:]
        // The change positions layout-2 entries cover: every change from the first covered one
        // to the last must be covered, once.
        var covered = (first: Int64(0), last: Int64(0), count: Int64(0))
        let wanted = Set(checkpoints.map(\.seq))
        var previous: AuditEntry?
        while true {
            let entries = try await store.auditEntries(
                AuditQuery(afterSeq: previous?.seq ?? 0, limit: batch, withRecords: false)
            )
            if entries.isEmpty { break }
            if let (seq, problem) = AuditChain.verify(entries, previous: previous) {
                result.entries += Int64(entries.prefix { $0.seq < seq }.count)
                return broken(seq, problem)
            }
            let digests = try await store.auditedChangeDigests(entries)
            for entry in entries {
                if let digest = digests[entry.seq] {
                    guard digest == entry.recordsHash else {
                        result.entries += Int64(entries.prefix { $0.seq < entry.seq }.count)
                        return broken(
                            entry.seq,
                            "covers changes \(entry.changes) that no longer match its records hash ("
                                + (digest.hasPrefix("missing") || digest.hasPrefix("unreadable")
                                    ? digest : "a stored record was altered")
                                + ")"
                        )
                    }
                    if let positions = ChangePositions(text: entry.changes) {
                        if covered.first == 0 || positions.first < covered.first { covered.first = positions.first }
                        covered.last = max(covered.last, positions.last)
                        covered.count += Int64(positions.positions.count)
                    }
                }
            }
            for entry in entries {
                if entry.mac.isEmpty {
                    if result.keyedFromSeq != 0 {
                        return broken(
                            entry.seq,
                            "has no MAC though entries are keyed from \(result.keyedFromSeq): "
                                + "written without the audit key, or altered"
                        )
                    }
                } else {
                    if result.keyedFromSeq == 0 { result.keyedFromSeq = entry.seq }
                    if let key, let problem = macProblem(entry, key: key) { return broken(entry.seq, problem) }
                }
                if wanted.contains(entry.seq) { hashes[entry.seq] = entry.hash }
                result.entries += 1
            }
            previous = entries.last
        }
        if covered.count > 0 {
            let stored = try await store.changeCount(from: covered.first, through: covered.last)
            if stored != covered.count {
                return broken(
                    0,
                    "the change log holds \(stored) changes from position \(covered.first) to \(covered.last) "
                        + "but the audit log covers \(covered.count): changes were written or removed "
                        + "around the server"
                )
            }
            result.changesChecked = covered.count
        }
        result.headSeq = previous?.seq ?? 0
        result.headHash = previous?.hash ?? ""
        for checkpoint in checkpoints.sorted(by: { $0.seq < $1.seq }) {
            result.checkpointsChecked += 1
            guard checkpoint.seq <= result.headSeq else {
                return broken(
                    0,
                    "the log ends at entry \(result.headSeq) but a checkpoint records entry \(checkpoint.seq): "
                        + "the newest entries were deleted"
                )
            }
            if checkpoint.seq > 0 && hashes[checkpoint.seq] != checkpoint.headHash {
                return broken(
                    checkpoint.seq,
                    "differs from the checkpoint made when it was the last entry: the log was rewritten"
                )
            }
            if checkpoint.keyedFromSeq != 0
                && (result.keyedFromSeq == 0 || result.keyedFromSeq > checkpoint.keyedFromSeq)
            {
                return broken(
                    checkpoint.keyedFromSeq,
                    "had a MAC when the checkpoint was made and has none now: the MACs were removed"
                )
            }
        }
        return result
    }

    /// What is wrong with an entry's MAC under `key`; nil when it matches.
    static func macProblem(_ entry: AuditEntry, key: AuditKey) -> String? {
        let keyID = entry.mac.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
        if keyID != key.id {
            return "was authenticated with another key (key id \(keyID)), not the one given (key id \(key.id))"
        }
        if !key.matches(entry.mac, of: entry) {
            return "its MAC does not match: it was altered or re-chained by someone without the audit key"
        }
        return nil
    }
}
