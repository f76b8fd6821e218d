import ChiboAccess
import ChiboClient
import ChiboCodec
import ChiboModel
import ChiboTesting
import Foundation
import Testing

/// Every method × every role × a target inside and outside the token's scope, through the real
/// server: the gate lets through exactly what the policy says and refuses the rest with
/// PERMISSION_DENIED. Mutations are sent as dry runs (`validate_only`), so the fixture never
/// changes between cases.
@Suite struct RoleMatrixTests {
    /// Who may pass, by kind of method.
    enum Kind: CaseIterable {
        case open, signedIn, readers, audit, read, write, meetings, adminOnly, feed, importers

        /// Whether `role` passes with a target inside (or outside) its scope.
        func allows(_ role: Role, inside: Bool) -> Bool {
            switch self {
            case .open, .signedIn: true
            case .readers, .feed: role != .auditor
            case .audit: role == .admin || role == .auditor
            case .adminOnly: role == .admin
            case .importers: role == .admin || role == .officer
            case .read: role == .admin || (inside && [.officer, .viewer, .secretary].contains(role))
            case .write: role == .admin || (inside && role == .officer)
            case .meetings: role == .admin || (inside && [.officer, .secretary].contains(role))
            }
        }
    }

    typealias Call = @Sendable (ChiboClient, AccessHarness.Ids, Bool) async throws -> Void

    struct Case: Sendable {
        var method: Method
        var kind: Kind
        var call: Call
    }

    static let dryRun = MutationOptions(validateOnly: true)

    static func unary<Request: ProtoMessage, Response: ProtoMessage>(
        _ method: Method,
        _ type: Response.Type,
        _ request: @escaping @Sendable (AccessHarness.Ids, Bool) -> Request
    ) -> Call {
        { client, ids, inside in _ = try await client.unary(method, request(ids, inside), as: type) }
    }

    static func stream<Request: ProtoMessage, Response: ProtoMessage>(
        _ method: Method,
        _ type: Response.Type,
        _ request: @escaping @Sendable (AccessHarness.Ids, Bool) -> Request
    ) -> Call {
        { client, ids, inside in
            for try await _ in try await client.serverStream(method, request(ids, inside), as: type) { break }
        }
    }

    static func cell(_ inside: Bool) -> String { inside ? "bo" : "na" }
    static func member(_ inside: Bool) -> String { inside ? "b1" : "n1" }
    static func void(_ id: String) -> VoidRequest { VoidRequest(options: dryRun, id: id, revision: 1, reason: "thử") }
    static let range = (day(2025, 1, 1), day(2025, 12, 31))

