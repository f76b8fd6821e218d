import ArgumentParser
import ChiboModel
import Foundation

/// `chibo reports`: the oversight reports.
public struct Reports: AsyncParsableCommand {
    /// The verbs.
    public static let configuration = CommandConfiguration(
        commandName: "reports",
        abstract: "Oversight reports: attendance, regularity, absences, participation, grading, due items, overview.",
        subcommands: [
            Attendance.self, Regularity.self, Absences.self, Participation.self, Grading.self, Due.self, Overview.self,
        ]
    )

    /// Creates the command.
    public init() {}

    /// The unit and date range most reports take.
    struct Range: ParsableArguments {
        @Option(
            help: "The unit whose subtree is reported (a commune, a cell), by code or name.",
            completion: Completions.unitCodes
        )
        var unit: String
        @OptionGroup var days: Days

        func dates() throws(CLIFailure) -> (CalendarDate, CalendarDate) { try days.dates() }
    }

    /// The date range of a report.
    struct Days: ParsableArguments {
        @Option(help: "First day (YYYY-MM-DD); default 1 January of --year.") var from: String?
        @Option(help: "Last day, inclusive (YYYY-MM-DD); default 31 December of --year.") var to: String?
        @Option(help: "The year, when --from and --to are left out (default: this year).") var year: Int32?

        func dates() throws(CLIFailure) -> (CalendarDate, CalendarDate) {
            let year = self.year ?? Reports.currentYear
            var start = CalendarDate(year: year, month: 1, day: 1)
            var end = CalendarDate(year: year, month: 12, day: 31)
            if let from { start = try Values.date(from, option: "--from") }
            if let to { end = try Values.date(to, option: "--to") }
            return (start, end)
        }
    }

    /// Prints flags with their units by code and members by card number.
    static func printFlags(
        _ flags: [ChiboModel.Flag],
        under unitID: String,
        _ session: Session
    ) async throws(CLIFailure) {
        let units = try await session.unitNames(flags.map { $0.unitId })
        let members =
            flags.contains { !$0.memberId.isEmpty } ? try await session.memberNames(under: unitID) : MemberNames()
        session.printer.list(flags, columns: Columns.flag(units, members))
    }

    static var currentYear: Int32 {
        Int32(Calendar(identifier: .gregorian).component(.year, from: Date()))
    }

    /// The threshold of a good meeting in force for a unit, from Rules.Resolve; 85% when the
    /// server cannot say.
    static func threshold(_ session: Session, unit: String, on date: CalendarDate?) async -> Int32 {
        let resolved = try? await session.unary(
            .rulesResolve,
            ResolveRulesRequest(unitId: unit, on: date),
            as: ResolveRulesResponse.self,
            idempotent: true
        )
        let value = resolved?.effective?.goodAttendanceBp ?? 0
        return value > 0 ? value : 8500
    }

    /// `chibo reports attendance`.
    public struct Attendance: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "Attendance rates per month, quarter or year; --chart draws a sparkline per cell."
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var range: Range
        @Option(help: "Rows per month, quarter or year.") var period = "month"
        @ArgumentParser.Flag(help: "One row per cell and period, instead of one per period for the subtree.")
        var byCell = false
        @Option(
            help: ArgumentHelp(
                """
                One row per province, district, commune or cell under the unit, and period (a meeting counts \
                for the one its cell sat under that day).
                """,
                valueName: "kind"
            )
        )
        var by: String?
        @ArgumentParser.Flag(
            help: "In a table: one line per cell with a sparkline of its months and a bar (implies --by-cell)."
        )
        var chart = false

        /// Creates the command.
        public init() {}

        /// Refuses `--chart` with an output format it cannot be drawn in, and `--by` with a kind
        /// that holds no cells or that `--by-cell` or `--chart` contradicts.
        public func validate() throws {
            if chart, let output = global.output, output != .table && output != .wide {
                throw ValidationError("--chart draws a table; it cannot be written as -o \(output.rawValue)")
            }
            let kind = try groupBy()
            if (byCell || chart) && kind != .unspecified && kind != .cell {
                throw ValidationError(
                    "--by \(by ?? "") and \(chart ? "--chart" : "--by-cell") ask for different rows: choose one"
                )
            }
        }

        /// The unit kind of `--by`.
        func groupBy() throws -> OrgUnitKind {
            guard let by else { return .unspecified }
            switch by.lowercased() {
            case "province", "tinh", "tỉnh": return .province
            case "district", "huyen", "huyện": return .district
            case "commune", "xa", "xã": return .commune
            case "cell", "chi-bo", "chi bộ", "chibo": return .cell
            default: throw ValidationError("--by \"\(by)\": expected province, district, commune or cell")
            }
        }

