import ChiboDomain
import ChiboModel
import ChiboReports
import ChiboServer
import ChiboStore

/// Rule sets over the wire: create, get, list, resolve for a unit and date, void.
public struct RuleService: Sendable {
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
        registry.registerUnary(.rulesCreate) { (request: CreateRuleSetRequest, _) in try await service.create(request) }
        registry.registerUnary(.rulesGet) { (request: GetRuleSetRequest, _) in
            var violations = Violations()
            if request.id.isEmpty { violations.add("id", "required") }
            try violations.throwIfAny()
            guard let found = try await StoreErrors.mapping({ try await service.store.ruleSet(id: request.id) }) else {
                throw CallError(.notFound, "rule set \(request.id) does not exist")
            }
            return RuleSetResponse(ruleSet: found)
        }
        registry.registerServerStreaming(.rulesList) {
            (request: ListRuleSetsRequest, stream: ResponseStream<RuleSet>, _) -> PageEnd in
            try await service.list(request, stream)
        }
        registry.registerUnary(.rulesResolve) { (request: ResolveRulesRequest, _) in try await service.resolve(request)
        }
        registry.registerUnary(.rulesVoidRecord) { (request: VoidRequest, _) in
            let context = try VoidHandlers(store: service.store, clock: service.clock).validated(request)
            return RuleSetResponse(
                ruleSet: try await StoreErrors.mapping {
                    try await service.store.voidRuleSet(
                        id: request.id,
                        revision: request.revision,
                        reason: request.reason,
                        context: context
                    )
                }
            )
        }
    }

    /// Checks a rule set: a national set gives every required threshold; a scoped one at least
    /// one; shares are basis points (0–10000), scores 0–100 in descending bands.
    static func validate(_ rules: RuleSet, into violations: inout Violations) {
        let prefix = "rule_set."
        if rules.effectiveFrom == nil {
            violations.add(prefix + "effective_from", "required")
        } else {
            violations.checkDate(rules.effectiveFrom, prefix + "effective_from")
        }
        let shares: [(Int32, String)] = [
            (rules.goodAttendanceBp, "good_attendance_bp"), (rules.excellentMemberCapBp, "excellent_member_cap_bp"),
            (rules.excellentCellMinGoodBp, "excellent_cell_min_good_bp"),
        ]
        for (value, field) in shares where !(0...10_000).contains(value) {
            violations.add(prefix + field, "basis points, 0 to 10000 (8500 = 85%)")
        }
        let counts: [(Int32, String, ClosedRange<Int32>)] = [
            (rules.thematicEveryMonths, "thematic_every_months", 0...12),
            (rules.regularEveryMonths, "regular_every_months", 0...12),
            (rules.minMeetingMinutes, "min_meeting_minutes", 0...1440),
            (rules.minCombinedMeetingMinutes, "min_combined_meeting_minutes", 0...1440),
            (rules.probationMonths, "probation_months", 0...120),
            (rules.maxExcusedAbsencesInRow, "max_excused_absences_in_row", 0...100),
            (rules.unexcusedMonthsAtRisk, "unexcused_months_at_risk", 0...12),
        ]
        for (value, field, range) in counts where !range.contains(value) {
            violations.add(prefix + field, "must be \(range.lowerBound) to \(range.upperBound)")
        }
        if rules.excellentCapBase.protoName == nil { violations.add(prefix + "excellent_cap_base", "not a cap base") }
        let scores = [rules.scoreExcellentMin, rules.scoreGoodMin, rules.scoreCompletedMin]
        for (value, field) in zip(scores, ["score_excellent_min", "score_good_min", "score_completed_min"])
        where !(0...100).contains(value) || value.isNaN {
            violations.add(prefix + field, "a score from 0 to 100")
        }
        if scores.contains(where: { $0 != 0 }) {
            if !(rules.scoreExcellentMin > rules.scoreGoodMin && rules.scoreGoodMin > rules.scoreCompletedMin
                && rules.scoreCompletedMin > 0)
            {
                violations.add(prefix + "score_excellent_min", "bands must give excellent > good > completed > 0")
            }
        }
        if rules.scopeUnitId.isEmpty {
            let required: [(Int32, String)] = [
                (rules.goodAttendanceBp, "good_attendance_bp"), (rules.thematicEveryMonths, "thematic_every_months"),
                (rules.regularEveryMonths, "regular_every_months"), (rules.probationMonths, "probation_months"),
                (rules.maxExcusedAbsencesInRow, "max_excused_absences_in_row"),
                (rules.unexcusedMonthsAtRisk, "unexcused_months_at_risk"),
            ]
            for (value, field) in required where value == 0 {
                violations.add(prefix + field, "required in a national rule set (empty scope_unit_id)")
            }
        } else {
            var bare = rules
            bare.id = ""
            bare.scopeUnitId = ""
            bare.effectiveFrom = nil
            bare.source = ""
            bare.meta = nil
            if bare == RuleSet() {
                violations.add(prefix + "good_attendance_bp", "a scoped rule set must give at least one threshold")
            }
        }
    }

    func create(_ request: CreateRuleSetRequest) async throws -> RuleSetResponse {
        var violations = Violations()
        guard let rules = request.ruleSet else {
            violations.add("rule_set", "required")
            try violations.throwIfAny()
            return RuleSetResponse()
        }
        Self.validate(rules, into: &violations)
        if rules.meta != nil { violations.add("rule_set.meta", "set by the server; leave it out") }
        try violations.throwIfAny()
        let stored = try await StoreErrors.mapping {
            try await store.createRuleSet(rules, context: clock.mutationContext(for: request))
        }
        return RuleSetResponse(ruleSet: stored)
    }

    func list(_ request: ListRuleSetsRequest, _ stream: ResponseStream<RuleSet>) async throws -> PageEnd {
        var violations = Violations()
        let (pageSize, token) = violations.page(request.page)
        if request.nationalOnly && !request.scopeUnitId.isEmpty {
            violations.add("national_only", "cannot be combined with scope_unit_id")
        }
        try violations.throwIfAny()
        let query = RuleSetQuery(
            scopeUnitID: request.scopeUnitId.isEmpty ? nil : request.scopeUnitId,
            nationalOnly: request.nationalOnly,
            includeVoided: request.includeVoided,
            pageSize: pageSize,
            pageToken: token
        )
        let page = try await StoreErrors.mapping { try await store.listRuleSets(query) }
        for rules in page.records { try await stream.send(rules) }
        return PageEnd(nextPageToken: page.nextPageToken)
    }

    func resolve(_ request: ResolveRulesRequest) async throws -> ResolveRulesResponse {
        var violations = Violations()
        if request.unitId.isEmpty { violations.add("unit_id", "required") }
        violations.checkDate(request.on, "on")
        try violations.throwIfAny()
        let date = request.on ?? clock.today()
        let (_, book) = try await ReportService.mapping {
            try await Oversight(store: store).context(rootID: request.unitId)
        }
        let effective = book.rules(for: request.unitId, on: date)
        return ResolveRulesResponse(effective: effective.rules, applied: effective.applied)
    }
}
