import ChiboDomain
import ChiboModel
import ChiboReports
import ChiboServer
import ChiboStore

/// The oversight reports over the wire. Long reports stream their rows; the overview is one
/// message. Every row and flag names the rules it applied.
public struct ReportService: Sendable {
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
        registry.registerServerStreaming(.reportsAttendance) {
            (request: AttendanceReportRequest, stream: ResponseStream<AttendanceRow>, _) in
            var violations = Violations()
            let range = service.range(request.from, request.to, into: &violations)
            if request.period.rawValue == 0 || request.period.protoName == nil {
                violations.add("period", "required: month, quarter or year")
            }
            switch request.groupBy {
            case .unspecified, .cell: break
            case .province, .district, .commune:
                if request.byCell {
                    violations.add("group_by", "by_cell gives a row per cell: ask for one or the other")
                }
            default:
                violations.add("group_by", "a province, district, commune or cell, or unspecified")
            }
            try service.requireUnit(request.unitId, into: &violations)
            let rows = try await Self.mapping {
                try await service.oversight.attendance(
                    rootID: request.unitId,
                    from: range.from,
                    through: range.through,
                    period: request.period,
                    byCell: request.byCell,
                    groupBy: request.groupBy
                )
            }
            for row in rows { try await stream.send(row) }
        }
        registry.registerServerStreaming(.reportsRegularity) {
            (request: RegularityReportRequest, stream: ResponseStream<Flag>, _) in
            var violations = Violations()
            let range = service.range(request.from, request.to, into: &violations)
            try service.requireUnit(request.unitId, into: &violations)
            let flags = try await Self.mapping {
                try await service.oversight.regularity(rootID: request.unitId, from: range.from, through: range.through)
            }
            for flag in flags { try await stream.send(flag) }
        }
        registry.registerServerStreaming(.reportsAbsences) {
            (request: AbsenceReportRequest, stream: ResponseStream<Flag>, _) in
            var violations = Violations()
            service.checkYear(request.year, "year", into: &violations)
            try service.requireUnit(request.unitId, into: &violations)
            let flags = try await Self.mapping {
                try await service.oversight.absences(rootID: request.unitId, year: request.year)
            }
            for flag in flags { try await stream.send(flag) }
        }
        registry.registerServerStreaming(.reportsParticipation) {
            (request: ParticipationReportRequest, stream: ResponseStream<ParticipationRow>, _) in
            var violations = Violations()
            let range = service.range(request.from, request.to, into: &violations)
            try service.requireUnit(request.unitId, into: &violations)
            let rows = try await Self.mapping {
                try await service.oversight.participation(
                    rootID: request.unitId,
                    from: range.from,
                    through: range.through
                )
            }
            for row in rows { try await stream.send(row) }
        }
        registry.registerServerStreaming(.reportsGrading) {
            (request: GradingReportRequest, stream: ResponseStream<GradingRow>, _) in
            var violations = Violations()
            service.checkYear(request.year, "year", into: &violations)
            try service.requireUnit(request.unitId, into: &violations)
            let rows = try await Self.mapping {
                try await service.oversight.grading(rootID: request.unitId, year: request.year)
            }
            for row in rows { try await stream.send(row) }
        }
        registry.registerServerStreaming(.reportsDue) { (request: DueReportRequest, stream: ResponseStream<Flag>, _) in
            var violations = Violations()
            violations.checkDate(request.on, "on")
            if request.badgeYear != 0 { service.checkYear(request.badgeYear, "badge_year", into: &violations) }
            try service.requireUnit(request.unitId, into: &violations)
            let date = request.on ?? service.clock.today()
            let flags = try await Self.mapping {
                try await service.oversight.due(
                    rootID: request.unitId,
                    on: date,
                    badgeYear: request.badgeYear == 0 ? date.year : request.badgeYear
                )
            }
            for flag in flags { try await stream.send(flag) }
        }
        registry.registerUnary(.reportsOverview) { (request: OverviewRequest, _) in
            var violations = Violations()
            service.checkYear(request.year, "year", into: &violations)
            violations.checkDate(request.on, "on")
            try service.requireUnit(request.unitId, into: &violations)
            let date = request.on ?? min(CalendarDate(year: request.year, month: 12, day: 31), service.clock.today())
            return try await Self.mapping {
                try await service.oversight.overview(rootID: request.unitId, year: request.year, on: date)
            }
        }
    }

    var oversight: Oversight { Oversight(store: store) }

    /// Checks an inclusive date range of at most ten years.
    func range(
        _ from: CalendarDate?,
        _ to: CalendarDate?,
        into violations: inout Violations
    )
        -> (from: CalendarDate, through: CalendarDate)
    {
        if from == nil { violations.add("from", "required: the first day reported") }
        if to == nil { violations.add("to", "required: the last day reported") }
        violations.checkDate(from, "from")
        violations.checkDate(to, "to")
        let first = from ?? CalendarDate()
        let last = to ?? CalendarDate()
        if from != nil && to != nil && last < first { violations.add("to", "is before from") }
        if from != nil && to != nil && last > first.adding(months: 120) {
            violations.add("to", "a report covers at most ten years")
        }
        return (first, last)
    }

    func checkYear(_ year: Int32, _ field: String, into violations: inout Violations) {
        if !(1945...9999).contains(year) { violations.add(field, "required: a year such as 2019") }
    }

    /// Requires the unit id and throws the collected violations.
    func requireUnit(_ unitID: String, into violations: inout Violations) throws {
        if unitID.isEmpty { violations.add("unit_id", "required") }
        try violations.throwIfAny()
    }

    /// Runs a report, mapping an unknown unit to NOT_FOUND and store failures to statuses.
    static func mapping<Result>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch Oversight.Failure.unknownUnit(let id) {
            throw CallError(.notFound, "org unit \(id) does not exist")
        } catch {
            throw StoreErrors.callError(error)
        }
    }
}
