import ChiboCodec
import ChiboDomain
import ChiboModel
import ChiboStore
import Foundation

extension SQLStore {
    /// Creates a unit (see `Store.createOrgUnit`).
    public func createOrgUnit(_ unit: OrgUnit, context: MutationContext) async throws -> OrgUnit {
        try await mutate(operation: "org_unit.create", context: context) { db, context in
            try Self.insertOrgUnit(db, unit, context: context, write: !context.validateOnly)
        }
    }

    /// Creates a unit inside a transaction: the checks of `Store.createOrgUnit`, then (with
    /// `write`) the row and its logged change. Shared by OrgUnits.Create and imports.
    static func insertOrgUnit(
        _ db: any SQLDatabase,
        _ unit: OrgUnit,
        context: MutationContext,
        write: Bool
    ) throws -> OrgUnit {
        var unit = unit
        // A new id is unique by construction (time and randomness); only a given one is checked.
        if unit.id.isEmpty {
            unit.id = RecordID.make("ou")
        } else if try exists(db, table: "org_unit", id: unit.id) {
            throw StoreError.alreadyExists(entity: "org unit", key: unit.id)
        }
        if !unit.code.isEmpty,
            try SQLRow.fetchOne(
                db.cachedStatement(sql: "SELECT 1 FROM org_unit WHERE code = ?"),
                arguments: [unit.code]
            )
                != nil
        {
            throw StoreError.alreadyExists(entity: "org unit with code", key: unit.code)
        }
        if !unit.parentId.isEmpty {
            guard let parent = try loadOrgUnit(db, id: unit.parentId), parent.meta?.voided != true else {
                throw StoreError.failedPrecondition("parent unit \(unit.parentId) does not exist")
            }
            if unit.parentHistory.isEmpty {
                unit.parentHistory = [ParentPeriod(parentId: unit.parentId, valid: DateRange(from: unit.valid?.from))]
            }
        }
        unit.meta = RecordMeta(
            revision: 1,
            createdAtMs: context.nowMs,
            updatedAtMs: context.nowMs,
            updatedBy: context.actor
        )
        guard write else { return unit }
        try writeOrgUnit(db, unit, insert: true)
        try logChange(
            db,
            context: context,
            entity: "org_unit",
            id: unit.id,
            revision: 1,
            change: "create",
            record: unit
        )
        return unit
    }

    /// Updates the masked fields of a unit (see `Store.updateOrgUnit`).
    public func updateOrgUnit(_ unit: OrgUnit, mask: [String], context: MutationContext) async throws -> OrgUnit {
        try await mutate(operation: "org_unit.update", context: context) { db, context in
            var stored = try Self.loadCurrentOrgUnit(db, id: unit.id, revision: unit.meta?.revision ?? 0)
            for path in mask {
                switch path {
                case "code":
                    if !unit.code.isEmpty, unit.code != stored.code,
                        try SQLRow.fetchOne(
                            db.cachedStatement(sql: "SELECT 1 FROM org_unit WHERE code = ?"),
                            arguments: [unit.code]
                        )
                            != nil
                    {
                        throw StoreError.alreadyExists(entity: "org unit with code", key: unit.code)
                    }
                    stored.code = unit.code
                case "name": stored.name = unit.name
                case "kind": stored.kind = unit.kind
                case "meeting_day": stored.meetingDay = unit.meetingDay
                case "note": stored.note = unit.note
                default: throw StoreError.failedPrecondition("field \(path) cannot be changed by an update")
                }
            }
            return try Self.saveOrgUnit(db, stored, change: "update", context: context, write: !context.validateOnly)
        }
    }

    /// Stores a changed unit as its next revision and logs the change (with `write`).
    static func saveOrgUnit(
        _ db: any SQLDatabase,
        _ unit: OrgUnit,
        change: String,
        context: MutationContext,
        write: Bool
    ) throws -> OrgUnit {
        var unit = unit
        bumpRevision(&unit.meta, context: context)
        guard write else { return unit }
        try writeOrgUnit(db, unit, insert: false)
        try logChange(
            db,
            context: context,
            entity: "org_unit",
            id: unit.id,
            revision: unit.meta?.revision ?? 0,
            change: change,
            record: unit
        )
        return unit
    }

    /// The unit with this id.
    public func orgUnit(id: String) async throws -> OrgUnit? {
        try await engine.read { db in try Self.loadOrgUnit(db, id: id) }
    }

    /// The unit with this code.
    public func orgUnit(code: String) async throws -> OrgUnit? {
        try await engine.read { db in
            guard
                let data = try Data.fetchOne(
                    db.cachedStatement(sql: "SELECT record FROM org_unit WHERE code = ?"),
                    arguments: [code]
                )
            else { return nil }
            return try OrgUnit(serializedBytes: [UInt8](data))
        }
    }