    static let cases: [Case] = [
        Case(
            method: .healthCheck,
            kind: .open,
            call: unary(.healthCheck, HealthCheckResponse.self) { _, _ in HealthCheckRequest() }
        ),
        Case(
            method: .healthWatch,
            kind: .open,
            call: stream(.healthWatch, HealthCheckResponse.self) { _, _ in HealthCheckRequest() }
        ),
        Case(
            method: .serverInfoGet,
            kind: .signedIn,
            call: unary(.serverInfoGet, ServerInfoResponse.self) { _, _ in ServerInfoRequest() }
        ),
        Case(
            method: .orgUnitsCreate,
            kind: .write,
            call: unary(.orgUnitsCreate, OrgUnitResponse.self) { _, inside in
                CreateOrgUnitRequest(
                    options: dryRun,
                    unit: OrgUnit(name: "Tổ đảng 1", kind: .partyGroup, parentId: cell(inside))
                )
            }
        ),
        Case(
            method: .orgUnitsUpdate,
            kind: .write,
            call: unary(.orgUnitsUpdate, OrgUnitResponse.self) { _, inside in
                UpdateOrgUnitRequest(
                    options: dryRun,
                    unit: OrgUnit(id: cell(inside), note: "ghi chú", meta: RecordMeta(revision: 1)),
                    updateMask: FieldMask(paths: ["note"])
                )
            }
        ),
        Case(
            method: .orgUnitsGet,
            kind: .read,
            call: unary(.orgUnitsGet, OrgUnitResponse.self) { _, inside in GetOrgUnitRequest(id: cell(inside)) }
        ),
        Case(
            method: .orgUnitsList,
            kind: .read,
            call: stream(.orgUnitsList, OrgUnit.self) { _, inside in ListOrgUnitsRequest(subtreeOf: cell(inside)) }
        ),
        Case(
            method: .orgUnitsMove,
            kind: .write,
            call: unary(.orgUnitsMove, OrgUnitResponse.self) { _, inside in
                MoveOrgUnitRequest(
                    options: dryRun,
                    id: cell(inside),
                    revision: 1,
                    newParentId: inside ? "mb" : "cm",
                    effectiveOn: day(2026, 1, 1)
                )
            }
        ),
        Case(
            method: .orgUnitsMerge,
            kind: .write,
            call: unary(.orgUnitsMerge, OrgUnitsResponse.self) { _, inside in
                MergeOrgUnitsRequest(
                    options: dryRun,
                    sourceIds: [cell(inside)],
                    successor: OrgUnit(name: "Chi bộ mới", kind: .cell, parentId: inside ? "mb" : "cm"),
                    effectiveOn: day(2026, 1, 1)
                )
            }
        ),
        Case(
            method: .orgUnitsSplit,
            kind: .write,
            call: unary(.orgUnitsSplit, OrgUnitsResponse.self) { _, inside in
                SplitOrgUnitRequest(options: dryRun, sourceId: cell(inside), effectiveOn: day(2026, 1, 1))
            }
        ),
        Case(
            method: .orgUnitsAssignSupervisor,
            kind: .write,
            call: unary(.orgUnitsAssignSupervisor, OrgUnitResponse.self) { _, inside in
                AssignSupervisorRequest(
                    options: dryRun,
                    unitId: cell(inside),
                    assignment: SupervisorAssignment(
                        memberId: "a1",
                        valid: DateRange(from: day(2025, 1, 1))
                    )
                )
            }
        ),
        Case(
            method: .orgUnitsEndSupervisor,
            kind: .write,
            call: unary(.orgUnitsEndSupervisor, OrgUnitResponse.self) { _, inside in
                EndSupervisorRequest(
                    options: dryRun,
                    unitId: cell(inside),
                    assignmentId: "none",
                    endedOn: day(2026, 1, 1)
                )
            }
        ),
        Case(
            method: .orgUnitsVoidRecord,
            kind: .write,
            call: unary(.orgUnitsVoidRecord, OrgUnitResponse.self) { _, inside in void(cell(inside)) }
        ),
        Case(
            method: .membersCreate,
            kind: .write,
            call: unary(.membersCreate, MemberResponse.self) { _, inside in
                CreateMemberRequest(
                    options: dryRun,
                    member: Member(
                        fullName: "Lò Thị Mới",
                        cellId: cell(inside),
                        events: [StatusEvent(kind: .admitted, effectiveOn: day(2025, 1, 1))]
                    )
                )
            }
        ),
        Case(
            method: .membersUpdate,
            kind: .write,
            call: unary(.membersUpdate, MemberResponse.self) { _, inside in
                UpdateMemberRequest(
                    options: dryRun,
                    member: Member(id: member(inside), note: "ghi chú", meta: RecordMeta(revision: 1)),
                    updateMask: FieldMask(paths: ["note"])
                )
            }
        ),
        Case(
            method: .membersGet,
            kind: .read,
            call: unary(.membersGet, MemberResponse.self) { _, inside in GetMemberRequest(id: member(inside)) }
        ),
        Case(
            method: .membersList,
            kind: .read,
            call: stream(.membersList, Member.self) { _, inside in ListMembersRequest(cellId: cell(inside)) }
        ),
        Case(
            method: .membersAddStatusEvent,
            kind: .write,
            call: unary(.membersAddStatusEvent, MemberResponse.self) { _, inside in
                AddStatusEventRequest(
                    options: dryRun,
                    memberId: member(inside),
                    revision: 1,
                    event: StatusEvent(kind: .madeOfficial, effectiveOn: day(2001, 1, 1))
                )
            }
        ),
        Case(
            method: .membersVoidRecord,
            kind: .write,
            call: unary(.membersVoidRecord, MemberResponse.self) { _, inside in void(member(inside)) }
        ),
        Case(
            method: .meetingsRecord,
            kind: .meetings,
            call: unary(.meetingsRecord, MeetingResponse.self) { _, inside in
                RecordMeetingRequest(
                    options: dryRun,
                    meeting: Meeting(
                        cellId: cell(inside),
                        heldOn: day(2025, 4, 3),
                        kind: .regular,
                        attendance: [AttendanceRecord(memberId: member(inside), state: .present)]
                    )
                )
            }
        ),
        Case(
            method: .meetingsAmend,
            kind: .meetings,
            call: unary(.meetingsAmend, MeetingResponse.self) { ids, inside in
                AmendMeetingRequest(
                    options: dryRun,
                    meeting: Meeting(
                        id: inside ? ids.meetingBo : ids.meetingNa,
                        place: "Nhà văn hóa",
                        meta: RecordMeta(revision: 1)
                    ),
                    updateMask: FieldMask(paths: ["place"])
                )
            }
        ),
        Case(
            method: .meetingsGet,
            kind: .read,
            call: unary(.meetingsGet, MeetingResponse.self) { ids, inside in
                GetMeetingRequest(id: inside ? ids.meetingBo : ids.meetingNa)
            }
        ),
        Case(
            method: .meetingsList,
            kind: .read,
            call: stream(.meetingsList, Meeting.self) { _, inside in ListMeetingsRequest(cellId: cell(inside)) }
        ),
        Case(
            method: .meetingsVoidRecord,
            kind: .meetings,
            call: unary(.meetingsVoidRecord, MeetingResponse.self) { ids, inside in
                void(inside ? ids.meetingBo : ids.meetingNa)
            }
        ),
        Case(
            method: .meetingsUpdateResolution,
            kind: .meetings,
            call: unary(.meetingsUpdateResolution, ResolutionResponse.self) { ids, inside in
                UpdateResolutionRequest(
                    options: dryRun,
                    resolution: Resolution(
                        id: inside ? ids.resolutionBo : ids.resolutionNa,
                        status: .inProgress,
                        meta: RecordMeta(revision: 1)
                    ),
                    updateMask: FieldMask(paths: ["status"])
                )
            }
        ),
        Case(
            method: .meetingsListResolutions,
            kind: .read,
            call: stream(.meetingsListResolutions, Resolution.self) { _, inside in
                ListResolutionsRequest(subtreeOf: cell(inside))
            }
        ),
        Case(
            method: .changesFollow,
            kind: .feed,
            call: stream(.changesFollow, ChangeEvent.self) { _, _ in FollowChangesRequest() }
        ),
        Case(
            method: .rulesCreate,
            kind: .write,
            call: unary(.rulesCreate, RuleSetResponse.self) { _, inside in
                CreateRuleSetRequest(
                    options: dryRun,
                    ruleSet: RuleSet(
                        scopeUnitId: cell(inside),
                        effectiveFrom: day(2026, 1, 1),
                        goodAttendanceBp: 9500
                    )
                )
            }
        ),
        Case(
            method: .rulesGet,
            kind: .readers,
            call: unary(.rulesGet, RuleSetResponse.self) { ids, _ in GetRuleSetRequest(id: ids.rulesCm) }
        ),
        Case(
            method: .rulesList,
            kind: .readers,
            call: stream(.rulesList, RuleSet.self) { _, _ in ListRuleSetsRequest() }
        ),
        Case(
            method: .rulesResolve,
            kind: .read,
            call: unary(.rulesResolve, ResolveRulesResponse.self) { _, inside in
                ResolveRulesRequest(unitId: cell(inside))
            }
        ),
        Case(
            method: .rulesVoidRecord,
            kind: .write,
            call: unary(.rulesVoidRecord, RuleSetResponse.self) { ids, inside in
                void(inside ? ids.rulesMb : ids.rulesCm)
            }
        ),
        Case(
            method: .evaluationsCreate,
            kind: .write,
            call: unary(.evaluationsCreate, EvaluationResponse.self) { _, inside in
                CreateEvaluationRequest(
                    options: dryRun,
                    evaluation: Evaluation(
                        subject: .member,
                        subjectId: member(inside),
                        year: 2024,
                        result: .grade(.good)
                    )
                )
            }
        ),
        Case(
            method: .evaluationsUpdate,
            kind: .write,
            call: unary(.evaluationsUpdate, EvaluationResponse.self) { ids, inside in
                UpdateEvaluationRequest(
                    options: dryRun,
                    evaluation: Evaluation(
                        id: inside ? ids.evaluationBo : ids.evaluationNa,
                        note: "ghi chú",
                        meta: RecordMeta(revision: 1)
                    ),
                    updateMask: FieldMask(paths: ["note"])
                )
            }
        ),
        Case(
            method: .evaluationsGet,
            kind: .read,
            call: unary(.evaluationsGet, EvaluationResponse.self) { ids, inside in
                GetEvaluationRequest(id: inside ? ids.evaluationBo : ids.evaluationNa)
            }
        ),
        Case(
            method: .evaluationsList,
            kind: .read,
            call: stream(.evaluationsList, Evaluation.self) { _, inside in
                ListEvaluationsRequest(subtreeOf: cell(inside))
            }
        ),
        Case(
            method: .evaluationsVoidRecord,
            kind: .write,
            call: unary(.evaluationsVoidRecord, EvaluationResponse.self) { ids, inside in
                void(inside ? ids.evaluationBo : ids.evaluationNa)
            }
        ),
        Case(
            method: .reportsAttendance,
            kind: .read,
            call: stream(.reportsAttendance, AttendanceRow.self) { _, inside in
                AttendanceReportRequest(unitId: cell(inside), from: range.0, to: range.1, period: .year)
            }
        ),
        Case(
            method: .reportsRegularity,
            kind: .read,
            call: stream(.reportsRegularity, Flag.self) { _, inside in
                RegularityReportRequest(unitId: cell(inside), from: range.0, to: range.1)
            }
        ),
        Case(
            method: .reportsAbsences,
            kind: .read,
            call: stream(.reportsAbsences, Flag.self) { _, inside in
                AbsenceReportRequest(unitId: cell(inside), year: 2025)
            }
        ),
        Case(
            method: .reportsParticipation,
            kind: .read,
            call: stream(.reportsParticipation, ParticipationRow.self) { _, inside in
                ParticipationReportRequest(unitId: cell(inside), from: range.0, to: range.1)
            }
        ),
        Case(
            method: .reportsGrading,
            kind: .read,
            call: stream(.reportsGrading, GradingRow.self) { _, inside in
                GradingReportRequest(unitId: cell(inside), year: 2024)
            }
        ),
        Case(
            method: .reportsDue,
            kind: .read,
            call: stream(.reportsDue, Flag.self) { _, inside in DueReportRequest(unitId: cell(inside), on: range.1) }
        ),
        Case(
            method: .reportsOverview,
            kind: .read,
            call: unary(.reportsOverview, OverviewReport.self) { _, inside in
                OverviewRequest(unitId: cell(inside), year: 2025)
            }
        ),
        Case(
            method: .auditList,
            kind: .audit,
            call: stream(.auditList, AuditEntry.self) { _, _ in ListAuditRequest() }
        ),
        Case(
            method: .auditVerify,
            kind: .audit,
            call: unary(.auditVerify, VerifyAuditResponse.self) { _, _ in VerifyAuditRequest() }
        ),
        Case(
            method: .importRun,
            kind: .importers,
            call: { client, _, inside in
                let header = ImportHeader(
                    importId: UUID().uuidString,
                    entity: .members,
                    onConflict: .skip,
                    dryRun: true
                )
                let row = ImportRow(
                    rowNumbers: [2],
                    unitRef: inside ? "MB-BO" : "CM-NA",
                    record: .member(Member(partyCardNumber: "090001", fullName: "Thử Nghiệm"))
                )
                let requests = AsyncStream<RunImportRequest> { continuation in
                    continuation.yield(RunImportRequest(message: .header(header)))
                    continuation.yield(RunImportRequest(message: .batch(ImportBatch(batchNumber: 1, rows: [row]))))
                    continuation.finish()
                }
                _ = try await client.clientStream(.importRun, requests: requests, as: RunImportResponse.self)
            }
        ),
        Case(
            method: .importStatus,
            kind: .importers,
            call: unary(.importStatus, ImportCheckpoint.self) { _, _ in
                GetImportStatusRequest(importId: "00000000-0000-0000-0000-000000000000")
            }
        ),
        Case(
            method: .importUndo,
            kind: .importers,
            call: unary(.importUndo, UndoImportResponse.self) { _, _ in
                UndoImportRequest(importId: "00000000-0000-0000-0000-000000000000", dryRun: true)
            }
        ),
        Case(
            method: .importListRejections,
            kind: .importers,
            call: stream(.importListRejections, RowRejection.self) { _, _ in
                ListImportRejectionsRequest(importId: "00000000-0000-0000-0000-000000000000")
            }
        ),
    ]

