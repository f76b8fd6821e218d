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
        @Option(help: "The unit whose subtree is reported (a commune, a cell), by id or code.") var unit: String
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
        @ArgumentParser.Flag(
            help: "In a table: one line per cell with a sparkline of its months and a bar (implies --by-cell)."
        )
        var chart = false

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            let (from, to) = try range.dates()
            var request = AttendanceReportRequest(
                from: from,
                to: to,
                period: PeriodKind(rawValue: try Values.enumNumber(period, enumName: "PeriodKind", option: "--period")),
                byCell: byCell || chart
            )
            try await global.session { session in
                request.unitId = try await session.unitID(range.unit)
                let rows = try await session.stream(.reportsAttendance, request, as: AttendanceRow.self)
                if chart && session.printer.format == .table {
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
                    session.printer.list(rows, columns: Columns.attendanceRow)
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
                session.printer.list(flags, columns: Columns.flags(in: session.printer))
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
        @Option(help: "The unit whose subtree is reported, by id or code.") var unit: String
        @Option(help: "The year examined (default: this year).") var year: Int32?

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            var request = AbsenceReportRequest(year: year ?? Reports.currentYear)
            try await global.session { session in
                request.unitId = try await session.unitID(unit)
                let flags = try await session.stream(.reportsAbsences, request, as: Flag.self)
                session.printer.list(flags, columns: Columns.flags(in: session.printer))
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
                session.printer.list(rows, columns: Columns.participationRow)
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
        @Option(help: "The unit whose subtree is reported, by id or code.") var unit: String
        @Option(help: "The year graded (default: this year).") var year: Int32?

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            var request = GradingReportRequest(year: year ?? Reports.currentYear)
            try await global.session { session in
                request.unitId = try await session.unitID(unit)
                let rows = try await session.stream(.reportsGrading, request, as: GradingRow.self)
                session.printer.list(rows, columns: Columns.gradingRow)
                let violations = rows.flatMap(\.violations)
                if session.printer.format == .table && !violations.isEmpty {
                    session.printer.console.out("\n")
                    session.printer.list(violations, columns: Columns.flags(in: session.printer))
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
        @Option(help: "The unit whose subtree is reported, by id or code.") var unit: String
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
                session.printer.list(flags, columns: Columns.flags(in: session.printer))
            }
        }
    }

    /// `chibo reports overview`.
    public struct Overview: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "A commune at a glance; --html FILE writes a self-contained page with charts to print or send.",
            discussion: """
                As a table: the summary, attendance by cell and month as sparklines, the grading \
                distribution and every flag. JSON and YAML give the OverviewReport message; CSV gives \
                section,name,value lines.
                """
        )
        @OptionGroup var global: GlobalOptions
        @Option(help: "The unit, usually a commune, by id or code.") var unit: String
        @Option(help: "The year reported (default: this year).") var year: Int32?
        @Option(help: "The date statuses and due items are read at (YYYY-MM-DD).") var on: String?
        @Option(help: "Write the overview as an HTML page to this file (- for standard output).") var html: String?

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            let year = self.year ?? Reports.currentYear
            var request = OverviewRequest(year: year)
            if let on { request.on = try Values.date(on, option: "--on") }
            try await global.session { session in
                let unit = try await session.unitID(unit)
                request.unitId = unit
                let overview = try await session.unary(
                    .reportsOverview,
                    request,
                    as: OverviewReport.self,
                    idempotent: true
                )
                let printer = session.printer
                let needsDetail = html != nil || printer.format == .table
                let byMonth =
                    needsDetail
                    ? try await session.stream(
                        .reportsAttendance,
                        AttendanceReportRequest(
                            unitId: unit,
                            from: CalendarDate(year: year, month: 1, day: 1),
                            to: CalendarDate(year: year, month: 12, day: 31),
                            period: .month,
                            byCell: true
                        ),
                        as: AttendanceRow.self
                    ) : []
                let threshold = needsDetail ? await Reports.threshold(session, unit: unit, on: overview.on) : 8500
                if let html {
                    var names: [String: String] = [:]
                    for row in byMonth { names[row.unitId] = row.unitName }
                    let page = OverviewHTML(
                        overview: overview,
                        attendance: byMonth,
                        thresholdBp: threshold,
                        language: printer.language,
                        unitNames: names
                    ).render()
                    if html == "-" {
                        printer.console.out(page)
                    } else {
                        do {
                            try PrivateOutput.write(page, to: html)
                        } catch {
                            throw CLIFailure.local("cannot write \(html): \(error)")
                        }
                        session.note(printer.presenter.text("wrote \(html)", "đã ghi \(html)"))
                    }
                    return
                }
                switch printer.format {
                case .json, .yaml: printer.single(overview, columns: [])
                case .csv: printer.console.out(Self.csv(overview, presenter: printer.presenter))
                case .table: printer.console.out(Self.table(overview, byMonth, threshold: threshold, printer: printer))
                }
            }
        }

        /// CSV: section,name,value lines.
        static func csv(_ overview: OverviewReport, presenter: Presenter) -> String {
            var lines = [["section", "name", "value"]]
            lines.append(["summary", "unit_id", overview.unitId])
            lines.append(["summary", "unit_name", overview.unitName])
            lines.append(["summary", "year", String(overview.year)])
            lines.append(["summary", "on", presenter.date(overview.on)])
            lines.append(["summary", "cells", String(overview.cells)])
            lines.append(["summary", "members", String(overview.members)])
            lines.append(["summary", "rule_set_id", overview.ruleSetId])
            if let attendance = overview.attendance {
                lines.append(["attendance", "meetings", String(attendance.meetings)])
                lines.append(["attendance", "expected", String(attendance.expected)])
                lines.append(["attendance", "present", String(attendance.present)])
                lines.append(["attendance", "absent_excused", String(attendance.absentExcused)])
                lines.append(["attendance", "absent_unexcused", String(attendance.absentUnexcused)])
                lines.append(["attendance", "rate", presenter.percent(attendance.rateBp)])
            }
            for count in overview.byStatus { lines.append(["status", count.name, String(count.count)]) }
            for count in overview.byCategory { lines.append(["category", count.name, String(count.count)]) }
            for row in overview.grading {
                for count in row.members {
                    lines.append(["grading_members", count.grade.protoName ?? "", String(count.count)])
                }
                for count in row.cells {
                    lines.append(["grading_cells", count.grade.protoName ?? "", String(count.count)])
                }
            }
            for flag in overview.flags {
                lines.append(["flag", flag.kind.protoName ?? String(flag.kind.rawValue), flag.detail])
            }
            return lines.map { CSV.record($0) }.joined()
        }

        /// The table view: summary, sparklines, grading and flags.
        static func table(
            _ overview: OverviewReport,
            _ byMonth: [AttendanceRow],
            threshold: Int32,
            printer: Printer
        ) -> String {
            let p = printer.presenter
            let style = printer.style
            var out = style.bold(p.text("Overview", "Tổng quan") + ": \(overview.unitName) – \(overview.year)") + "\n"
            var summary: [[TableCell]] = [
                [TableCell(p.text("Cells", "Chi bộ")), TableCell(String(overview.cells))],
                [TableCell(p.text("Members", "Đảng viên")), TableCell(String(overview.members))],
            ]
            if let attendance = overview.attendance, attendance.expected > 0 {
                let low = attendance.rateBp <= threshold
                summary.append([
                    TableCell(p.text("Attendance", "Tỷ lệ dự họp")),
                    TableCell(
                        p.percent(attendance.rateBp) + " "
                            + TerminalCharts.bar(Double(attendance.rateBp) / 10_000, width: 20),
                        low ? .alert : .good
                    ),
                ])
            }
            summary.append([
                TableCell(p.text("Flags", "Cảnh báo")),
                TableCell(String(overview.flags.count), overview.flags.isEmpty ? .good : .alert),
            ])
            for count in overview.byStatus {
                summary.append([
                    TableCell("  " + p.value("MEMBER_STATUS_" + count.name, 1)), TableCell(String(count.count)),
                ])
            }
            out += TableRenderer(style: style).render(headers: ["", ""], rows: summary).drop { $0 != "\n" }.dropFirst()
            if !byMonth.isEmpty {
                out +=
                    "\n" + style.bold(p.text("Attendance by cell and month", "Tỷ lệ dự họp theo chi bộ và tháng"))
                    + "\n"
                out += TerminalCharts.attendance(byMonth, thresholdBp: threshold, presenter: p, style: style)
            }
            if !overview.grading.isEmpty {
                out += "\n" + style.bold(p.text("Grading", "Xếp loại")) + "\n"
                var grading = overview.grading
                // One commune's grading: its name reads better than its id.
                for index in grading.indices where grading[index].unitId == overview.unitId {
                    grading[index].unitId = overview.unitName
                }
                out += printer.renderList(grading, columns: Columns.gradingRow)
            }
            if !overview.flags.isEmpty {
                out += "\n" + style.bold(p.text("Flags", "Cảnh báo")) + "\n"
                out += printer.renderList(overview.flags, columns: Columns.flagInTable)
            }
            return out
        }
    }
}