    /// Units matching the query, by name then id, one page at a time.
    public func listOrgUnits(_ query: OrgUnitQuery) async throws -> Page<OrgUnit> {
        try await engine.read { db in
            var conditions: [String] = []
            var arguments: SQLArguments = []
            var with = ""
            let asOf = DateKeys.key(query.asOf)
            if let subtree = query.subtreeOf {
                // Descendants through the parent periods in force on the date (or today's parents).
                if let asOf {
                    with = """
                        WITH RECURSIVE subtree(id) AS (
                            SELECT \(db.rootParameter) UNION
                            SELECT p.unit_id FROM org_unit_parent p JOIN subtree s ON p.parent_id = s.id
                            WHERE (p.valid_from IS NULL OR p.valid_from <= ?) AND (p.valid_to IS NULL OR p.valid_to > ?)
                        )
                        """
                    arguments += [subtree, asOf, asOf]
                } else {
                    with = """
                        WITH RECURSIVE subtree(id) AS (
                            SELECT \(db.rootParameter) UNION
                            SELECT u.id FROM org_unit u JOIN subtree s ON u.parent_id = s.id
                        )
                        """
                    arguments += [subtree]
                }
                conditions.append("u.id IN (SELECT id FROM subtree)")
            }
            if let parent = query.parentID {
                if let asOf {
                    conditions.append(
                        """
                        u.id IN (SELECT unit_id FROM org_unit_parent WHERE parent_id = ?
                            AND (valid_from IS NULL OR valid_from <= ?) AND (valid_to IS NULL OR valid_to > ?))
                        """
                    )
                    arguments += [parent, asOf, asOf]
                } else {
                    conditions.append("u.parent_id = ?")
                    arguments += [parent]
                }
            }
            if let kind = query.kind {
                conditions.append("u.kind = ?")
                arguments += [kind.rawValue]
            }
            if let asOf {
                conditions.append(
                    "(u.valid_from IS NULL OR u.valid_from <= ?) AND (u.valid_to IS NULL OR u.valid_to > ?)"
                )
                arguments += [asOf, asOf]
            }
            if !query.includeVoided { conditions.append("u.voided = 0") }
            if let after = PageToken.parse(query.pageToken) {
                conditions.append("(u.name_key > ? OR (u.name_key = ? AND u.id > ?))")
                arguments += [after.sortKey, after.sortKey, after.id]
            }
            let limit = max(1, min(query.pageSize, 1000))
            let sql = """
                \(with)
                SELECT u.id, u.name_key, u.record FROM org_unit u
                \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
                ORDER BY u.name_key, u.id LIMIT \(limit + 1)
                """
            let rows = try SQLRow.fetchAll(db, sql: sql, arguments: arguments)
            var units: [OrgUnit] = []
            for row in rows.prefix(limit) {
                let bytes: [UInt8] = [UInt8](row["record"] as Data)
                units.append(try OrgUnit(serializedBytes: bytes))
            }
            var next = ""
            if rows.count > limit, let last = rows.prefix(limit).last {
                next = PageToken.make(sortKey: last["name_key"], id: last["id"])
            }
            return Page(records: units, nextPageToken: next)
        }
    }

    // MARK: Rows

    static func loadOrgUnit(_ db: any SQLDatabase, id: String) throws -> OrgUnit? {
        guard
            let data = try Data.fetchOne(
                db.cachedStatement(sql: "SELECT record FROM org_unit WHERE id = ?"),
                arguments: [id]
            )
        else {
            return nil
        }
        return try OrgUnit(serializedBytes: [UInt8](data))
    }

    static func writeOrgUnit(_ db: any SQLDatabase, _ unit: OrgUnit, insert: Bool) throws {
        db.scopeMemo = [:]
        let record = Data(try unit.serializedBytes())
        let arguments: SQLArguments = [
            unit.code.isEmpty ? nil : unit.code, SearchKeys.fold(unit.name), unit.kind.rawValue,
            unit.parentId.isEmpty ? nil : unit.parentId, DateKeys.key(unit.valid?.from), DateKeys.key(unit.valid?.to),
            unit.meta?.voided == true ? 1 : 0, unit.meta?.revision ?? 1, record, unit.id,
        ]
        if insert {
            try db.cachedStatement(
                sql: """
                    INSERT INTO org_unit (code, name_key, kind, parent_id, valid_from, valid_to, voided, revision, record, id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(
                arguments: arguments
            )
        } else {
            try supersede(db, entity: "org_unit", id: unit.id)
            try db.cachedStatement(
                sql: """
                    UPDATE org_unit SET code = ?, name_key = ?, kind = ?, parent_id = ?, valid_from = ?, valid_to = ?,
                        voided = ?, revision = ?, record = ? WHERE id = ?
                    """
            ).execute(
                arguments: arguments
            )
        }
        try db.cachedStatement(sql: "DELETE FROM org_unit_parent WHERE unit_id = ?").execute(arguments: [unit.id])
        for period in unit.parentHistory where !period.parentId.isEmpty {
            try db.cachedStatement(
                sql: "INSERT INTO org_unit_parent (unit_id, parent_id, valid_from, valid_to) VALUES (?, ?, ?, ?)"
            ).execute(arguments: [
                unit.id, period.parentId, DateKeys.key(period.valid?.from), DateKeys.key(period.valid?.to),
            ]
            )
        }
    }
}
