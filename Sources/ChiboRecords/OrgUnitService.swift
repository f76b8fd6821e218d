import ChiboDomain
import ChiboModel
import ChiboServer
import ChiboStore

/// Org units over the wire: create, update, get and list, every input validated.
public struct OrgUnitService: Sendable {
    let store: any Store
    let clock: RecordsClock

    /// Creates the service over a store.
    public init(store: any Store, clock: RecordsClock = .system) {
        self.store = store
        self.clock = clock
    }

    /// Registers the service's methods.
    public func register(into registry: inout MethodRegistry) {
        let service = self
        registry.registerUnary(.orgUnitsCreate) { (request: CreateOrgUnitRequest, context) in
            try await service.create(request, context)
        }
        registry.registerUnary(.orgUnitsUpdate) { (request: UpdateOrgUnitRequest, context) in
            try await service.update(request, context)
        }
        registry.registerUnary(.orgUnitsGet) { (request: GetOrgUnitRequest, _) in
            try await service.get(request)
        }
        registry.registerServerStreaming(.orgUnitsList) {
            (request: ListOrgUnitsRequest, stream: ResponseStream<OrgUnit>, _) -> PageEnd in
            try await service.list(request, stream)
        }
    }

    func create(_ request: CreateOrgUnitRequest, _ context: CallContext) async throws -> OrgUnitResponse {
        var violations = Violations()
        guard let unit = request.unit else {
            violations.add("unit", "required")
            try violations.throwIfAny()
            return OrgUnitResponse()
        }
        OrgUnitChecks.check(unit, prefix: "unit.", into: &violations)
        if unit.meta != nil { violations.add("unit.meta", "set by the server; leave it out") }
        try violations.throwIfAny()
        let stored = try await StoreErrors.mapping {
            try await store.createOrgUnit(unit, context: clock.mutationContext(for: request))
        }
        return OrgUnitResponse(unit: stored)
    }

    func update(_ request: UpdateOrgUnitRequest, _ context: CallContext) async throws -> OrgUnitResponse {
        var violations = Violations()
        let unit = request.unit ?? OrgUnit()
        if request.unit == nil { violations.add("unit", "required") }
        if unit.id.isEmpty { violations.add("unit.id", "required") }
        if (unit.meta?.revision ?? 0) <= 0 { violations.add("unit.meta.revision", "required: the revision you read") }
        let paths = request.updateMask?.paths ?? []
        if paths.isEmpty { violations.add("update_mask", "required: name the fields to change") }
        for (index, path) in paths.enumerated() where !FieldMasks.orgUnitUpdatable.contains(path) {
            violations.add(
                "update_mask.paths[\(index)]",
                "\(path) cannot be updated; updatable: \(FieldMasks.orgUnitUpdatable.sorted().joined(separator: ", "))"
            )
        }
        try violations.throwIfAny()
        // Validate the unit as it would be after the update.
        let stored = try await StoreErrors.mapping { try await store.orgUnit(id: unit.id) }
        guard var merged = stored else { throw CallError(.notFound, "org unit \(unit.id) does not exist") }
        for path in paths {
            switch path {
            case "code": merged.code = unit.code
            case "name": merged.name = unit.name
            case "kind": merged.kind = unit.kind
            case "meeting_day": merged.meetingDay = unit.meetingDay
            case "note": merged.note = unit.note
            default: break
            }
        }
        OrgUnitChecks.check(merged, prefix: "unit.", into: &violations)
        try violations.throwIfAny()
        let updated = try await StoreErrors.mapping {
            try await store.updateOrgUnit(unit, mask: paths, context: clock.mutationContext(for: request))
        }
        return OrgUnitResponse(unit: updated)
    }

    func get(_ request: GetOrgUnitRequest) async throws -> OrgUnitResponse {
        var violations = Violations()
        if request.id.isEmpty && request.code.isEmpty { violations.add("id", "required (or code)") }
        violations.checkDate(request.asOf, "as_of")
        try violations.throwIfAny()
        let found = try await StoreErrors.mapping {
            request.id.isEmpty ? try await store.orgUnit(code: request.code) : try await store.orgUnit(id: request.id)
        }
        guard var unit = found else {
            throw CallError(.notFound, "org unit \(request.id.isEmpty ? request.code : request.id) does not exist")
        }
        // As of a past date, the parent is the one of that date.
        if let asOf = request.asOf {
            unit.parentId = UnitHistory.parent(of: unit, on: asOf) ?? ""
        }
        return OrgUnitResponse(unit: unit)
    }

