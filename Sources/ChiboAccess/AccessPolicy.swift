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
indirect enum UnitRef {
    /// A record the caller must be able to read but need not change (a supervisor named for a
    /// cell of the caller's): out of reach, it is answered as absent.
    case readable(UnitRef)
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
        case (.importStatus, _), (.importUndo, _), (.importListRejections, _): return .importers

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
            // A first refusal on what the request names; the store judges what the merge writes.
            let successor = request.successor ?? OrgUnit()
            let absorbing = successor.parentId.isEmpty && successor.name.isEmpty && !successor.id.isEmpty
            if successor.parentId.isEmpty && !absorbing { return .adminOnly }
            return .write(
                request.sourceIds.map(UnitRef.unit) + [.unit(successor.id)]
                    + (successor.parentId.isEmpty ? [] : [.unit(successor.parentId)])
            )
        case (.orgUnitsSplit, let request as SplitOrgUnitRequest):
            return .write(
                [.unit(request.sourceId)] + request.successors.map(\.parentId).filter { !$0.isEmpty }.map(UnitRef.unit)
            )
        case (.orgUnitsAssignSupervisor, let request as AssignSupervisorRequest):
            return .write([.unit(request.unitId), .readable(.member(request.assignment?.memberId ?? ""))])
        case (.orgUnitsEndSupervisor, let request as EndSupervisorRequest): return .write([.unit(request.unitId)])
        case (.orgUnitsVoidRecord, let request as VoidRequest): return .write([.unit(request.id)])

        case (.membersCreate, let request as CreateMemberRequest):
            let member = request.member ?? Member()
            // A temporary transfer attaches the member to the receiving cell: it must be the caller's.
            let attached = member.events.filter { $0.kind == .temporaryTransferOut }.map(\.otherUnitId)
            return .write([.unit(member.cellId)] + attached.filter { !$0.isEmpty }.map(UnitRef.unit))
        case (.membersUpdate, let request as UpdateMemberRequest):
            let member = request.member ?? Member()
            return .write([.member(member.id)] + (member.cellId.isEmpty ? [] : [.unit(member.cellId)]))
        case (.membersGet, let request as GetMemberRequest):
            return .read([request.id.isEmpty ? .memberCard(request.partyCardNumber) : .member(request.id)])
        case (.membersList, let request as ListMembersRequest):
            return .readList(named: [request.cellId, request.subtreeOf])
        case (.membersAddStatusEvent, let request as AddStatusEventRequest):
            let other = request.event?.kind == .temporaryTransferOut ? request.event?.otherUnitId ?? "" : ""
            return .write([.member(request.memberId)] + (other.isEmpty ? [] : [.unit(other)]))
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
            return .write(
                [evaluation.subject == .member ? .member(evaluation.subjectId) : .unit(evaluation.subjectId)]
                    + (evaluation.cellId.isEmpty ? [] : [.unit(evaluation.cellId)])
            )
        case (.evaluationsUpdate, let request as UpdateEvaluationRequest):
            let cell = request.evaluation?.cellId ?? ""
            return .write([.evaluation(request.evaluation?.id ?? "")] + (cell.isEmpty ? [] : [.unit(cell)]))
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

    /// A list of a unit that has left the caller's scope, limited to the time it lay in it: a
    /// member list is read as of its last day there (when it names no date, or a later one), a
    /// meeting list is cut to the first and last days. Nil when the request asks for a date
    /// outside every window.
    static func clamped<Request: ProtoMessage>(_ request: Request, to windows: [ReadWindow]) -> Request? {
        let first = windows.compactMap(\.from).min()
        let open = windows.contains { $0.to == nil }
        let last = open ? nil : windows.compactMap(\.lastDay).max { $0.isoKey < $1.isoKey }
        switch request {
        case var list as ListMembersRequest:
            if let asOf = list.asOf {
                guard windows.contains(where: { $0.contains(asOf.isoKey) }) else { return nil }
            } else {
                list.asOf = last
            }
            return list as? Request
        case var list as ListMeetingsRequest:
            if let last, list.to.map({ $0.isoKey > last.isoKey }) ?? true { list.to = last }
            if let first, let from = list.from, from.isoKey < first {
                list.from = nil
            }
            if let first, list.from == nil {
                let parts = first.split(separator: "-").compactMap { Int32($0) }
                if parts.count == 3 { list.from = CalendarDate(year: parts[0], month: parts[1], day: parts[2]) }
            }
            return list as? Request
        default:
            return request
        }
    }

    /// A report of a unit that has left the caller's scope, limited to the time it lay in it:
    /// a period's end is cut to the last day there (and its start to the first), a date ("on")
    /// defaults to that last day, and a yearly report needs a year spent wholly in the scope. Nil
    /// when the request asks for a time outside every window.
    static func clampedReport<Request: ProtoMessage>(_ request: Request, to windows: [ReadWindow]) -> Request? {
        let window = ReadWindow(
            from: windows.contains { $0.from == nil } ? nil : windows.compactMap(\.from).min(),
            to: windows.contains { $0.to == nil } ? nil : windows.compactMap(\.to).max()
        )
        func date(_ key: String?) -> CalendarDate? {
            guard let key else { return nil }
            let parts = key.split(separator: "-").compactMap { Int32($0) }
            return parts.count == 3 ? CalendarDate(year: parts[0], month: parts[1], day: parts[2]) : nil
        }
        let last = window.lastDay
        func period(_ from: inout CalendarDate?, _ to: inout CalendarDate?) -> Bool {
            if let last, to.map({ $0.isoKey > last.isoKey }) ?? true { to = last }
            if let first = window.from, from.map({ $0.isoKey < first }) ?? true { from = date(first) }
            guard let start = from?.isoKey, let end = to?.isoKey else { return true }
            return start <= end
        }
        func wholeYear(_ year: Int32) -> Bool {
            year > 0
                && window.contains(CalendarDate(year: year, month: 1, day: 1).isoKey)
                && window.contains(CalendarDate(year: year, month: 12, day: 31).isoKey)
        }
        func day(_ on: inout CalendarDate?) -> Bool {
            if on == nil { on = last }
            return on.map { window.contains($0.isoKey) } ?? false
        }
        switch request {
        case var report as AttendanceReportRequest:
            return period(&report.from, &report.to) ? report as? Request : nil
        case var report as RegularityReportRequest:
            return period(&report.from, &report.to) ? report as? Request : nil
        case var report as ParticipationReportRequest:
            return period(&report.from, &report.to) ? report as? Request : nil
        case let report as AbsenceReportRequest:
            return wholeYear(report.year) ? report as? Request : nil
        case let report as GradingReportRequest:
            return wholeYear(report.year) ? report as? Request : nil
        case var report as DueReportRequest:
            return day(&report.on) ? report as? Request : nil
        case var report as OverviewRequest:
            guard day(&report.on) else { return nil }
            if report.year != 0 && !wholeYear(report.year) { return nil }
            return report as? Request
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
