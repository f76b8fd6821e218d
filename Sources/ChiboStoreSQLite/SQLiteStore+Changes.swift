import ChiboCodec
import ChiboModel
import ChiboStore
import Foundation
import GRDB

extension SQLiteStore {
    /// The changes after a cursor, oldest first.
    public func changes(after: Int64, limit: Int) async throws -> [ChangeEvent] {
        try await pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT seq, at_ms, actor, entity, entity_id, revision, change, record FROM change_log
                    WHERE seq > ? ORDER BY seq LIMIT ?
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
        try await mutate(operation: "org_unit.void", context: context) { db in
            guard var unit = try Self.loadOrgUnit(db, id: id) else {
                throw StoreError.notFound(entity: "org unit", id: id)
            }
            try Self.markVoided(
                &unit.meta,
                entity: "org unit",
                id: id,
                revision: revision,
                reason: reason,
                context: context
            )
            guard !context.validateOnly else { return unit }
            try Self.writeOrgUnit(db, unit, insert: false)
            try Self.logChange(
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
        try await mutate(operation: "member.void", context: context) { db in
            guard var member = try Self.loadMember(db, sql: "SELECT record FROM member WHERE id = ?", id) else {
                throw StoreError.notFound(entity: "member", id: id)
            }
            try Self.markVoided(
                &member.meta,
                entity: "member",
                id: id,
                revision: revision,
                reason: reason,
                context: context
            )
            guard !context.validateOnly else { return member }
            try Self.writeMember(db, member, insert: false)
            try Self.logChange(
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
        try await mutate(operation: "meeting.void", context: context) { db in
            guard var meeting = try Self.loadMeeting(db, id: id, revision: nil) else {
                throw StoreError.notFound(entity: "meeting", id: id)
            }
            try Self.markVoided(
                &meeting.meta,
                entity: "meeting",
                id: id,
                revision: revision,
                reason: reason,
                context: context
            )
            guard !context.validateOnly else { return meeting }
            try Self.writeMeeting(db, meeting, insert: false)
            try Self.logChange(
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
