import ChiboCodec
import ChiboModel
import ChiboServer
import ChiboStore

/// Who may call each method, on which units: the one table the gate enforces.
///
/// | need | roles |
/// | --- | --- |
/// | open | anyone, without a token (health) |
/// | signedIn | any valid token |
/// | read(units) | admin; officer, secretary and viewer within their scope |
/// | write(units) | admin; officer within their scope |
/// | meetings(units) | admin; officer and secretary within their scope |
/// | adminOnly | admin (units at the top of the tree, national rule sets) |
/// | audit | admin, auditor |
/// | importers | admin, officer (each imported row is checked against the officer's scope) |
/// | readList | read, with the list narrowed to the caller's scope when it names no unit |
enum Need {
    case open
    case signedIn
    case read([UnitRef])
    case write([UnitRef])
    case meetings([UnitRef])
    case adminOnly
    case audit
    case importers
    case readList(named: [String])
}

/// A unit a request touches, directly or through a record that belongs to it.
enum UnitRef {
    case unit(String)
    case unitCode(String)
    case member(String)
    case memberCard(String)
    case meeting(String)
    case resolution(String)
    case evaluation(String)
    case ruleSet(String)
}

enum AccessPolicy {
    /// Whether anyone may call the method without a token (health).
    static func isOpen(_ method: Method) -> Bool {
        method == .healthCheck || method == .healthWatch
    }

    /// The need of a call, from its method and decoded request.
    static func need(_ method: Method, _ request: any ProtoMessage) -> Need {
        switch (method, request) {
        case (.healthCheck, _), (.healthWatch, _): return .open
        case (.serverInfoGet, _), (.rulesGet, _), (.rulesList, _): return .signedIn
        case (.auditList, _), (.auditVerify, _): return .audit
        case (.importStatus, _), (.importUndo, _): return .importers

        case (.orgUnitsCreate, let request as CreateOrgUnitRequest):
            let parent = request.unit?.parentId ?? ""
            return parent.isEmpty ? .adminOnly : .write([.unit(parent)])
        case (.orgUnitsUpdate, let request as UpdateOrgUnitRequest): return .write([.unit(request.unit?.id ?? "")])
        case (.orgUnitsGet, let request as GetOrgUnitRequest):
            return .read([request.id.isEmpty ? .unitCode(request.code) : .unit(request.id)])
        case (.orgUnitsList, let request as ListOrgUnitsRequest):
            return .readList(named: [request.parentId, request.subtreeOf])
        case (.orgUnitsMove, let request as MoveOrgUnitRequest):
            return .write([.unit(request.id), .unit(request.newParentId)])
        case (.orgUnitsMerge, let request as MergeOrgUnitsRequest):
            let successor = request.successor ?? OrgUnit()
            if successor.parentId.isEmpty && successor.name.isEmpty && !successor.id.isEmpty {
                return .write(request.sourceIds.map(UnitRef.unit) + [.unit(successor.id)])
            }
            if successor.parentId.isEmpty { return .adminOnly }
            return .write(request.sourceIds.map(UnitRef.unit) + [.unit(successor.parentId)])
        case (.orgUnitsSplit, let request as SplitOrgUnitRequest): return .write([.unit(request.sourceId)])
        case (.orgUnitsAssignSupervisor, let request as AssignSupervisorRequest): return .write([.unit(request.unitId)])
        case (.orgUnitsEndSupervisor, let request as EndSupervisorRequest): return .write([.unit(request.unitId)])
        case (.orgUnitsVoidRecord, let request as VoidRequest): return .write([.unit(request.id)])

        case (.membersCreate, let request as CreateMemberRequest): return .write([.unit(request.member?.cellId ?? "")])
        case (.membersUpdate, let request as UpdateMemberRequest): return .write([.member(request.member?.id ?? "")])
        case (.membersGet, let request as GetMemberRequest):
            return .read([request.id.isEmpty ? .memberCard(request.partyCardNumber) : .member(request.id)])
        case (.membersList, let request as ListMembersRequest):
            return .readList(named: [request.cellId, request.subtreeOf])
        case (.membersAddStatusEvent, let request as AddStatusEventRequest): return .write([.member(request.memberId)])
        case (.membersVoidRecord, let request as VoidRequest): return .write([.member(request.id)])

        case (.meetingsRecord, let request as RecordMeetingRequest):
            return .meetings([.unit(request.meeting?.cellId ?? "")])
        case (.meetingsAmend, let request as AmendMeetingRequest):
            return .meetings([.meeting(request.meeting?.id ?? "")])
        case (.meetingsGet, let request as GetMeetingRequest): return .read([.meeting(request.id)])
        case (.meetingsList, let request as ListMeetingsRequest):
            return .readList(named: [request.cellId, request.subtreeOf])
        case (.meetingsVoidRecord, let request as VoidRequest): return .meetings([.meeting(request.id)])
        case (.meetingsUpdateResolution, let request as UpdateResolutionRequest):
            return .meetings([.resolution(request.resolution?.id ?? "")])
        case (.meetingsListResolutions, let request as ListResolutionsRequest):
            return .readList(named: [request.subtreeOf])
        case (.changesFollow, _): return .readList(named: [])

        case (.rulesCreate, let request as CreateRuleSetRequest):
            let scope = request.ruleSet?.scopeUnitId ?? ""
            return scope.isEmpty ? .adminOnly : .write([.unit(scope)])
        case (.rulesResolve, let request as ResolveRulesRequest): return .read([.unit(request.unitId)])
        case (.rulesVoidRecord, let request as VoidRequest): return .write([.ruleSet(request.id)])

        case (.evaluationsCreate, let request as CreateEvaluationRequest):
            let evaluation = request.evaluation ?? Evaluation()
            return .write([evaluation.subject == .member ? .member(evaluation.subjectId) : .unit(evaluation.subjectId)])
        case (.evaluationsUpdate, let request as UpdateEvaluationRequest):
            return .write([.evaluation(request.evaluation?.id ?? "")])
        case (.evaluationsGet, let request as GetEvaluationRequest): return .read([.evaluation(request.id)])
        case (.evaluationsList, let request as ListEvaluationsRequest): return .readList(named: [request.subtreeOf])
        case (.evaluationsVoidRecord, let request as VoidRequest): return .write([.evaluation(request.id)])

        case (.reportsAttendance, let request as AttendanceReportRequest): return .read([.unit(request.unitId)])
        case (.reportsRegularity, let request as RegularityReportRequest): return .read([.unit(request.unitId)])
        case (.reportsAbsences, let request as AbsenceReportRequest): return .read([.unit(request.unitId)])
        case (.reportsParticipation, let request as ParticipationReportRequest): return .read([.unit(request.unitId)])
        case (.reportsGrading, let request as GradingReportRequest): return .read([.unit(request.unitId)])
        case (.reportsDue, let request as DueReportRequest): return .read([.unit(request.unitId)])
        case (.reportsOverview, let request as OverviewRequest): return .read([.unit(request.unitId)])
        default:
            // A method this table does not know is for admins only: new methods are closed
            // until someone decides who may call them.
            return .adminOnly
        }
    }

