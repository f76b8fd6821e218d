import ChiboCodec
import ChiboModel
import ChiboStore
import Foundation

extension SQLStore {
    /// Runs a change in one write transaction with its request-id bookkeeping: a request id
    /// seen before with the same request returns the stored outcome and writes nothing; with
    /// another request (another operation, or another digest) it is refused with
    /// `failedPrecondition`. A row stored without a digest (before request digests) or a context
    /// without one is matched on the operation alone. A validate-only request runs the change in
    /// full — every check, the scope check on its effects included — inside a savepoint that is
    /// then rolled back, so a dry run fails exactly where the change would.
    func mutate<Record: ProtoMessage>(
        operation: String,
        context: MutationContext,
        _ body: @Sendable @escaping (any SQLDatabase, MutationContext) throws -> Record
    ) async throws -> Record {
        let record = try await engine.write { db in
            if !context.requestID.isEmpty,
                let row = try SQLRow.fetchOne(
                    db.cachedStatement(
                        sql: """
                            SELECT operation, outcome, outcome_seq, request_digest FROM request_log
                            WHERE request_id = ?
                            """
                    ),
                    arguments: [context.requestID]
                )
            {
                guard (row["operation"] as String) == operation else {
                    throw StoreError.failedPrecondition(
                        "request id \(context.requestID) was already used for another operation"
                    )
                }
                let digest: String = row["request_digest"]
                guard digest.isEmpty || context.requestDigest.isEmpty || digest == context.requestDigest else {
                    throw StoreError.failedPrecondition(
                        "request id \(context.requestID) was already used for a different request; "
                            + "a retry must repeat the request, a new request needs a new id"
                    )
                }
                // An outcome that was the change's record refers to it (`outcome_seq`).
                if let seq: Int64 = row["outcome_seq"],
                    let bytes = try Data.fetchOne(
                        db.cachedStatement(
                            sql: "SELECT \(Self.changeRecordColumn("c")) FROM change_log c WHERE c.seq = ?"
                        ),
                        arguments: [seq]
                    )
                {
                    return try Record(serializedBytes: [UInt8](bytes))
                }
                return try Record(serializedBytes: [UInt8](row["outcome"] as Data))
            }
            if context.validateOnly {
                var live = context
                live.validateOnly = false
                var result: Record?
                try db.inSavepoint {
                    result = try body(db, live)
                    return .rollback
                }
                guard let result else { throw StoreError.unavailable("the dry run did not run") }
                return result
            }
            let record = try body(db, context)
            let lastChange = db.pendingAudit?.last
            try Self.auditPendingChanges(db)
            if !context.requestID.isEmpty {
                // The outcome is stored once: when it is the record the change logged, the
                // request log names that change instead of holding a copy.
                let outcome = try record.serializedBytes()
                let byReference = lastChange.map { $0.record == outcome } ?? false
                try db.cachedStatement(
                    sql: """
                        INSERT INTO request_log (request_id, operation, at_ms, outcome, outcome_seq, request_digest)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """
                ).execute(arguments: [
                    context.requestID, operation, context.nowMs, Data(byReference ? [] : outcome),
                    byReference ? lastChange?.seq : nil, context.requestDigest,
                ]
                )
            }
            return record
        }
        if !context.validateOnly { changeSignal.notify() }
        return record
    }

    /// A `subtree(id)` table of a unit (bound to the first `?`) and its descendants in today's
    /// tree; portable SQL (`WITH RECURSIVE` works in SQLite and PostgreSQL).
    static func currentSubtree(_ db: any SQLDatabase) -> String {
        """
        WITH RECURSIVE subtree(id) AS (
            SELECT \(db.rootParameter) UNION SELECT u.id FROM org_unit u JOIN subtree s ON u.parent_id = s.id
        )
        """
    }

    /// Requires a stored record to be at the revision the client read and not voided: what
    /// every update, amendment and status change checks first.
    static func requireCurrent(_ meta: RecordMeta?, entity: String, id: String, revision: Int64) throws {
        let actual = meta?.revision ?? 0
        guard revision == actual else {
            throw StoreError.staleRevision(entity: entity, id: id, expected: revision, actual: actual)
        }
        if meta?.voided == true { throw StoreError.failedPrecondition("\(entity) \(id) is voided and cannot change") }
    }

    static func exists(_ db: any SQLDatabase, table: String, id: String) throws -> Bool {
        try SQLRow.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM \(table) WHERE id = ?"), arguments: [id]) != nil
    }

