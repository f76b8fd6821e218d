import ChiboStore

/// The changes an operation has written to the change log and not yet audited. One audit entry
/// covers them all when the operation ends (`SQLStore.auditPendingChanges`): a change that
/// touches fifty members, or an import batch of five hundred rows, is one entry naming the
/// change positions and a hash of their stored bytes, not fifty or five hundred copies of the
/// records. Backends keep it per operation and restore it when a savepoint rolls back, like the
/// audit chain's tail.
public struct PendingAudit {
    /// Who made the changes, when, from where and through which method.
    let context: MutationContext
    /// The change-log positions, in the order written (ascending).
    private(set) var positions: [Int64] = []
    /// The first change, which names the entry when it covers one record.
    private(set) var first: StoredChange?
    /// The hash over the changes' stored bytes.
    private(set) var digest = ChangeDigest()
    /// The last change's position and record bytes: a request whose outcome is that record
    /// refers to it instead of storing it again.
    private(set) var last: (seq: Int64, record: [UInt8])?

    /// Nothing pending yet, for changes made under `context`.
    init(context: MutationContext) {
        self.context = context
    }

    /// Adds a change just written.
    mutating func add(_ change: StoredChange) {
        positions.append(change.seq)
        if first == nil {
            var named = change
            named.record = []
            first = named
        }
        digest.add(change)
        last = (change.seq, change.record)
    }
}