    /// A list narrowed to the caller's scope when it names no unit.
    static func narrowed<Request: ProtoMessage>(_ request: Request, to scope: String) -> Request {
        switch request {
        case var list as ListOrgUnitsRequest:
            list.subtreeOf = scope
            return list as? Request ?? request
        case var list as ListMembersRequest:
            list.subtreeOf = scope
            return list as? Request ?? request
        case var list as ListMeetingsRequest:
            list.subtreeOf = scope
            return list as? Request ?? request
        case var list as ListResolutionsRequest:
            list.subtreeOf = scope
            return list as? Request ?? request
        case var list as ListEvaluationsRequest:
            list.subtreeOf = scope
            return list as? Request ?? request
        default:
            return request
        }
    }

    /// Whether a method changes records (its failures are audited too): the record services'
    /// changes, and imports and their undo.
    static func isMutation(_ method: Method) -> Bool {
        if method == .importRun || method == .importUndo { return true }
        let name = method.protoName ?? ""
        return [
            "CREATE", "UPDATE", "MOVE", "MERGE", "SPLIT", "SUPERVISOR", "VOID_RECORD", "STATUS_EVENT", "RECORD",
            "AMEND",
        ]
        .contains { name.hasSuffix($0) || name.contains("_\($0)") }
    }

    /// Whether a method exports records (reports, the change feed, the audit log): audited.
    static func isExport(_ method: Method) -> Bool {
        (700..<800).contains(method.rawValue) || method == .changesFollow || method == .auditList
    }
}
