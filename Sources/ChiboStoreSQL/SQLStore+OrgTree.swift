import ChiboCodec
import ChiboDomain
import ChiboModel
import ChiboStore
import Foundation

extension SQLStore {
    /// Moves a unit (see `Store.moveOrgUnit`).
    public func moveOrgUnit(
        id: String,
        revision: Int64,
        newParentID: String,
        effectiveOn: CalendarDate,
        context: MutationContext
    ) async throws -> OrgUnit {
        try await mutate(operation: "org_unit.move", context: context.takingEffect(on: effectiveOn)) { db, context in
            var unit = try Self.loadCurrentOrgUnit(db, id: id, revision: revision)
            guard let day = DateKeys.key(effectiveOn) else {
                throw StoreError.failedPrecondition("the move needs the date it takes effect")
            }
            guard let parent = try Self.loadOrgUnit(db, id: newParentID), parent.meta?.voided != true else {
                throw StoreError.failedPrecondition("new parent \(newParentID) does not exist")
            }
            if let to = DateKeys.key(parent.valid?.to), day >= to {
                throw StoreError.failedPrecondition("new parent \(newParentID) no longer exists on \(day)")
            }
            if newParentID == unit.parentId {
                throw StoreError.failedPrecondition("\(id) is already under \(newParentID)")
            }
            // The new parent must not sit inside the unit's own subtree.
            let inSubtree =
                try Bool.fetchOne(
                    db,
                    sql: """
                        WITH RECURSIVE subtree(id) AS (
                            SELECT \(db.rootParameter) UNION SELECT u.id FROM org_unit u JOIN subtree s ON u.parent_id = s.id
                        )
                        SELECT EXISTS (SELECT 1 FROM subtree WHERE id = ?)
                        """,
                    arguments: [id, newParentID]
                ) ?? false
            if inSubtree {
                throw StoreError.failedPrecondition("\(newParentID) is inside \(id): a unit cannot move under itself")
            }
            if let open = unit.parentHistory.lastIndex(where: { $0.valid?.to == nil }) {
                if let from = DateKeys.key(unit.parentHistory[open].valid?.from), day <= from {
                    throw StoreError.failedPrecondition(
                        "the move on \(day) is not after the current parent's start (\(from))"
                    )
                }
                var valid = unit.parentHistory[open].valid ?? DateRange()
                valid.to = effectiveOn
                unit.parentHistory[open].valid = valid
            }
            unit.parentHistory.append(ParentPeriod(parentId: newParentID, valid: DateRange(from: effectiveOn)))
            unit.parentId = newParentID
            Self.bumpRevision(&unit.meta, context: context)
            guard !context.validateOnly else { return unit }
            try Self.writeOrgUnit(db, unit, insert: false)
            try Self.logChange(
                db,
                context: context,
                entity: "org_unit",
                id: id,
                revision: unit.meta?.revision ?? 0,
                change: "move",
                record: unit
            )
            return unit
        }
    }

    /// Adds a supervisor assignment (see `Store.assignSupervisor`).
    public func assignSupervisor(
        unitID: String,
        assignment: SupervisorAssignment,
        context: MutationContext
    )
        async throws -> OrgUnit
    {
        try await mutate(operation: "org_unit.assign_supervisor", context: context) { db, context in
            guard var unit = try Self.loadOrgUnit(db, id: unitID), unit.meta?.voided != true else {
                throw StoreError.notFound(entity: "org unit", id: unitID)
            }
            guard
                let supervisor = try Self.loadMember(
                    db,
                    sql: "SELECT record FROM member WHERE id = ?",
                    assignment.memberId
                )
            else {
                throw StoreError.failedPrecondition("member \(assignment.memberId) does not exist")
            }
            let overlapping = unit.supervisors.contains { existing in
                existing.memberId == assignment.memberId && existing.valid?.to == nil
            }
            if overlapping {
                throw StoreError.failedPrecondition("\(assignment.memberId) already supervises \(unitID)")
            }
            var assignment = assignment
            if assignment.id.isEmpty { assignment.id = RecordID.make("sv") }
            if assignment.fullName.isEmpty { assignment.fullName = supervisor.fullName }
            unit.supervisors.append(assignment)
            Self.bumpRevision(&unit.meta, context: context)
            guard !context.validateOnly else { return unit }
            try Self.writeOrgUnit(db, unit, insert: false)
            try Self.logChange(
                db,
                context: context,
                entity: "org_unit",
                id: unitID,
                revision: unit.meta?.revision ?? 0,
                change: "assign_supervisor",
                record: unit
            )
            return unit
        }
    }

    /// Ends a supervisor assignment (see `Store.endSupervisor`).
    public func endSupervisor(
        unitID: String,
        assignmentID: String,
        endedOn: CalendarDate,
        context: MutationContext
    )
        async throws -> OrgUnit
    {
        try await mutate(operation: "org_unit.end_supervisor", context: context) { db, context in
            guard var unit = try Self.loadOrgUnit(db, id: unitID), unit.meta?.voided != true else {
                throw StoreError.notFound(entity: "org unit", id: unitID)
            }
            guard let index = unit.supervisors.firstIndex(where: { $0.id == assignmentID }) else {
                throw StoreError.notFound(entity: "supervisor assignment", id: assignmentID)
            }
            var valid = unit.supervisors[index].valid ?? DateRange()
            if valid.to != nil { throw StoreError.failedPrecondition("assignment \(assignmentID) has already ended") }
            if let from = DateKeys.key(valid.from), let end = DateKeys.key(endedOn), end <= from {
                throw StoreError.failedPrecondition("the assignment cannot end on or before it began (\(from))")
            }
            valid.to = endedOn
            unit.supervisors[index].valid = valid
            Self.bumpRevision(&unit.meta, context: context)
            guard !context.validateOnly else { return unit }
            try Self.writeOrgUnit(db, unit, insert: false)
            try Self.logChange(
                db,
                context: context,
                entity: "org_unit",
                id: unitID,
                revision: unit.meta?.revision ?? 0,
                change: "end_supervisor",
                record: unit
            )
            return unit
        }
    }

    /// The stored unit, checked to be at `revision` and not voided.
    static func loadCurrentOrgUnit(_ db: any SQLDatabase, id: String, revision: Int64) throws -> OrgUnit {
        guard let unit = try loadOrgUnit(db, id: id) else { throw StoreError.notFound(entity: "org unit", id: id) }
        try requireCurrent(unit.meta, entity: "org unit", id: id, revision: revision)
        return unit
    }
}