        /// Runs it.
        public func run() async throws {
            let (from, to) = try range.dates()
            // A chart is a table even when standard output is not a terminal (a file, a pager).
            var global = self.global
            if chart && global.output == nil { global.output = .table }
            var request = AttendanceReportRequest(
                from: from,
                to: to,
                period: PeriodKind(rawValue: try Values.enumNumber(period, enumName: "PeriodKind", option: "--period")),
                byCell: byCell || chart
            )
            let kind = try groupBy()
            if kind == .cell { request.byCell = true } else { request.groupBy = kind }
            try await global.session { session in
                request.unitId = try await session.unitID(range.unit)
                let rows = try await session.stream(.reportsAttendance, request, as: AttendanceRow.self)
                if chart {
                    let threshold = await Reports.threshold(session, unit: request.unitId, on: to)
                    session.printer.console.out(
                        TerminalCharts.attendance(
                            rows,
                            thresholdBp: threshold,
                            presenter: session.printer.presenter,
                            style: session.printer.style
                        )
                    )
                } else {
                    let units = try await session.unitNames(rows.map(\.unitId))
                    session.printer.list(rows, columns: Columns.attendanceRow(units))
                }
            }
        }
    }

    /// `chibo reports regularity`.
    public struct Regularity: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "Missed regular and thematic meetings, short meetings, meetings off the regular day."
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var range: Range

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            let (from, to) = try range.dates()
            try await global.session { session in
                let unit = try await session.unitID(range.unit)
                let flags = try await session.stream(
                    .reportsRegularity,
                    RegularityReportRequest(unitId: unit, from: from, to: to),
                    as: Flag.self
                )
                try await Reports.printFlags(flags, under: unit, session)
            }
        }
    }

    /// `chibo reports absences`.
    public struct Absences: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "Members absent with reason too many meetings running, or without reason in too many months."
        )
        @OptionGroup var global: GlobalOptions
        @Option(help: "The unit whose subtree is reported, by code or name.", completion: Completions.unitCodes)
        var unit: String
        @Option(help: "The year examined (default: this year).") var year: Int32?

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            var request = AbsenceReportRequest(year: year ?? Reports.currentYear)
            try await global.session { session in
                request.unitId = try await session.unitID(unit)
                let flags = try await session.stream(.reportsAbsences, request, as: Flag.self)
                try await Reports.printFlags(flags, under: request.unitId, session)
            }
        }
    }

    /// `chibo reports participation`.
    public struct Participation: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "Who spoke, and how often the supervisor attended, per cell."
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var range: Range

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            let (from, to) = try range.dates()
            try await global.session { session in
                let unit = try await session.unitID(range.unit)
                let rows = try await session.stream(
                    .reportsParticipation,
                    ParticipationReportRequest(unitId: unit, from: from, to: to),
                    as: ParticipationRow.self
                )
                let units = try await session.unitNames(rows.map(\.unitId))
                session.printer.list(rows, columns: Columns.participationRow(units))
            }
        }
    }

    /// `chibo reports grading`.
    public struct Grading: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "The grading distribution per commune, with the caps checked."
        )
        @OptionGroup var global: GlobalOptions
        @Option(help: "The unit whose subtree is reported, by code or name.", completion: Completions.unitCodes)
        var unit: String
        @Option(help: "The year graded (default: this year).") var year: Int32?

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            var request = GradingReportRequest(year: year ?? Reports.currentYear)
            try await global.session { session in
                request.unitId = try await session.unitID(unit)
                let rows = try await session.stream(.reportsGrading, request, as: GradingRow.self)
                let units = try await session.unitNames(rows.map(\.unitId))
                session.printer.list(rows, columns: Columns.gradingRow(units))
                let violations = rows.flatMap(\.violations)
                if session.printer.isTable && !violations.isEmpty {
                    session.printer.console.out("\n")
                    try await Reports.printFlags(violations, under: request.unitId, session)
                }
            }
        }
    }

    /// `chibo reports due`.
    public struct Due: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "Probation reviews overdue, party-badge anniversaries, returns overdue, resolutions past due."
        )
        @OptionGroup var global: GlobalOptions
        @Option(help: "The unit whose subtree is reported, by code or name.", completion: Completions.unitCodes)
        var unit: String
        @Option(help: "The date overdue items are judged at (YYYY-MM-DD; default today).") var on: String?
        @Option(help: "The year whose badge anniversaries are listed (default: the year of --on).") var badgeYear:
            Int32?

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            var request = DueReportRequest(badgeYear: badgeYear ?? 0)
            if let on { request.on = try Values.date(on, option: "--on") }
            try await global.session { session in
                request.unitId = try await session.unitID(unit)
                let flags = try await session.stream(.reportsDue, request, as: Flag.self)
                try await Reports.printFlags(flags, under: request.unitId, session)
            }
        }
    }
}
