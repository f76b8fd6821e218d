import ArgumentParser
import ChiboModel

extension Reports {
    /// `chibo reports overview`.
    public struct Overview: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "A commune at a glance; --html FILE writes a self-contained page with charts to print or send.",
            discussion: """
                As a table: the summary, attendance by cell and month as sparklines, the grading \
                distribution and the flags grouped by kind with their counts (-o wide cuts nothing). \
                --kind and --cell keep only some flags, in every output. JSON and YAML give the \
                OverviewReport message; CSV gives section,name,value lines.
                """
        )
        @OptionGroup var global: GlobalOptions
        @Option(help: "The unit, usually a commune, by code or name.", completion: Completions.unitCodes) var unit:
            String
        @Option(help: "The year reported (default: this year).") var year: Int32?
        @Option(help: "The date statuses and due items are read at (YYYY-MM-DD).") var on: String?
        @Option(
            help: "Only flags of these kinds, comma-separated (no-regular-meeting, unexcused-absence-months, …)."
        )
        var kind: [String] = []
        @Option(help: "Only flags of this cell (or unit), by code or name.") var cell: String?
        @Option(help: "Write the overview as an HTML page to this file (- for standard output).") var html: String?

        /// Creates the command.
        public init() {}

        /// The flag kinds named by --kind: schema names, short names or labels in either language.
        func kinds() throws(CLIFailure) -> Set<FlagKind> {
            var kinds: Set<FlagKind> = []
            for item in Values.list(kind) {
                kinds.insert(FlagKind(rawValue: try Values.enumNumber(item, enumName: "FlagKind", option: "--kind")))
            }
            return kinds
        }

        /// Runs it.
        public func run() async throws {
            let year = self.year ?? Reports.currentYear
            var request = OverviewRequest(year: year)
            if let on { request.on = try Values.date(on, option: "--on") }
            let kinds = try kinds()
            try await global.session { session in
                let unit = try await session.unitID(unit)
                let cellID = try await session.unitID(cell, option: "--cell")
                request.unitId = unit
                var overview = try await session.unary(
                    .reportsOverview,
                    request,
                    as: OverviewReport.self,
                    idempotent: true
                )
                let all = overview.flags.count
                overview.flags = overview.flags.filter { flag in
                    (kinds.isEmpty || kinds.contains(flag.kind)) && (cellID == nil || flag.unitId == cellID)
                }
                if overview.flags.count < all {
                    session.note(
                        session.printer.presenter.text(
                            "\(overview.flags.count) of \(all) flags shown (--kind, --cell)",
                            "hiện \(overview.flags.count) trên \(all) cảnh báo (--kind, --cell)"
                        )
                    )
                }
                let printer = session.printer
                let needsDetail = html != nil || printer.isTable
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
                let units = try await session.unitNames(
                    overview.flags.map(\.unitId) + overview.grading.map(\.unitId) + [overview.unitId]
                )
                let members =
                    overview.flags.contains { !$0.memberId.isEmpty }
                    ? try await session.memberNames(under: unit) : MemberNames()
                if let html {
                    var names: [String: String] = [:]
                    for (id, known) in units.units { names[id] = known.name }
                    for row in byMonth { names[row.unitId] = row.unitName }
                    var people: [String: String] = [:]
                    for (id, member) in members.members {
                        people[id] =
                            member.partyCardNumber.isEmpty
                            ? member.fullName : "\(member.fullName) (\(member.partyCardNumber))"
                    }
                    let page = OverviewHTML(
                        overview: overview,
                        attendance: byMonth,
                        thresholdBp: threshold,
                        language: printer.language,
                        unitNames: names,
                        memberNames: people
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
                case .csv: printer.console.out(Self.csv(overview, units: units, presenter: printer.presenter))
                case .table, .wide:
                    printer.console.out(
                        Self.table(
                            overview,
                            byMonth,
                            threshold: threshold,
                            units: units,
                            members: members,
                            printer: printer
                        )
                    )
                }
            }
        }

        /// CSV: section,name,value lines; units by code, never by id.
        static func csv(_ overview: OverviewReport, units: UnitNames, presenter: Presenter) -> String {
            var lines = [["section", "name", "value"]]
            lines.append(["summary", "unit_code", units.code(overview.unitId)])
            lines.append(["summary", "unit_name", overview.unitName])
            lines.append(["summary", "year", String(overview.year)])
            lines.append(["summary", "on", presenter.date(overview.on)])
            lines.append(["summary", "cells", String(overview.cells)])
            lines.append(["summary", "members", String(overview.members)])
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

        /// The table view: summary, sparklines, grading and the flags grouped by kind.
        static func table(
            _ overview: OverviewReport,
            _ byMonth: [AttendanceRow],
            threshold: Int32,
            units: UnitNames,
            members: MemberNames,
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
                let low = Presenter.shownBp(attendance.rateBp) <= threshold
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
            out += printer.renderer().render(headers: ["", ""], rows: summary).drop { $0 != "\n" }.dropFirst()
            if !byMonth.isEmpty {
                out +=
                    "\n" + style.bold(p.text("Attendance by cell and month", "Tỷ lệ dự họp theo chi bộ và tháng"))
                    + "\n"
                out += TerminalCharts.attendance(byMonth, thresholdBp: threshold, presenter: p, style: style)
            }
            if !overview.grading.isEmpty {
                out += "\n" + style.bold(p.text("Grading", "Xếp loại")) + "\n"
                out += printer.renderList(overview.grading, columns: Columns.gradingRow(units))
            }
            var kinds: [FlagKind: Int] = [:]
            for flag in overview.flags { kinds[flag.kind, default: 0] += 1 }
            let columns = Columns.flag(units, members).filter { $0.key != "kind" }
            for (kind, count) in kinds.sorted(by: {
                $0.value != $1.value ? $0.value > $1.value : $0.key.rawValue < $1.key.rawValue
            }) {
                let name = p.value(kind.protoName, kind.rawValue)
                out += "\n" + style.bold(p.text("Flags: ", "Cảnh báo: ") + "\(name) (\(count))") + "\n"
                out += printer.renderList(overview.flags.filter { $0.kind == kind }, columns: columns)
            }
            return out
        }
    }
}
