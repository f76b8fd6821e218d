import ChiboCodec
import ChiboModel
import ChiboStore
import Foundation

extension SQLStore {
    /// Undoes an import (see `Store.undoImport`).
    public func undoImport(importID: String, context: MutationContext) async throws -> UndoImportResponse {
        let response = try await engine.writeWithoutTransaction { db in
            var response: UndoImportResponse?
            try db.inTransaction {
                response = try Self.applyUndo(db, importID: importID, context: context)
                try Self.auditPendingChanges(
                    db,
                    entity: "import",
                    entityID: importID,
                    detail: "undo: \(response?.voided ?? 0) records voided, \(response?.restored ?? 0) restored"
                )
                return context.validateOnly ? .rollback : .commit
            }
            guard let response else { throw StoreError.unavailable("the undo did not run") }
            return response
        }
        if !context.validateOnly && (response.voided > 0 || response.restored > 0) { changeSignal.notify() }
        return response
    }

    /// What an import did to one record: its first effect (created, or the record before) and
    /// the revision its last effect left.
    private struct RecordEffects {
        var entity: String
        var id: String
        var created: Bool
        var before: Data?
        var revision: Int64
        var lastSeq: Int64
    }

    private static func applyUndo(
        _ db: any SQLDatabase,
        importID: String,
        context: MutationContext
    ) throws
        -> UndoImportResponse
    {
        guard var checkpoint = try loadCheckpoint(db, importID: importID) else {
            throw StoreError.notFound(entity: "import", id: importID)
        }
        var response = UndoImportResponse(checkpoint: checkpoint, dryRun: context.validateOnly)
        if checkpoint.undoneAtMs != 0 { return response }
        var records: [String: RecordEffects] = [:]
        let rows = try SQLRow.fetchAll(
            db.cachedStatement(
                sql:
                    """
                    SELECT e.seq, e.entity, e.record_id, e.effect, e.revision,
                        COALESCE(e.before, (SELECT \(changeRecordColumn("c")) FROM change_log c WHERE c.seq = e.before_seq))
                            AS before
                    FROM import_effect e WHERE e.import_id = ? ORDER BY e.seq
                    """
            ),
            arguments: [importID]
        )
        for row in rows {
            let entity: String = row["entity"]
            let id: String = row["record_id"]
            let key = entity + "|" + id
            if var known = records[key] {
                known.revision = row["revision"]
                known.lastSeq = row["seq"]
                records[key] = known
            } else {
                records[key] = RecordEffects(
                    entity: entity,
                    id: id,
                    created: (row["effect"] as String) == "created",
                    before: row["before"],
                    revision: row["revision"],
                    lastSeq: row["seq"]
                )
            }
        }
        let reason = "import \(importID) undone"
        for record in records.values.sorted(by: { $0.lastSeq > $1.lastSeq }) {
            let current = try currentRevision(db, entity: record.entity, id: record.id)
            guard current == record.revision else {
                response.conflicts.append(
                    UndoConflict(
                        entity: record.entity,
                        recordId: record.id,
                        message: "changed after the import (revision \(current), the import left \(record.revision))"
                    )
                )
                continue
            }
            if record.created {
                switch record.entity {
                case "org_unit":
                    _ = try voidOrgUnit(
                        db,
                        id: record.id,
                        revision: current,
                        reason: reason,
                        context: context,
                        write: true
                    )
                case "member":
                    _ = try voidMember(
                        db,
                        id: record.id,
                        revision: current,
                        reason: reason,
                        context: context,
                        write: true
                    )
                case "meeting":
                    _ = try voidMeeting(
                        db,
                        id: record.id,
                        revision: current,
                        reason: reason,
                        context: context,
                        write: true
                    )
                    try db.cachedStatement(sql: "DELETE FROM import_meeting_key WHERE meeting_id = ?").execute(
                        arguments: [record.id])
                case "evaluation":
                    _ = try voidEvaluation(
                        db,
                        id: record.id,
                        revision: current,
                        reason: reason,
                        context: context,
                        write: true
                    )
                default: throw StoreError.unavailable("import \(importID) touched an unknown entity \(record.entity)")
                }
                response.voided += 1
            } else if let before = record.before {
                try restore(db, entity: record.entity, before: [UInt8](before), after: current, context: context)
                response.restored += 1
            }
        }
        checkpoint.undoneAtMs = context.nowMs
        try db.cachedStatement(sql: "UPDATE import_checkpoint SET undone_at_ms = ? WHERE import_id = ?").execute(
            arguments: [context.nowMs, importID]
        )
        response.checkpoint = checkpoint
        return response
    }

    /// A record's current revision, or 0 when it is gone.
    private static func currentRevision(_ db: any SQLDatabase, entity: String, id: String) throws -> Int64 {
        let table: String
        switch entity {
        case "org_unit": table = "org_unit"
        case "member": table = "member"
        case "meeting": table = "meeting"
        case "evaluation": table = "evaluation"
        default: return 0
        }
        return try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT revision FROM \(table) WHERE id = ?"),
            arguments: [id]
        ) ?? 0
    }

    /// The meta of a before-image written back as the revision after `current`.
    private static func restoredMeta(_ meta: RecordMeta?, after current: Int64, context: MutationContext) -> RecordMeta
    {
        var meta = meta ?? RecordMeta()
        meta.revision = current + 1
        meta.updatedAtMs = context.nowMs
        meta.updatedBy = context.actor
        return meta
    }

    /// Writes a record back as it was before the import, as a new revision, and logs it.
    private static func restore(
        _ db: any SQLDatabase,
        entity: String,
        before: [UInt8],
        after current: Int64,
        context: MutationContext
    ) throws {
        func restore<Record: ProtoMessage>(
            _: Record.Type,
            id: KeyPath<Record, String>,
            meta: WritableKeyPath<Record, RecordMeta?>,
            write: (any SQLDatabase, Record, Bool) throws -> Void
        ) throws {
            var record = try Record(serializedBytes: before)
            record[keyPath: meta] = restoredMeta(record[keyPath: meta], after: current, context: context)
            try write(db, record, false)
            try logChange(
                db,
                context: context,
                entity: entity,
                id: record[keyPath: id],
                revision: current + 1,
                change: "import_undo",
                record: record
            )
        }
        switch entity {
        case "org_unit": try restore(OrgUnit.self, id: \.id, meta: \.meta, write: writeOrgUnit)
        case "member": try restore(Member.self, id: \.id, meta: \.meta, write: writeMember)
        case "meeting": try restore(Meeting.self, id: \.id, meta: \.meta, write: writeMeeting)
        case "evaluation": try restore(Evaluation.self, id: \.id, meta: \.meta, write: writeEvaluation)
        default:
            throw StoreError.unavailable("an import touched an unknown entity \(entity)")
        }
    }
}