    @Test func theTableCoversEveryMethod() {
        let covered = Set(Self.cases.map(\.method))
        let all = Set(Method.allCases.filter { $0 != .unspecified })
        #expect(all.subtracting(covered).isEmpty, "methods without a case: \(all.subtracting(covered))")
    }

    @Test(arguments: AccessBackend.all)
    func everyMethodEveryRoleInsideAndOutside(backend: AccessBackend) async throws {
        try await AccessHarness.with(backend: backend) { harness in
            var checked = 0
            for role in Role.allCases {
                let client = harness.client(role)
                for entry in Self.cases {
                    for inside in [true, false] {
                        // Records outside the scope exist: the gate answers them as absent.
                        let absent = role != .admin && !inside && [.read, .write, .meetings].contains(entry.kind)
                        let outcome = await Outcome.of(absentMeansRefused: absent) {
                            try await entry.call(client, harness.ids, inside)
                        }
                        let allowed = entry.kind.allows(role, inside: inside)
                        let place = inside ? "inside" : "outside"
                        #expect(
                            outcome.wasRefused == !allowed,
                            "\(role) \(entry.method) \(place): \(outcome), expected \(allowed ? "through" : "refused")"
                        )
                        if outcome.wasRefused {
                            #expect(
                                outcome == .refused(.permissionDenied) || (absent && outcome == .refused(.notFound))
                            )
                        }
                        checked += 1
                    }
                }
                await client.close()
            }
            #expect(checked == Role.allCases.count * Self.cases.count * 2)
        }
    }

    @Test func withoutATokenOnlyHealthAnswers() async throws {
        try await AccessHarness.with { harness in
            let anonymous = harness.client(nil)
            for entry in Self.cases {
                let outcome = await Outcome.of { try await entry.call(anonymous, harness.ids, true) }
                if entry.kind == .open {
                    #expect(!outcome.wasRefused, "\(entry.method): \(outcome)")
                } else {
                    #expect(outcome == .refused(.unauthenticated), "\(entry.method): \(outcome)")
                }
            }
            await anonymous.close()
        }
    }
}
