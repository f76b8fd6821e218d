import ChiboCodec
import ChiboDomain
import ChiboModel
import ChiboStore
import Foundation

extension SQLStore {
    /// Merges units (see `Store.mergeOrgUnits`).
    public func mergeOrgUnits(
        sourceIDs: [String],
        successor: OrgUnit,
        effectiveOn: CalendarDate,
        context: MutationContext
    ) async throws -> [OrgUnit] {
        try await mutate(operation: "org_unit.merge", context: context.takingEffect(on: effectiveOn)) { db, context in
            guard let day = DateKeys.key(effectiveOn) else {
                throw StoreError.failedPrecondition("the merge needs the date it takes effect")
            }
            guard Set(sourceIDs).count == sourceIDs.count, sourceIDs.count >= 1 else {
                throw StoreError.failedPrecondition("name each merged unit once")
            }
            var sources: [OrgUnit] = []
            for id in sourceIDs {
                sources.append(try Self.unitValid(db, id: id, on: day))
            }
            var result: OrgUnit
            let absorbing = try Self.exists(db, table: "org_unit", id: successor.id)
            if absorbing {
                // An existing unit absorbs the others.
                result = try Self.unitValid(db, id: successor.id, on: day)
                if sourceIDs.contains(result.id) { throw StoreError.failedPrecondition("a unit cannot absorb itself") }
                result.predecessorIds += sourceIDs
                Self.bumpRevision(&result.meta, context: context)
            } else {
                result = successor
                if result.id.isEmpty { result.id = RecordID.make("ou") }
                result.valid = DateRange(from: effectiveOn)
                result.origin = .merged
                result.predecessorIds = sourceIDs
                if !result.parentId.isEmpty {
                    _ = try Self.unitValid(db, id: result.parentId, on: day)
                    result.parentHistory = [
                        ParentPeriod(parentId: result.parentId, valid: DateRange(from: effectiveOn))
                    ]
                }
                result.meta = RecordMeta(
                    revision: 1,
                    createdAtMs: context.nowMs,
                    updatedAtMs: context.nowMs,
                    updatedBy: context.actor
                )
            }
            guard sources.allSatisfy({ $0.kind == result.kind }) else {
                throw StoreError.failedPrecondition("only units of the same kind merge")
            }
            // The sources' children move to the successor: a successor under a source would end
            // up under itself.
            var ancestor = result.parentId
            for _ in 0..<64 where !ancestor.isEmpty {
                if sourceIDs.contains(ancestor) {
                    throw StoreError.failedPrecondition(
                        "the successor cannot sit under \(ancestor), which the merge ends"
                    )
                }
                ancestor =
                    try String.fetchOne(
                        db.cachedStatement(sql: "SELECT parent_id FROM org_unit WHERE id = ?"),
                        arguments: [ancestor]
                    ) ?? ""
            }
            for index in sources.indices {
                Self.end(&sources[index], on: effectiveOn, as: .merged, successors: [result.id], context: context)
            }
            guard !context.validateOnly else { return OrgUnitsResponse(units: [result] + sources) }
            try Self.writeOrgUnit(db, result, insert: !absorbing)
            try Self.logChange(
                db,
                context: context,
                entity: "org_unit",
                id: result.id,
                revision: result.meta?.revision ?? 1,
                change: "merge",
                record: result
            )
            for source in sources {
                try Self.writeOrgUnit(db, source, insert: false)
                try Self.logChange(
                    db,
                    context: context,
                    entity: "org_unit",
                    id: source.id,
                    revision: source.meta?.revision ?? 0,
                    change: "merge",
                    record: source
                )
                try Self.moveChildren(db, of: source.id, to: result.id, on: effectiveOn, context: context)
                try Self.moveMembers(db, of: source.id, on: effectiveOn, context: context) { _ in result.id }
            }
            return OrgUnitsResponse(units: [result] + sources)
        }.units
    }

    /// Splits a unit (see `Store.splitOrgUnit`).
    public func splitOrgUnit(
        sourceID: String,
        successors: [OrgUnit],
        memberMoves: [String: String],
        effectiveOn: CalendarDate,
        context: MutationContext
    ) async throws -> [OrgUnit] {
        try await mutate(operation: "org_unit.split", context: context.takingEffect(on: effectiveOn)) { db, context in
            guard let day = DateKeys.key(effectiveOn) else {
                throw StoreError.failedPrecondition("the split needs the date it takes effect")
            }
            var source = try Self.unitValid(db, id: sourceID, on: day)
            if try Int.fetchOne(
                db,
                sql: "SELECT COUNT(*) FROM org_unit WHERE parent_id = ? AND voided = 0",
                arguments: [sourceID]
            )
                ?? 0 > 0
            {
                throw StoreError.failedPrecondition("\(sourceID) has units under it: move them before splitting it")
            }
            var created: [OrgUnit] = []
            for var successor in successors {
                if successor.id.isEmpty { successor.id = RecordID.make("ou") }
                if try Self.exists(db, table: "org_unit", id: successor.id) {
                    throw StoreError.alreadyExists(entity: "org unit", key: successor.id)
                }
                if successor.parentId.isEmpty { successor.parentId = source.parentId }
                successor.parentHistory =
                    successor.parentId.isEmpty
                    ? [] : [ParentPeriod(parentId: successor.parentId, valid: DateRange(from: effectiveOn))]
                successor.kind = successor.kind.rawValue == 0 ? source.kind : successor.kind
                successor.valid = DateRange(from: effectiveOn)
                successor.origin = .split
                successor.predecessorIds = [sourceID]
                successor.meta = RecordMeta(
                    revision: 1,
                    createdAtMs: context.nowMs,
                    updatedAtMs: context.nowMs,
                    updatedBy: context.actor
                )
                created.append(successor)
            }
            let successorIDs = Set(created.map(\.id))
            // Every member still in the cell must be placed, in a successor.
            let members = try Self.membersInCell(db, sourceID)
            var violations: [FieldViolation] = []
            for member in members where memberMoves[member.id] == nil {
                violations.append(
                    FieldViolation(
                        field: "member_moves",
                        description: "\(member.fullName) (\(member.id)) is not placed"
                    )
                )
            }
            for (memberID, cellID) in memberMoves.sorted(by: { $0.key < $1.key }) {
                if !members.contains(where: { $0.id == memberID }) {
                    violations.append(
                        FieldViolation(field: "member_moves", description: "\(memberID) is not a member of \(sourceID)")
                    )
                }
                if !successorIDs.contains(cellID) {
                    violations.append(
                        FieldViolation(field: "member_moves", description: "\(cellID) is not one of the successors")
                    )
                }
            }
            if !violations.isEmpty { throw StoreError.invalidRecord(violations) }
            Self.end(&source, on: effectiveOn, as: .split, successors: created.map(\.id), context: context)
            guard !context.validateOnly else { return OrgUnitsResponse(units: created + [source]) }
            for unit in created {
                try Self.writeOrgUnit(db, unit, insert: true)
                try Self.logChange(
                    db,
                    context: context,
                    entity: "org_unit",
                    id: unit.id,
                    revision: 1,
                    change: "split",
                    record: unit
                )
            }
            try Self.writeOrgUnit(db, source, insert: false)
            try Self.logChange(
                db,
                context: context,
                entity: "org_unit",
                id: source.id,
                revision: source.meta?.revision ?? 0,
                change: "split",
                record: source
            )
            try Self.moveMembers(db, of: sourceID, on: effectiveOn, context: context) { memberMoves[$0] }
            return OrgUnitsResponse(units: created + [source])
        }.units
    }

