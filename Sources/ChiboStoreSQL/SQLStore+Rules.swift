import ChiboCodec
import ChiboDomain
import ChiboModel
import ChiboStore
import Foundation

extension SQLStore {
    /// Creates a rule set (see `Store.createRuleSet`).
    public func createRuleSet(_ ruleSet: RuleSet, context: MutationContext) async throws -> RuleSet {
        try await mutate(operation: "rule_set.create", context: context) { db, context in
            var ruleSet = ruleSet
            if ruleSet.id.isEmpty { ruleSet.id = RecordID.make("rules") }
            if try Self.exists(db, table: "rule_set", id: ruleSet.id) {
                throw StoreError.alreadyExists(entity: "rule set", key: ruleSet.id)
            }
            if !ruleSet.scopeUnitId.isEmpty {
                guard let unit = try Self.loadOrgUnit(db, id: ruleSet.scopeUnitId), unit.meta?.voided != true else {
                    throw StoreError.invalidRecord([
                        FieldViolation(
                            field: "rule_set.scope_unit_id",
                            description: "org unit \(ruleSet.scopeUnitId) does not exist"
                        )
                    ])
                }
            }
            let from = DateKeys.key(ruleSet.effectiveFrom) ?? ""
            let clash = try String.fetchOne(
                db,
                sql: """
                    SELECT id FROM rule_set WHERE voided = 0 AND effective_from = ?
                        AND COALESCE(scope_unit_id, '') = ?
                    """,
                arguments: [from, ruleSet.scopeUnitId]
            )
            if let clash {
                throw StoreError.alreadyExists(
                    entity: "rule set of this scope from \(from)",
                    key: "\(clash) (void it first)"
                )
            }
            ruleSet.meta = RecordMeta(
                revision: 1,
                createdAtMs: context.nowMs,
                updatedAtMs: context.nowMs,
                updatedBy: context.actor
            )
            guard !context.validateOnly else { return ruleSet }
            try Self.writeRuleSet(db, ruleSet, insert: true)
            try Self.logChange(
                db,
                context: context,
                entity: "rule_set",
                id: ruleSet.id,
                revision: 1,
                change: "create",
                record: ruleSet
            )
            return ruleSet
        }
    }

    /// The rule set with this id.
    public func ruleSet(id: String) async throws -> RuleSet? {
        try await engine.read { db in try Self.loadRuleSet(db, id: id) }
    }

    /// Rule sets matching the query (see `Store.listRuleSets`).
    public func listRuleSets(_ query: RuleSetQuery) async throws -> Page<RuleSet> {
        try await engine.read { db in
            let sortKey = "(COALESCE(scope_unit_id, '') || '|' || effective_from)"
            var conditions: [String] = []
            var arguments: SQLArguments = []
            if query.nationalOnly {
                conditions.append("scope_unit_id IS NULL")
            } else if let scope = query.scopeUnitID {
                conditions.append("scope_unit_id = ?")
                arguments += [scope]
            }
            if !query.includeVoided { conditions.append("voided = 0") }
            if let after = PageToken.parse(query.pageToken) {
                conditions.append("(\(sortKey) > ? OR (\(sortKey) = ? AND id > ?))")
                arguments += [after.sortKey, after.sortKey, after.id]
            }
            let limit = max(1, min(query.pageSize, 1000))
            let rows = try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT id, \(sortKey) AS sort_key, record FROM rule_set
                    \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
                    ORDER BY sort_key, id LIMIT \(limit + 1)
                    """,
                arguments: arguments
            )
            let sets = try rows.prefix(limit).map { row in
                try RuleSet(serializedBytes: [UInt8](row["record"] as Data))
            }
            var next = ""
            if rows.count > limit, let last = rows.prefix(limit).last {
                next = PageToken.make(sortKey: last["sort_key"], id: last["id"])
            }
            return Page(records: sets, nextPageToken: next)
        }
    }

    /// Voids a rule set (see `Store.voidRuleSet`).
    public func voidRuleSet(
        id: String,
        revision: Int64,
        reason: String,
        context: MutationContext
    ) async throws -> RuleSet {
        try await mutate(operation: "rule_set.void", context: context) { db, context in
            guard var ruleSet = try Self.loadRuleSet(db, id: id) else {
                throw StoreError.notFound(entity: "rule set", id: id)
            }
            try Self.markVoided(
                &ruleSet.meta,
                entity: "rule set",
                id: id,
                revision: revision,
                reason: reason,
                context: context
            )
            guard !context.validateOnly else { return ruleSet }
            try Self.writeRuleSet(db, ruleSet, insert: false)
            try Self.logChange(
                db,
                context: context,
                entity: "rule_set",
                id: id,
                revision: ruleSet.meta?.revision ?? 0,
                change: "void",
                record: ruleSet
            )
            return ruleSet
        }
    }

    static func loadRuleSet(_ db: any SQLDatabase, id: String) throws -> RuleSet? {
        try Data.fetchOne(db, sql: "SELECT record FROM rule_set WHERE id = ?", arguments: [id])
            .map { try RuleSet(serializedBytes: [UInt8]($0)) }
    }

    /// Writes the row of a rule set (inserted or replaced); also seeds the national sets.
    public static func writeRuleSet(_ db: any SQLDatabase, _ ruleSet: RuleSet, insert: Bool) throws {
        var ruleSet = ruleSet
        if ruleSet.meta == nil { ruleSet.meta = RecordMeta(revision: 1) }
        let arguments: SQLArguments = [
            ruleSet.scopeUnitId.isEmpty ? nil : ruleSet.scopeUnitId, DateKeys.key(ruleSet.effectiveFrom) ?? "",
            ruleSet.meta?.voided == true ? 1 : 0, ruleSet.meta?.revision ?? 1, Data(try ruleSet.serializedBytes()),
            ruleSet.id,
        ]
        if !insert { try supersede(db, entity: "rule_set", id: ruleSet.id) }
        try db.execute(
            sql: insert
                ? "INSERT INTO rule_set (scope_unit_id, effective_from, voided, revision, record, id) VALUES (?, ?, ?, ?, ?, ?)"
                : "UPDATE rule_set SET scope_unit_id = ?, effective_from = ?, voided = ?, revision = ?, record = ? WHERE id = ?",
            arguments: arguments
        )
    }
}