    func list(_ request: ListOrgUnitsRequest, _ stream: ResponseStream<OrgUnit>) async throws -> PageEnd {
        var violations = Violations()
        let (pageSize, token) = violations.page(request.page)
        violations.checkDate(request.asOf, "as_of")
        if request.kind.rawValue != 0 && request.kind.protoName == nil {
            violations.add("kind", "\(request.kind.rawValue) is not a known unit kind")
        }
        try violations.throwIfAny()
        let query = OrgUnitQuery(
            parentID: request.parentId.isEmpty ? nil : request.parentId,
            subtreeOf: request.subtreeOf.isEmpty ? nil : request.subtreeOf,
            kind: request.kind.rawValue == 0 ? nil : request.kind,
            asOf: request.asOf,
            includeVoided: request.includeVoided,
            pageSize: pageSize,
            pageToken: token
        )
        let page = try await StoreErrors.mapping { try await store.listOrgUnits(query) }
        for unit in page.records { try await stream.send(unit) }
        return PageEnd(nextPageToken: page.nextPageToken)
    }
}

/// Moves and supervisor assignments over the wire.
struct OrgTreeHandlers {
    let store: any Store
    let clock: RecordsClock

    func register(into registry: inout MethodRegistry) {
        let handlers = self
        registry.registerUnary(.orgUnitsMove) { (request: MoveOrgUnitRequest, _) in try await handlers.move(request) }
        registry.registerUnary(.orgUnitsAssignSupervisor) { (request: AssignSupervisorRequest, _) in
            try await handlers.assign(request)
        }
        registry.registerUnary(.orgUnitsEndSupervisor) { (request: EndSupervisorRequest, _) in
            try await handlers.end(request)
        }
    }

    func move(_ request: MoveOrgUnitRequest) async throws -> OrgUnitResponse {
        var violations = Violations()
        if request.id.isEmpty { violations.add("id", "required") }
        if request.revision <= 0 { violations.add("revision", "required: the revision you read") }
        if request.newParentId.isEmpty { violations.add("new_parent_id", "required") }
        if request.newParentId == request.id && !request.id.isEmpty {
            violations.add("new_parent_id", "a unit cannot be its own parent")
        }
        if request.effectiveOn == nil { violations.add("effective_on", "required") }
        violations.checkDate(request.effectiveOn, "effective_on")
        try violations.throwIfAny()
        let unit = try await StoreErrors.mapping {
            try await store.moveOrgUnit(
                id: request.id,
                revision: request.revision,
                newParentID: request.newParentId,
                effectiveOn: request.effectiveOn ?? CalendarDate(),
                context: clock.mutationContext(for: request)
            )
        }
        return OrgUnitResponse(unit: unit)
    }

    func assign(_ request: AssignSupervisorRequest) async throws -> OrgUnitResponse {
        var violations = Violations()
        if request.unitId.isEmpty { violations.add("unit_id", "required") }
        let assignment = request.assignment ?? SupervisorAssignment()
        if request.assignment == nil { violations.add("assignment", "required") }
        if assignment.memberId.isEmpty { violations.add("assignment.member_id", "required") }
        if assignment.valid?.from == nil { violations.add("assignment.valid.from", "required") }
        violations.checkRange(assignment.valid, "assignment.valid")
        try violations.throwIfAny()
        let unit = try await StoreErrors.mapping {
            try await store.assignSupervisor(
                unitID: request.unitId,
                assignment: assignment,
                context: clock.mutationContext(for: request)
            )
        }
        return OrgUnitResponse(unit: unit)
    }

