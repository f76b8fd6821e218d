import ChiboDomain
import ChiboModel
import ChiboServer
import ChiboStore

/// Members over the wire: create, update, get, list and search, and status events.
public struct MemberService: Sendable {
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
        registry.registerUnary(.membersCreate) { (request: CreateMemberRequest, _) in try await service.create(request)
        }
        registry.registerUnary(.membersUpdate) { (request: UpdateMemberRequest, _) in try await service.update(request)
        }
        registry.registerUnary(.membersGet) { (request: GetMemberRequest, _) in try await service.get(request) }
        registry.registerUnary(.membersAddStatusEvent) { (request: AddStatusEventRequest, _) in
            try await service.addStatusEvent(request)
        }
        registry.registerServerStreaming(.membersList) {
            (request: ListMembersRequest, stream: ResponseStream<Member>, _) -> PageEnd in
            try await service.list(request, stream)
        }
    }

    func create(_ request: CreateMemberRequest) async throws -> MemberResponse {
        var violations = Violations()
        guard let member = request.member else {
            violations.add("member", "required")
            try violations.throwIfAny()
            return MemberResponse()
        }
        MemberChecks.checkProfile(member, prefix: "member.", into: &violations)
        if member.cellId.isEmpty { violations.add("member.cell_id", "required") }
        for (index, event) in member.events.enumerated() {
            MemberChecks.checkEvent(event, prefix: "member.events[\(index)].", into: &violations)
        }
        if member.meta != nil { violations.add("member.meta", "set by the server; leave it out") }
        try violations.throwIfAny()
        let stored = try await StoreErrors.mapping {
            try await store.createMember(member, context: clock.mutationContext(for: request))
        }
        return MemberResponse(member: Redaction.forCaller(stored))
    }

    func update(_ request: UpdateMemberRequest) async throws -> MemberResponse {
        var violations = Violations()
        let member = request.member ?? Member()
        if request.member == nil { violations.add("member", "required") }
        if member.id.isEmpty { violations.add("member.id", "required") }
        if (member.meta?.revision ?? 0) <= 0 {
            violations.add("member.meta.revision", "required: the revision you read")
        }
        let paths = request.updateMask?.paths ?? []
        if paths.isEmpty { violations.add("update_mask", "required: name the fields to change") }
        for (index, path) in paths.enumerated() where !FieldMasks.memberUpdatable.contains(path) {
            violations.add("update_mask.paths[\(index)]", "\(path) cannot be updated")
        }
        try violations.throwIfAny()
        // Check the member as it would be after the update, before anything is written.
        var dryRun = clock.mutationContext(for: request)
        dryRun.validateOnly = true
        let merged = try await StoreErrors.mapping {
            try await store.updateMember(member, mask: paths, context: dryRun)
        }
        MemberChecks.checkProfile(merged, prefix: "member.", into: &violations)
        try violations.throwIfAny()
        if request.options?.validateOnly == true { return MemberResponse(member: Redaction.forCaller(merged)) }
        let updated = try await StoreErrors.mapping {
            try await store.updateMember(member, mask: paths, context: clock.mutationContext(for: request))
        }
        return MemberResponse(member: Redaction.forCaller(updated))
    }

    func get(_ request: GetMemberRequest) async throws -> MemberResponse {
        var violations = Violations()
        if request.id.isEmpty && request.partyCardNumber.isEmpty {
            violations.add("id", "required (or party_card_number)")
        }
        try violations.throwIfAny()
        let found = try await StoreErrors.mapping {
            request.id.isEmpty
                ? try await store.member(partyCardNumber: request.partyCardNumber)
                : try await store.member(id: request.id)
        }
        guard let member = found else {
            throw CallError(
                .notFound,
                "member \(request.id.isEmpty ? request.partyCardNumber : request.id) does not exist"
            )
        }
        try await Redaction.auditRead(of: [member], store: store, clock: clock)
        return MemberResponse(member: Redaction.forCaller(member))
    }

    func addStatusEvent(_ request: AddStatusEventRequest) async throws -> MemberResponse {
        var violations = Violations()
        if request.memberId.isEmpty { violations.add("member_id", "required") }
        if request.revision <= 0 { violations.add("revision", "required: the revision you read") }
        if let event = request.event {
            MemberChecks.checkEvent(event, prefix: "event.", into: &violations)
        } else {
            violations.add("event", "required")
        }
        try violations.throwIfAny()
        let member = try await StoreErrors.mapping {
            try await store.addStatusEvent(
                memberID: request.memberId,
                revision: request.revision,
                event: request.event ?? StatusEvent(),
                context: clock.mutationContext(for: request)
            )
        }
        return MemberResponse(member: Redaction.forCaller(member))
    }

    /// Refuses a list filtered by a unit that does not exist (NOT_FOUND, as a unit out of the
    /// token's reach is answered by the gate) instead of answering an empty page as if it had
    /// no records; empty ids are no filter.
    static func requireUnits(_ ids: [String], store: any Store) async throws {
        for id in ids where !id.isEmpty {
            if try await StoreErrors.mapping({ try await store.orgUnit(id: id) }) == nil {
                throw CallError(.notFound, "org unit \(id) does not exist")
            }
        }
    }

    func list(_ request: ListMembersRequest, _ stream: ResponseStream<Member>) async throws -> PageEnd {
        var violations = Violations()
        let (pageSize, token) = violations.page(request.page)
        for (index, status) in request.statuses.enumerated() where status.protoName == nil || status.rawValue == 0 {
            violations.add("statuses[\(index)]", "\(status.rawValue) is not a member status")
        }
        if request.nameQuery.count > 120 { violations.add("name_query", "longer than 120 characters") }
        violations.checkDate(request.asOf, "as_of")
        if request.includeAttached && request.cellId.isEmpty {
            violations.add("include_attached", "needs cell_id: attached to which cell")
        }
        try violations.throwIfAny()
        try await Self.requireUnits([request.cellId, request.subtreeOf], store: store)
        let query = MemberQuery(
            cellID: request.cellId.isEmpty ? nil : request.cellId,
            subtreeOf: request.subtreeOf.isEmpty ? nil : request.subtreeOf,
            statuses: request.statuses,
            nameQuery: request.nameQuery,
            includeVoided: request.includeVoided,
            includeAttached: request.includeAttached,
            asOf: request.asOf,
            pageSize: pageSize,
            pageToken: token
        )
        let page = try await StoreErrors.mapping { try await store.listMembers(query) }
        try await Redaction.auditRead(of: page.records, store: store, clock: clock)
        for member in page.records { try await stream.send(Redaction.forCaller(member)) }
        return PageEnd(nextPageToken: page.nextPageToken)
    }
}
