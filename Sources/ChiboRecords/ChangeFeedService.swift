import ChiboAccess
import ChiboDomain
import ChiboModel
import ChiboServer
import ChiboStore

/// The change feed over the wire: every change after a cursor, then (when following) each new
/// change as it is committed.
public struct ChangeFeedService: Sendable {
    let store: any Store
    let access: AccessGate?

    /// Creates the service over a store; with an access gate, a caller scoped to a subtree
    /// sees only the changes of records in it, personal fields redacted by role.
    public init(store: any Store, access: AccessGate? = nil) {
        self.store = store
        self.access = access
    }

    /// Registers the service's methods.
    public func register(into registry: inout MethodRegistry) {
        let service = self
        registry.registerServerStreaming(.changesFollow) {
            (request: FollowChangesRequest, stream: ResponseStream<ChangeEvent>, _) in
            try await service.follow(request, stream)
        }
    }

    func follow(_ request: FollowChangesRequest, _ stream: ResponseStream<ChangeEvent>) async throws {
        var violations = Violations()
        if request.after < 0 { violations.add("after", "a cursor from a change event, or 0 for all") }
        if request.limit < 0 || request.limit > 100_000 { violations.add("limit", "must be 0 to 100000") }
        try violations.throwIfAny()
        var cursor = request.after
        var remaining = request.follow ? Int.max : (request.limit == 0 ? 1000 : Int(request.limit))
        while remaining > 0 {
            // Read the generation first: a change committed after it wakes the wait below.
            let generation = store.changeSignal.generation
            let batch = try await StoreErrors.mapping {
                try await store.changes(after: cursor, limit: min(500, remaining))
            }
            for event in batch {
                cursor = event.seq
                guard let visible = try await visible(event) else { continue }
                try await stream.send(visible)
            }
            remaining -= batch.count
            if batch.isEmpty {
                guard request.follow else { return }
                await store.changeSignal.wait(after: generation)
                try Task.checkCancellation()
            }
        }
    }
}

extension ChangeFeedService {
    /// The event as the caller may see it, or nil when its record is outside the caller's scope
    /// at the time it concerns: reads are by date, so a cell that moved to another commune shows
    /// in the old commune's feed up to the day it left (its meetings by their dates, its and its
    /// members' changes by the day they were made), and nothing later.
    func visible(_ event: ChangeEvent) async throws -> ChangeEvent? {
        guard let access, let identity = CurrentCall.context?.identity, identity.role != "admin" else {
            return event
        }
        let scope = identity.scopeUnitID
        let scopes = access.scopes
        let day = CalendarDate(daysSince1970: Int((event.atMs / 1000 + 7 * 3600) / 86_400))
        var event = event
        let readable: Bool
        switch event.record {
        case .orgUnit(let unit)?:
            readable = try await scopes.canRead(unit.id, on: day, scope: scope)
        case .member(let member)?:
            readable = try await scopes.canRead(member.cellId, on: day, scope: scope)
            event.record = .member(Redaction.forCaller(member))
        case .meeting(let meeting)?:
            readable = try await scopes.canRead(meeting.cellId, on: meeting.heldOn ?? day, scope: scope)
        case .ruleSet(let rules)?:
            if rules.scopeUnitId.isEmpty { return event }
            readable = try await scopes.canRead(rules.scopeUnitId, on: day, scope: scope)
        case .evaluation(let evaluation)?:
            let unit = evaluation.subject == .member ? evaluation.cellId : evaluation.subjectId
            readable = try await scopes.canRead(
                unit,
                from: CalendarDate(year: evaluation.year, month: 1, day: 1),
                to: CalendarDate(year: evaluation.year + 1, month: 1, day: 1),
                scope: scope
            )
        case nil: return nil
        }
        return readable ? event : nil
    }
}

/// Voiding over the wire, for every kind of record.
struct VoidHandlers {
    let store: any Store
    let clock: RecordsClock

    func register(into registry: inout MethodRegistry) {
        let handlers = self
        registry.registerUnary(.orgUnitsVoidRecord) { (request: VoidRequest, _) in
            let context = try handlers.validated(request)
            return OrgUnitResponse(
                unit: try await StoreErrors.mapping {
                    try await handlers.store.voidOrgUnit(
                        id: request.id,
                        revision: request.revision,
                        reason: request.reason,
                        context: context
                    )
                }
            )
        }
        registry.registerUnary(.membersVoidRecord) { (request: VoidRequest, _) in
            let context = try handlers.validated(request)
            return MemberResponse(
                member: Redaction.forCaller(
                    try await StoreErrors.mapping {
                        try await handlers.store.voidMember(
                            id: request.id,
                            revision: request.revision,
                            reason: request.reason,
                            context: context
                        )
                    }
                )
            )
        }
        registry.registerUnary(.meetingsVoidRecord) { (request: VoidRequest, _) in
            let context = try handlers.validated(request)
            return MeetingResponse(
                meeting: try await StoreErrors.mapping {
                    try await handlers.store.voidMeeting(
                        id: request.id,
                        revision: request.revision,
                        reason: request.reason,
                        context: context
                    )
                }
            )
        }
    }

    /// Checks a void request and makes its mutation context.
    func validated(_ request: VoidRequest) throws -> MutationContext {
        var violations = Violations()
        if request.id.isEmpty { violations.add("id", "required") }
        if request.revision <= 0 { violations.add("revision", "required: the revision you read") }
        violations.requireText(request.reason, "reason", maxLength: 1000)
        try violations.throwIfAny()
        return clock.mutationContext(for: request)
    }
}
