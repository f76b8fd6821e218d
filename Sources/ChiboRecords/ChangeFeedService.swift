import ChiboModel
import ChiboServer
import ChiboStore

/// The change feed over the wire: every change after a cursor, then (when following) each new
/// change as it is committed.
public struct ChangeFeedService: Sendable {
    let store: any Store

    /// Creates the service over a store.
    public init(store: any Store) {
        self.store = store
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
                try await stream.send(event)
                cursor = event.seq
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
                member: try await StoreErrors.mapping {
                    try await handlers.store.voidMember(
                        id: request.id,
                        revision: request.revision,
                        reason: request.reason,
                        context: context
                    )
                }
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
        return clock.mutationContext(request.options)
    }
}
