import ChiboDomain
import ChiboModel
import ChiboReports
import ChiboServer
import ChiboStore

/// Yearly evaluations over the wire: create, update, get, list, void.
public struct EvaluationService: Sendable {
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
        registry.registerUnary(.evaluationsCreate) { (request: CreateEvaluationRequest, _) in
            try await service.create(request)
        }
        registry.registerUnary(.evaluationsUpdate) { (request: UpdateEvaluationRequest, _) in
            try await service.update(request)
        }
        registry.registerUnary(.evaluationsGet) { (request: GetEvaluationRequest, _) in
            var violations = Violations()
            if request.id.isEmpty { violations.add("id", "required") }
            try violations.throwIfAny()
            guard let found = try await StoreErrors.mapping({ try await service.store.evaluation(id: request.id) })
            else {
                throw CallError(.notFound, "evaluation \(request.id) does not exist")
            }
            return EvaluationResponse(evaluation: found)
        }
        registry.registerServerStreaming(.evaluationsList) {
            (request: ListEvaluationsRequest, stream: ResponseStream<Evaluation>, _) -> PageEnd in
            try await service.list(request, stream)
        }
        registry.registerUnary(.evaluationsVoidRecord) { (request: VoidRequest, _) in
            let context = try VoidHandlers(store: service.store, clock: service.clock).validated(request)
            return EvaluationResponse(
                evaluation: try await StoreErrors.mapping {
                    try await service.store.voidEvaluation(
                        id: request.id,
                        revision: request.revision,
                        reason: request.reason,
                        context: context
                    )
                }
            )
        }
    }

    /// A score needs the 100-point bands of the rules in force at the end of the year.
    func checkScoreBands(_ evaluation: Evaluation, into violations: inout Violations) async throws {
        guard case .score = evaluation.result else { return }
        var unitID = evaluation.subject == .orgUnit ? evaluation.subjectId : evaluation.cellId
        if unitID.isEmpty, evaluation.subject == .member {
            unitID = try await StoreErrors.mapping { try await store.member(id: evaluation.subjectId)?.cellId } ?? ""
        }
        guard !unitID.isEmpty else { return }
        let (_, book) = try await ReportService.mapping { try await Oversight(store: store).context(rootID: unitID) }
        let rules = book.rules(for: unitID, on: CalendarDate(year: evaluation.year, month: 12, day: 31))
        if rules.rules.scoreExcellentMin == 0 {
            violations.add(
                "evaluation.score",
                "the rules for \(evaluation.year) (\(rules.sources)) grade without the 100-point scale; give a grade"
            )
        }
    }

    func create(_ request: CreateEvaluationRequest) async throws -> EvaluationResponse {
        var violations = Violations()
        guard let evaluation = request.evaluation else {
            violations.add("evaluation", "required")
            try violations.throwIfAny()
            return EvaluationResponse()
        }
        EvaluationChecks.check(evaluation, prefix: "evaluation.", into: &violations)
        if evaluation.meta != nil { violations.add("evaluation.meta", "set by the server; leave it out") }
        try violations.throwIfAny()
        try await checkScoreBands(evaluation, into: &violations)
        try violations.throwIfAny()
        let stored = try await StoreErrors.mapping {
            try await store.createEvaluation(evaluation, context: clock.mutationContext(for: request))
        }
        return EvaluationResponse(evaluation: stored)
    }

    func update(_ request: UpdateEvaluationRequest) async throws -> EvaluationResponse {
        var violations = Violations()
        let evaluation = request.evaluation ?? Evaluation()
        if request.evaluation == nil { violations.add("evaluation", "required") }
        if evaluation.id.isEmpty { violations.add("evaluation.id", "required") }
        if (evaluation.meta?.revision ?? 0) <= 0 {
            violations.add("evaluation.meta.revision", "required: the revision you read")
        }
        let paths = request.updateMask?.paths ?? []
        if paths.isEmpty { violations.add("update_mask", "required: name the fields to change") }
        for (index, path) in paths.enumerated() where !FieldMasks.evaluationUpdatable.contains(path) {
            violations.add("update_mask.paths[\(index)]", "\(path) cannot be updated")
        }
        try violations.throwIfAny()
        var dryRun = clock.mutationContext(for: request)
        dryRun.validateOnly = true
        let merged = try await StoreErrors.mapping {
            try await store.updateEvaluation(evaluation, mask: paths, context: dryRun)
        }
        EvaluationChecks.check(merged, prefix: "evaluation.", into: &violations)
        try violations.throwIfAny()
        try await checkScoreBands(merged, into: &violations)
        try violations.throwIfAny()
        if request.options?.validateOnly == true { return EvaluationResponse(evaluation: merged) }
        let updated = try await StoreErrors.mapping {
            try await store.updateEvaluation(evaluation, mask: paths, context: clock.mutationContext(for: request))
        }
        return EvaluationResponse(evaluation: updated)
    }

    func list(_ request: ListEvaluationsRequest, _ stream: ResponseStream<Evaluation>) async throws -> PageEnd {
        var violations = Violations()
        let (pageSize, token) = violations.page(request.page)
        if request.subject.rawValue != 0 && request.subject.protoName == nil {
            violations.add("subject", "not an evaluation subject")
        }
        try violations.throwIfAny()
        let query = EvaluationQuery(
            year: request.year == 0 ? nil : request.year,
            subtreeOf: request.subtreeOf.isEmpty ? nil : request.subtreeOf,
            subject: request.subject.rawValue == 0 ? nil : request.subject,
            subjectID: request.subjectId.isEmpty ? nil : request.subjectId,
            includeVoided: request.includeVoided,
            pageSize: pageSize,
            pageToken: token
        )
        let page = try await StoreErrors.mapping { try await store.listEvaluations(query) }
        for evaluation in page.records { try await stream.send(evaluation) }
        return PageEnd(nextPageToken: page.nextPageToken)
    }
}