    func end(_ request: EndSupervisorRequest) async throws -> OrgUnitResponse {
        var violations = Violations()
        if request.unitId.isEmpty { violations.add("unit_id", "required") }
        if request.assignmentId.isEmpty { violations.add("assignment_id", "required") }
        if request.endedOn == nil { violations.add("ended_on", "required") }
        violations.checkDate(request.endedOn, "ended_on")
        try violations.throwIfAny()
        let unit = try await StoreErrors.mapping {
            try await store.endSupervisor(
                unitID: request.unitId,
                assignmentID: request.assignmentId,
                endedOn: request.endedOn ?? CalendarDate(),
                context: clock.mutationContext(for: request)
            )
        }
        return OrgUnitResponse(unit: unit)
    }
}

/// Merges and splits over the wire.
struct MergeSplitHandlers {
    let store: any Store
    let clock: RecordsClock

    func register(into registry: inout MethodRegistry) {
        let handlers = self
        registry.registerUnary(.orgUnitsMerge) { (request: MergeOrgUnitsRequest, _) in try await handlers.merge(request)
        }
        registry.registerUnary(.orgUnitsSplit) { (request: SplitOrgUnitRequest, _) in try await handlers.split(request)
        }
    }

    func merge(_ request: MergeOrgUnitsRequest) async throws -> OrgUnitsResponse {
        var violations = Violations()
        if request.sourceIds.isEmpty { violations.add("source_ids", "required: the units merged") }
        for (index, id) in request.sourceIds.enumerated() where id.isEmpty {
            violations.add("source_ids[\(index)]", "empty id")
        }
        if Set(request.sourceIds).count != request.sourceIds.count { violations.add("source_ids", "an id is repeated") }
        if request.effectiveOn == nil { violations.add("effective_on", "required") }
        violations.checkDate(request.effectiveOn, "effective_on")
        let successor = request.successor ?? OrgUnit()
        if request.successor == nil {
            violations.add("successor", "required: a new unit, or the id of one that absorbs")
        }
        // A successor given by id alone absorbs the others; otherwise it is a new unit.
        let absorbing = !successor.id.isEmpty && successor.name.isEmpty && successor.kind.rawValue == 0
        if request.successor != nil && !absorbing {
            OrgUnitChecks.check(successor, prefix: "successor.", into: &violations)
        }
        try violations.throwIfAny()
        let units = try await StoreErrors.mapping {
            try await store.mergeOrgUnits(
                sourceIDs: request.sourceIds,
                successor: successor,
                effectiveOn: request.effectiveOn ?? CalendarDate(),
                context: clock.mutationContext(for: request)
            )
        }
        return OrgUnitsResponse(units: units)
    }

    func split(_ request: SplitOrgUnitRequest) async throws -> OrgUnitsResponse {
        var violations = Violations()
        if request.sourceId.isEmpty { violations.add("source_id", "required") }
        if request.successors.count < 2 { violations.add("successors", "a split makes at least two units") }
        for (index, successor) in request.successors.enumerated() {
            var candidate = successor
            if candidate.kind.rawValue == 0 { candidate.kind = .cell }
            OrgUnitChecks.check(candidate, prefix: "successors[\(index)].", into: &violations)
            if successor.id.isEmpty { violations.add("successors[\(index)].id", "required: member moves name it") }
        }
        if request.effectiveOn == nil { violations.add("effective_on", "required") }
        violations.checkDate(request.effectiveOn, "effective_on")
        var moves: [String: String] = [:]
        for (index, move) in request.memberMoves.enumerated() {
            if move.memberId.isEmpty || move.cellId.isEmpty {
                violations.add("member_moves[\(index)]", "needs member_id and cell_id")
            } else if moves.updateValue(move.cellId, forKey: move.memberId) != nil {
                violations.add("member_moves[\(index)].member_id", "\(move.memberId) is moved twice")
            }
        }
        try violations.throwIfAny()
        let units = try await StoreErrors.mapping {
            try await store.splitOrgUnit(
                sourceID: request.sourceId,
                successors: request.successors,
                memberMoves: moves,
                effectiveOn: request.effectiveOn ?? CalendarDate(),
                context: clock.mutationContext(for: request)
            )
        }
        return OrgUnitsResponse(units: units)
    }
}
