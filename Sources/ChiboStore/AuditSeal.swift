import Foundation
import Synchronization

/// What a store authenticates its audit log with: the key every new entry gets a MAC from, and
/// the file where a signed checkpoint of the log's head is written after each commit that
/// added entries (so that deleting the newest entries shows, see `AuditCheckpoint`).
public final class AuditSeal: Sendable {
    /// The key.
    public let key: AuditKey
    /// Where checkpoints go; nil for none.
    public let checkpointPath: String?
    let nowMs: @Sendable () -> Int64
    private let state = Mutex(State())

    private struct State {
        var last: AuditCheckpoint?
        var keyedFromSeq: Int64 = 0
        var failure: String?
    }

    /// A seal with `key`, writing checkpoints to `checkpointPath`. A checkpoint already there
    /// is read first (the log must go on from it); one that is not a checkpoint, or was signed
    /// with another key, is refused.
    public init(
        key: AuditKey,
        checkpointPath: String?,
        nowMs: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) throws(AuditKeyError) {
        self.key = key
        self.checkpointPath = checkpointPath
        self.nowMs = nowMs
        if let checkpointPath, let last = try AuditCheckpointFile.read(path: checkpointPath) {
            if let problem = last.problem(with: key) { throw AuditKeyError("\(checkpointPath): \(problem)") }
            state.withLock {
                $0.last = last
                $0.keyedFromSeq = last.keyedFromSeq
            }
        }
    }

    /// The first keyed entry, once known (0 before).
    public var keyedFromSeq: Int64 { state.withLock { $0.keyedFromSeq } }

    /// The last checkpoint written (or found in the file at the start); nil before any.
    public var lastCheckpoint: AuditCheckpoint? { state.withLock { $0.last } }

    /// Why the last checkpoint could not be written; nil when it was.
    public var checkpointFailure: String? { state.withLock { $0.failure } }

    /// A checkpoint of the head `seq` (hash `headHash`) signed now.
    public func checkpoint(seq: Int64, headHash: String, keyedFromSeq: Int64) -> AuditCheckpoint {
        AuditCheckpoint(seq: seq, headHash: headHash, keyedFromSeq: keyedFromSeq, atMs: nowMs(), key: key)
    }

    /// Notes a committed head and writes its checkpoint if it is newer than the last one
    /// (commits of several writers may report out of order). `extendsLast` says whether the log
    /// still holds the last checkpoint's entry unchanged: when it does not, the log was cut
    /// short or rewritten, and the checkpoint, the evidence of it, is kept as it is. A
    /// checkpoint that cannot be written is remembered in `checkpointFailure`: the entries are
    /// committed all the same.
    public func committed(seq: Int64, headHash: String, keyedFromSeq: Int64, extendsLast: Bool) {
        state.withLock { state in
            if state.keyedFromSeq == 0 { state.keyedFromSeq = keyedFromSeq }
            guard let checkpointPath, seq > (state.last?.seq ?? 0) else { return }
            guard extendsLast else {
                state.failure =
                    "the audit log no longer holds entry \(state.last?.seq ?? 0) as checkpointed: it was cut short "
                    + "or rewritten; the checkpoint \(checkpointPath) is kept as it is"
                return
            }
            let checkpoint = checkpoint(seq: seq, headHash: headHash, keyedFromSeq: state.keyedFromSeq)
            do {
                try AuditCheckpointFile.save(checkpoint, path: checkpointPath)
                state.last = checkpoint
                state.failure = nil
            } catch {
                state.failure = "\(error)"
            }
        }
    }
}