    /// Appends a change to the change log, after checking what it touches against the caller's
    /// scope (`requireInScope`, comparing the record with the entity's previous change), and
    /// adds it to the operation's pending audit (`PendingAudit`): the operation's one audit
    /// entry, written by `auditPendingChanges` before it commits, names its position and proves
    /// its bytes by hash. The record is stored here once; the audit log keeps no copy of it.
    static func logChange(
        _ db: any SQLDatabase,
        context: MutationContext,
        entity: String,
        id: String,
        revision: Int64,
        change: String,
        record: some ProtoMessage
    ) throws {
        // A record at its first revision has no earlier state to show.
        let before =
            revision <= 1
            ? nil
            : try Data.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT \(changeRecordColumn("c")) FROM change_log c WHERE c.entity = ? AND c.entity_id = ?
                        ORDER BY c.seq DESC LIMIT 1
                        """
                ),
                arguments: [entity, id]
            )
        try requireInScope(db, context: context, entity: entity, before: before.map { [UInt8]($0) }, after: record)
        let bytes = try record.serializedBytes()
        guard
            let seq = try Int64.fetchOne(
                db.cachedStatement(sql: changeInsert(entity: entity)),
                arguments: changeInsertArguments(
                    entity: entity,
                    id: id,
                    revision: revision,
                    change: change,
                    record: Data(bytes),
                    context: context
                )
            )
        else { throw StoreError.unavailable("the change log did not return the change's position") }
        addToPendingAudit(
            db,
            StoredChange(
                seq: seq,
                atMs: context.nowMs,
                actor: context.actor,
                entity: entity,
                entityID: id,
                revision: revision,
                change: change,
                record: bytes
            ),
            context: context
        )
    }

    /// Adds a change just written to the operation's pending audit (`PendingAudit`), which its
    /// one audit entry covers when the operation ends.
    static func addToPendingAudit(_ db: any SQLDatabase, _ change: StoredChange, context: MutationContext) {
        var pending = db.pendingAudit ?? PendingAudit(context: context)
        pending.add(change)
        db.pendingAudit = pending
    }

    /// Writes the audit entry of the changes the operation logged since the last one (nothing
    /// when there are none): who, when, from where, the method, the record (or `entity` and
    /// `entityID` when given, as an import batch names its import), what happened, the change
    /// positions and the hash over the changes' stored bytes.
    static func auditPendingChanges(
        _ db: any SQLDatabase,
        entity: String? = nil,
        entityID: String? = nil,
        detail: String? = nil
    ) throws {
        guard let pending = db.pendingAudit, let first = pending.first else { return }
        db.pendingAudit = nil
        let count = pending.positions.count
        let context = pending.context
        try appendAudit(
            db,
            [
                AuditEntry(
                    atMs: context.nowMs,
                    actor: context.actor,
                    role: context.role,
                    peer: context.peer,
                    method: context.method.isEmpty ? "\(first.entity).\(first.change)" : context.method,
                    entity: entity ?? first.entity,
                    entityId: entityID ?? first.entityID,
                    outcome: "OK",
                    detail: detail
                        ?? (count == 1
                            ? "\(first.change), revision \(first.revision)"
                            : "\(first.change), revision \(first.revision), and \(count - 1) more changes"),
                    changes: ChangePositions(pending.positions).text,
                    recordsHash: pending.digest.hex
                )
            ]
        )
    }

    /// A stored record of an entity as the audit log keeps it.
    static func minimisedJSON(entity: String, bytes: [UInt8]) throws -> String {
        switch entity {
        case "org_unit": AuditChain.minimisedJSON(try OrgUnit(serializedBytes: bytes))
        case "member": AuditChain.minimisedJSON(try Member(serializedBytes: bytes))
        case "meeting": AuditChain.minimisedJSON(try Meeting(serializedBytes: bytes))
        case "rule_set": AuditChain.minimisedJSON(try RuleSet(serializedBytes: bytes))
        case "evaluation": AuditChain.minimisedJSON(try Evaluation(serializedBytes: bytes))
        default: ""
        }
    }

    /// Appends entries after the last one, assigning seq, hashes and (with `SQLDatabase.auditKey`)
    /// MACs. The last link is read once
    /// per operation and then remembered (`SQLDatabase.auditTail`): an import batch appends
    /// thousands of entries.
    static func appendAudit(_ db: any SQLDatabase, _ entries: [AuditEntry]) throws {
        if db.auditTail == nil {
            let last = try SQLRow.fetchOne(
                db.cachedStatement(sql: "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            )
            db.auditTail = AuditChainTail(seq: last?["seq"] ?? 0, hash: last?["hash"] ?? "")
        }
        var seq = db.auditTail?.seq ?? 0
        var previousHash = db.auditTail?.hash ?? ""
        for var entry in entries {
            seq += 1
            entry.seq = seq
            entry.prevHash = previousHash
            // Every new entry has layout 2: records live in the change log, never in the entry.
            entry.layout = 2
            entry.beforeJson = ""
            entry.afterJson = ""
            entry.hash = AuditChain.hash(of: entry)
            entry.mac = db.auditKey?.mac(of: entry) ?? ""
            let positions = ChangePositions(text: entry.changes) ?? ChangePositions([])
            let firstChange: Int64? = positions.first == 0 ? nil : positions.first
            let lastChange: Int64? = positions.last == 0 ? nil : positions.last
            try db.cachedStatement(
                sql: """
                    INSERT INTO audit_log (seq, at_ms, actor, role, peer, method, entity, entity_id, outcome, detail,
                        before_json, after_json, prev_hash, hash, mac, layout, changes, records_hash, change_first,
                        change_last)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                entry.seq, entry.atMs, entry.actor, entry.role, entry.peer, entry.method, entry.entity,
                entry.entityId, entry.outcome, entry.detail, "", "", entry.prevHash, entry.hash, entry.mac,
                Int64(entry.layout), entry.changes, entry.recordsHash,
                firstChange, lastChange,
            ]
            )
            previousHash = entry.hash
            db.auditTail = AuditChainTail(seq: seq, hash: previousHash)
        }
    }
}
