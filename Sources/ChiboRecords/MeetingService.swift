import ChiboDomain
import ChiboModel
import ChiboServer
import ChiboStore

/// Meetings over the wire: record with attendance, amend, get (any revision) and list.
public struct MeetingService: Sendable {
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
        registry.registerUnary(.meetingsRecord) { (request: RecordMeetingRequest, _) in
            try await service.record(request)
        }
        registry.registerUnary(.meetingsAmend) { (request: AmendMeetingRequest, _) in try await service.amend(request) }
        registry.registerUnary(.meetingsGet) { (request: GetMeetingRequest, _) in try await service.get(request) }
        registry.registerUnary(.meetingsUpdateResolution) { (request: UpdateResolutionRequest, _) in
            try await service.updateResolution(request)
        }
        registry.registerServerStreaming(.meetingsListResolutions) {
            (request: ListResolutionsRequest, stream: ResponseStream<Resolution>, _) -> PageEnd in
            try await service.listResolutions(request, stream)
        }
        registry.registerServerStreaming(.meetingsList) {
            (request: ListMeetingsRequest, stream: ResponseStream<Meeting>, _) -> PageEnd in
            try await service.list(request, stream)
        }
    }

    func record(_ request: RecordMeetingRequest) async throws -> MeetingResponse {
        var violations = Violations()
        guard let meeting = request.meeting else {
            violations.add("meeting", "required")
            try violations.throwIfAny()
            return MeetingResponse()
        }
        MeetingChecks.check(meeting, prefix: "meeting.", into: &violations)
        if meeting.meta != nil { violations.add("meeting.meta", "set by the server; leave it out") }
        try violations.throwIfAny()
        let stored = try await StoreErrors.mapping {
            try await store.recordMeeting(
                meeting,
                partialAttendance: request.partialAttendance,
                context: clock.mutationContext(for: request)
            )
        }
        return MeetingResponse(meeting: stored)
    }

    func amend(_ request: AmendMeetingRequest) async throws -> MeetingResponse {
        var violations = Violations()
        let meeting = request.meeting ?? Meeting()
        if request.meeting == nil { violations.add("meeting", "required") }
        if meeting.id.isEmpty { violations.add("meeting.id", "required") }
        if (meeting.meta?.revision ?? 0) <= 0 {
            violations.add("meeting.meta.revision", "required: the revision you read")
        }
        let paths = request.updateMask?.paths ?? []
        if paths.isEmpty { violations.add("update_mask", "required: name the fields to change") }
        for (index, path) in paths.enumerated() where !FieldMasks.meetingAmendable.contains(path) {
            violations.add("update_mask.paths[\(index)]", "\(path) cannot be amended")
        }
        try violations.throwIfAny()
        var dryRun = clock.mutationContext(for: request)
        dryRun.validateOnly = true
        let merged = try await StoreErrors.mapping {
            try await store.amendMeeting(meeting, mask: paths, context: dryRun)
        }
        MeetingChecks.check(merged, prefix: "meeting.", into: &violations)
        try violations.throwIfAny()
        if request.options?.validateOnly == true { return MeetingResponse(meeting: merged) }
        let amended = try await StoreErrors.mapping {
            try await store.amendMeeting(meeting, mask: paths, context: clock.mutationContext(for: request))
        }
        return MeetingResponse(meeting: amended)
    }

    func get(_ request: GetMeetingRequest) async throws -> MeetingResponse {
        var violations = Violations()
        if request.id.isEmpty { violations.add("id", "required") }
        if request.revision < 0 { violations.add("revision", "a revision number, or 0 for the current one") }
        try violations.throwIfAny()
        let found = try await StoreErrors.mapping {
            try await store.meeting(id: request.id, revision: request.revision == 0 ? nil : request.revision)
        }
        guard let meeting = found else {
            let which = request.revision == 0 ? "" : " at revision \(request.revision)"
            throw CallError(.notFound, "meeting \(request.id)\(which) does not exist")
        }
        return MeetingResponse(meeting: meeting)
    }

    func list(_ request: ListMeetingsRequest, _ stream: ResponseStream<Meeting>) async throws -> PageEnd {
        var violations = Violations()
        let (pageSize, token) = violations.page(request.page)
        violations.checkDate(request.from, "from")
        violations.checkDate(request.to, "to")
        if request.kind.rawValue != 0 && request.kind.protoName == nil { violations.add("kind", "not a meeting kind") }
        try violations.throwIfAny()
        try await MemberService.requireUnits([request.cellId, request.subtreeOf], store: store)
        let query = MeetingQuery(
            cellID: request.cellId.isEmpty ? nil : request.cellId,
            subtreeOf: request.subtreeOf.isEmpty ? nil : request.subtreeOf,
            from: request.from,
            to: request.to,
            kind: request.kind.rawValue == 0 ? nil : request.kind,
            includeVoided: request.includeVoided,
            pageSize: pageSize,
            pageToken: token
        )
        let page = try await StoreErrors.mapping { try await store.listMeetings(query) }
        for meeting in page.records { try await stream.send(meeting) }
        return PageEnd(nextPageToken: page.nextPageToken)
    }

    func updateResolution(_ request: UpdateResolutionRequest) async throws -> ResolutionResponse {
        var violations = Violations()
        var resolution = request.resolution ?? Resolution()
        if request.resolution == nil { violations.add("resolution", "required") }
        if resolution.id.isEmpty { violations.add("resolution.id", "required") }
        if (resolution.meta?.revision ?? 0) <= 0 {
            violations.add("resolution.meta.revision", "required: the revision you read")
        }
        var paths = request.updateMask?.paths ?? []
        if paths.isEmpty { violations.add("update_mask", "required: name the fields to change") }
        for (index, path) in paths.enumerated() where !FieldMasks.resolutionUpdatable.contains(path) {
            violations.add("update_mask.paths[\(index)]", "\(path) cannot be updated")
        }
        if paths.contains("status") && (resolution.status.rawValue == 0 || resolution.status.protoName == nil) {
            violations.add("resolution.status", "required: open, in progress, done or cancelled")
        }
        violations.checkDate(resolution.dueOn, "resolution.due_on")
        violations.checkDate(resolution.closedOn, "resolution.closed_on")
        try violations.throwIfAny()
        // A resolution done or cancelled without a closing date closes today.
        if paths.contains("status"), resolution.status == .done || resolution.status == .cancelled,
            !paths.contains("closed_on")
        {
            resolution.closedOn = clock.today()
            paths.append("closed_on")
        }
        let updated = try await StoreErrors.mapping {
            try await store.updateResolution(resolution, mask: paths, context: clock.mutationContext(for: request))
        }
        return ResolutionResponse(resolution: updated)
    }

    func listResolutions(
        _ request: ListResolutionsRequest,
        _ stream: ResponseStream<Resolution>
    ) async throws -> PageEnd {
        var violations = Violations()
        let (pageSize, token) = violations.page(request.page)
        violations.checkDate(request.dueBefore, "due_before")
        for (index, status) in request.statuses.enumerated() where status.protoName == nil || status.rawValue == 0 {
            violations.add("statuses[\(index)]", "\(status.rawValue) is not a resolution status")
        }
        try violations.throwIfAny()
        let query = ResolutionQuery(
            subtreeOf: request.subtreeOf.isEmpty ? nil : request.subtreeOf,
            statuses: request.statuses,
            dueBefore: request.dueBefore,
            pageSize: pageSize,
            pageToken: token
        )
        let page = try await StoreErrors.mapping { try await store.listResolutions(query) }
        for resolution in page.records { try await stream.send(resolution) }
        return PageEnd(nextPageToken: page.nextPageToken)
    }
}
