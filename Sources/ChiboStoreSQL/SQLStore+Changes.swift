import ChiboCodec
import ChiboModel
import ChiboStore
import Foundation

extension SQLStore {
    /// The changes after a cursor, oldest first.
    public func changes(after: Int64, limit: Int) async throws -> [ChangeEvent] {
        try await engine.read { db in
            let rows = try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT c.seq, c.at_ms, c.actor, c.entity, c.entity_id, c.revision, c.change,
                        \(Self.changeRecordColumn("c")) AS record
                    FROM change_log c WHERE c.seq > ? ORDER BY c.seq LIMIT ?
                    """,
                arguments: [after, max(1, min(limit, 10_000))]
            )
            return try rows.map { row in
                var event = ChangeEvent(
                    seq: row["seq"],
                    atMs: row["at_ms"],
                    actor: row["actor"],
                    entity: row["entity"],
                    entityId: row["entity_id"],
                    revision: row["revision"],
                    change: row["change"]
                )
                let bytes = [UInt8](row["record"] as Data)
                switch event.entity {
                case "org_unit": event.record = .orgUnit(try OrgUnit(serializedBytes: bytes))
                case "member": event.record = .member(try Member(serializedBytes: bytes))
                case "meeting": event.record = .meeting(try Meeting(serializedBytes: bytes))
                case "rule_set": event.record = .ruleSet(try RuleSet(serializedBytes: bytes))
                case "evaluation": event.record = .evaluation(try Evaluation(serializedBytes: bytes))
                default: break
                }
                return event
            }
        }
    }

    /// Voids a unit (see `Store.voidOrgUnit`).
    public func voidOrgUnit(
        id: String,
        revision: Int64,
        reason: String,
        context: MutationContext
    ) async throws
        -> OrgUnit
    {
        try await mutate(operation: "org_unit.void", context: context) { db, context in
            try Self.voidOrgUnit(
                db,
                id: id,
                revision: revision,
                reason: reason,
                context: context,
                write: !context.validateOnly
            )
        }
    }

    /// Voids a unit inside a transaction (see `Store.voidOrgUnit`); shared with undo.
    static func voidOrgUnit(
        _ db: any SQLDatabase,
        id: String,
        revision: Int64,
        reason: String,
        context: MutationContext,
        write: Bool
    ) throws -> OrgUnit {
        guard var unit = try loadOrgUnit(db, id: id) else {
            throw StoreError.notFound(entity: "org unit", id: id)
        }
        try markVoided(&unit.meta, entity: "org unit", id: id, revision: revision, reason: reason, context: context)
        guard write else { return unit }
        try writeOrgUnit(db, unit, insert: false)
        try logChange(
            db,
            context: context,
            entity: "org_unit",
            id: id,
            revision: unit.meta?.revision ?? 0,
            change: "void",
            record: unit
        )
        return unit
    }

    /// Voids a member (see `Store.voidMember`).
    public func voidMember(
        id: String,
        revision: Int64,
        reason: String,
        context: MutationContext
    ) async throws
        -> Member
    {
        try await mutate(operation: "member.void", context: context) { db, context in
            try Self.voidMember(
                db,
                id: id,
                revision: revision,
                reason: reason,
                context: context,
                write: !context.validateOnly
            )
        }
    }

    /// Voids a member inside a transaction (see `Store.voidMember`); shared with undo.
    static func voidMember(
        _ db: any SQLDatabase,
        id: String,
        revision: Int64,
        reason: String,
        context: MutationContext,
        write: Bool
    ) throws -> Member {
        guard var member = try loadMember(db, sql: "SELECT record FROM member WHERE id = ?", id) else {
            throw StoreError.notFound(entity: "member", id: id)
        }
        try markVoided(&member.meta, entity: "member", id: id, revision: revision, reason: reason, context: context)
        guard write else { return member }
        try writeMember(db, member, insert: false)
        try logChange(
            db,
            context: context,
            entity: "member",
            id: id,
            revision: member.meta?.revision ?? 0,
            change: "void",
            record: member
        )
        return member
    }

    /// Voids a meeting (see `Store.voidMeeting`).
    public func voidMeeting(
        id: String,
        revision: Int64,
        reason: String,
        context: MutationContext
    ) async throws
        -> Meeting
    {
        try await mutate(operation: "meeting.void", context: context) { db, context in
            try Self.voidMeeting(
                db,
                id: id,
                revision: revision,
                reason: reason,
                context: context,
                write: !context.validateOnly
            )
        }
    }

    /// Voids a meeting inside a transaction (see `Store.voidMeeting`); shared with undo.
    static func voidMeeting(
        _ db: any SQLDatabase,
        id: String,
        revision: Int64,
        reason: String,
        context: MutationContext,
        write: Bool
    ) throws -> Meeting {
        guard var meeting = try loadMeeting(db, id: id, revision: nil) else {
            throw StoreError.notFound(entity: "meeting", id: id)
        }
        try markVoided(&meeting.meta, entity: "meeting", id: id, revision: revision, reason: reason, context: context)
        guard write else { return meeting }
        try writeMeeting(db, meeting, insert: false)
        try logChange(
            db,
            context: context,
            entity: "meeting",
            id: id,
            revision: meeting.meta?.revision ?? 0,
            change: "void",
            record: meeting
        )
        return meeting
    }

    /// Checks the revision and marks a record voided with its reason.
    static func markVoided(
        _ meta: inout RecordMeta?,
        entity: String,
        id: String,
        revision: Int64,
        reason: String,
        context: MutationContext
    ) throws {
        let actual = meta?.revision ?? 0
        guard revision == actual else {
            throw StoreError.staleRevision(entity: entity, id: id, expected: revision, actual: actual)
        }
        if meta?.voided == true { throw StoreError.failedPrecondition("\(entity) \(id) is already voided") }
        bumpRevision(&meta, context: context)
        meta?.voided = true
        meta?.voidReason = reason
        meta?.voidedAtMs = context.nowMs
    }
}