    // MARK: Helpers

    /// A unit that exists, is not voided, and is valid on `day`.
    static func unitValid(_ db: any SQLDatabase, id: String, on day: String) throws -> OrgUnit {
        guard let unit = try loadOrgUnit(db, id: id), unit.meta?.voided != true else {
            throw StoreError.notFound(entity: "org unit", id: id)
        }
        if let from = DateKeys.key(unit.valid?.from), day < from {
            throw StoreError.failedPrecondition("\(id) does not exist yet on \(day)")
        }
        if let to = DateKeys.key(unit.valid?.to), day >= to {
            throw StoreError.failedPrecondition("\(id) no longer exists on \(day)")
        }
        return unit
    }

    /// Ends a unit on a date, naming how and its successors.
    static func end(
        _ unit: inout OrgUnit,
        on day: CalendarDate,
        as kind: OrgUnitChangeKind,
        successors: [String],
        context: MutationContext
    ) {
        var valid = unit.valid ?? DateRange()
        valid.to = day
        unit.valid = valid
        unit.end = kind
        unit.successorIds = successors
        bumpRevision(&unit.meta, context: context)
    }

    /// Moves the current child units of a unit under another from a date.
    static func moveChildren(
        _ db: any SQLDatabase,
        of parentID: String,
        to newParentID: String,
        on day: CalendarDate,
        context: MutationContext
    ) throws {
        let ids = try String.fetchAll(
            db,
            sql: "SELECT id FROM org_unit WHERE parent_id = ? AND voided = 0",
            arguments: [parentID]
        )
        for id in ids {
            guard var child = try loadOrgUnit(db, id: id) else { continue }
            if let open = child.parentHistory.lastIndex(where: { $0.valid?.to == nil }) {
                var valid = child.parentHistory[open].valid ?? DateRange()
                valid.to = day
                child.parentHistory[open].valid = valid
            }
            child.parentHistory.append(ParentPeriod(parentId: newParentID, valid: DateRange(from: day)))
            child.parentId = newParentID
            bumpRevision(&child.meta, context: context)
            try writeOrgUnit(db, child, insert: false)
            try logChange(
                db,
                context: context,
                entity: "org_unit",
                id: id,
                revision: child.meta?.revision ?? 0,
                change: "move",
                record: child
            )
        }
    }

    /// The members whose current cell is `cellID` and who are still in the party.
    static func membersInCell(_ db: any SQLDatabase, _ cellID: String) throws -> [Member] {
        try Data.fetchAll(db, sql: "SELECT record FROM member WHERE cell_id = ? AND voided = 0", arguments: [cellID])
            .map { try Member(serializedBytes: [UInt8]($0)) }
            .filter { (try? MemberLifecycle.replay($0.events).hasEnded) != true }
    }

    /// Moves the members of a cell to the cells `destination` gives, from a date, keeping their
    /// cell history.
    static func moveMembers(
        _ db: any SQLDatabase,
        of cellID: String,
        on day: CalendarDate,
        context: MutationContext,
        destination: (String) -> String?
    ) throws {
        for var member in try membersInCell(db, cellID) {
            guard let target = destination(member.id) else { continue }
            if member.cellHistory.isEmpty { member.cellHistory = [CellPeriod(cellId: member.cellId)] }
            if let open = member.cellHistory.lastIndex(where: { $0.valid?.to == nil }) {
                var valid = member.cellHistory[open].valid ?? DateRange()
                valid.to = day
                member.cellHistory[open].valid = valid
            }
            member.cellHistory.append(CellPeriod(cellId: target, valid: DateRange(from: day)))
            member.cellId = target
            bumpRevision(&member.meta, context: context)
            try writeMember(db, member, insert: false)
            try logChange(
                db,
                context: context,
                entity: "member",
                id: member.id,
                revision: member.meta?.revision ?? 0,
                change: "cell_change",
                record: member
            )
        }
    }
}
