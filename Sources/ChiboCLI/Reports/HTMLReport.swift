import ChiboModel

/// The commune overview as one self-contained HTML page: no scripts, no external files, charts
/// as inline SVG, a print style sheet. Written as well-formed XHTML-compatible markup (every
/// element closed, attributes quoted, only the five XML entities) so tests can parse it as XML.
public struct OverviewHTML: Sendable {
    /// The overview.
    public var overview: OverviewReport
    /// Attendance by cell and month for the year.
    public var attendance: [AttendanceRow]
    /// The attendance threshold of a good meeting, in basis points.
    public var thresholdBp: Int32
    /// Language of labels.
    public var language: Language
    /// Names of units by id, for flags that name cells.
    public var unitNames: [String: String]
    /// Members by id as "Name (card)", for flags that name members.
    public var memberNames: [String: String]

    /// Creates the page's content.
    public init(
        overview: OverviewReport,
        attendance: [AttendanceRow],
        thresholdBp: Int32,
        language: Language,
        unitNames: [String: String] = [:],
        memberNames: [String: String] = [:]
    ) {
        self.overview = overview
        self.attendance = attendance
        self.thresholdBp = thresholdBp
        self.language = language
        self.unitNames = unitNames
        self.memberNames = memberNames
    }

    private var presenter: Presenter { Presenter(language: language, raw: false) }
    private func t(_ en: String, _ vi: String) -> String { presenter.text(en, vi) }

    /// Escapes text for element content and attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// The page.
    public func render() -> String {
        let title = t("Overview", "Tổng quan") + ": " + overview.unitName + " – " + String(overview.year)
        var html = """
            <!DOCTYPE html>
            <html lang="\(language.rawValue)">
            <head>
            <meta charset="utf-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1" />
            <meta name="generator" content="chibo \(ChiboCLIVersion.current)" />
            <title>\(Self.escape(title))</title>
            <style>\(Self.css)</style>
            </head>
            <body>

            """
        html += "<header><h1>\(Self.escape(title))</h1>\n"
        html +=
            "<p class=\"meta\">"
            + Self.escape(
                t("Statuses as of ", "Số liệu tính đến ngày ") + presenter.date(overview.on) + " · "
                    + t("a meeting is good above ", "buổi họp đạt khi tỷ lệ dự họp trên ")
                    + presenter.percent(thresholdBp) + t(" attendance", "")
            ) + "</p></header>\n"
        html += summary()
        html += attendanceSection()
        html += gradingSection()
        html += flagsSection()
        html += membersSection()
        html +=
            "<footer>"
            + Self.escape(
                t("Made by chibo from the Chibo server's records.", "Lập bằng chibo từ dữ liệu máy chủ Chibo.")
            )
            + "</footer>\n</body>\n</html>\n"
        return html
    }

    private func summary() -> String {
        let rate = overview.attendance.map { $0.expected == 0 ? "–" : presenter.percent($0.rateBp) } ?? "–"
        let low =
            Presenter.shownBp(overview.attendance?.rateBp ?? 10_000) <= thresholdBp
            && (overview.attendance?.expected ?? 0) > 0
        let cards: [(String, String, Bool)] = [
            (t("Cells", "Chi bộ"), String(overview.cells), false),
            (t("Members", "Đảng viên"), String(overview.members), false),
            (t("Attendance", "Tỷ lệ dự họp"), rate, low),
            (t("Flags", "Cảnh báo"), String(overview.flags.count), !overview.flags.isEmpty),
        ]
        var html = "<section class=\"cards\" id=\"summary\">\n"
        for (label, value, alert) in cards {
            html += "<div class=\"card\(alert ? " alert" : "")\"><div class=\"value\">\(Self.escape(value))</div>"
            html += "<div class=\"label\">\(Self.escape(label))</div></div>\n"
        }
        return html + "</section>\n"
    }

    /// Heat map: one row per cell, one column per month, the rate written in each square.
    private func attendanceSection() -> String {
        var units: [(id: String, name: String)] = []
        for row in attendance where !units.contains(where: { $0.id == row.unitId }) {
            units.append((row.unitId, row.unitName.isEmpty ? row.unitId : row.unitName))
        }
        let heading = t("Attendance by cell and month", "Tỷ lệ dự họp theo chi bộ và tháng")
        var html = "<section id=\"attendance\"><h2>\(Self.escape(heading))</h2>\n"
        let labelWidth = 190
        let square = 46
        let rowHeight = 26
        let width = labelWidth + 12 * square + 10
        let height = 30 + max(1, units.count) * rowHeight + 10
        html += "<svg id=\"chart-attendance\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
        html += "width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\">\n"
        html += "<title>\(Self.escape(heading))</title>\n"
        for month in 1...12 {
            let x = labelWidth + (month - 1) * square + square / 2
            html += "<text x=\"\(x)\" y=\"18\" text-anchor=\"middle\" class=\"axis\">\(t("M", "T"))\(month)</text>\n"
        }
        if units.isEmpty {
            html +=
                "<text x=\"10\" y=\"50\" class=\"axis\">\(Self.escape(t("No meetings recorded.", "Chưa có cuộc họp nào.")))</text>\n"
        }
        for (index, unit) in units.enumerated() {
            let y = 30 + index * rowHeight
            html += "<text x=\"\(labelWidth - 8)\" y=\"\(y + 17)\" text-anchor=\"end\" class=\"label\">"
            html += Self.escape(DisplayWidth.truncated(unit.name, to: 26)) + "</text>\n"
            for month in 1...12 {
                let row = attendance.first {
                    $0.unitId == unit.id && $0.period?.index == Int32(month) && $0.period?.kind == .month
                }
                let x = labelWidth + (month - 1) * square
                let (fill, text, cssClass): (String, String, String)
                if let row, row.expected > 0 {
                    // The colour follows the whole percentage written in the square (90.91 → 91%).
                    let shown = (row.rateBp + 50) / 100 * 100
                    let good = shown > thresholdBp && row.absentUnexcused == 0
                    fill = good ? Self.green(shown) : (shown > thresholdBp ? "#f6c344" : "#e4572e")
                    text = String(shown / 100) + "%"
                    cssClass = good ? "good" : "low"
                } else {
                    (fill, text, cssClass) = ("#eeeeee", "–", "none")
                }
                html += "<rect x=\"\(x + 1)\" y=\"\(y)\" width=\"\(square - 2)\" height=\"\(rowHeight - 2)\" "
                html +=
                    "fill=\"\(fill)\" class=\"\(cssClass)\"><title>\(Self.escape(unit.name)) \(month)/\(overview.year): \(text)</title></rect>\n"
                html +=
                    "<text x=\"\(x + square / 2)\" y=\"\(y + 17)\" text-anchor=\"middle\" class=\"value\">\(text)</text>\n"
            }
        }
        html += "</svg>\n"
        html +=
            "<p class=\"legend\">"
            + Self.escape(
                t("Green: above ", "Xanh: trên ") + presenter.percent(thresholdBp)
                    + t(
                        " and nobody absent without reason; yellow: an unexcused absence; red: at or under the threshold.",
                        " và không ai vắng không lý do; vàng: có người vắng không lý do; đỏ: không vượt ngưỡng."
                    )
            ) + "</p>\n"
        return html + "</section>\n"
    }

    private static func green(_ rateBp: Int32) -> String {
        rateBp >= 9500 ? "#2e7d32" : rateBp >= 9000 ? "#43a047" : "#66bb6a"
    }

    private static let gradeColors: [(Grade, String)] = [
        (.excellent, "#1b5e20"), (.good, "#66bb6a"), (.completed, "#f6c344"), (.notCompleted, "#e4572e"),
    ]

    /// Stacked bars: members by grade and cells by grade.
    private func gradingSection() -> String {
        let heading = t("Grading distribution", "Kết quả xếp loại")
        var html = "<section id=\"grading\"><h2>\(Self.escape(heading)) \(overview.year)</h2>\n"
        func totals(_ pick: (GradingRow) -> [GradeCount]) -> [Grade: Int32] {
            var sums: [Grade: Int32] = [:]
            for row in overview.grading {
                for count in pick(row) { sums[count.grade, default: 0] += count.count }
            }
            return sums
        }
        let bars = [(t("Members", "Đảng viên"), totals(\.members)), (t("Cells", "Chi bộ"), totals(\.cells))]
        let width = 760
        let barWidth = 540
        html += "<svg id=\"chart-grading\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
        html +=
            "width=\"\(width)\" height=\"130\" viewBox=\"0 0 \(width) 130\">\n<title>\(Self.escape(heading))</title>\n"
        for (index, (label, sums)) in bars.enumerated() {
            let y = 10 + index * 40
            let total = sums.values.reduce(0, +)
            html += "<text x=\"110\" y=\"\(y + 20)\" text-anchor=\"end\" class=\"label\">\(Self.escape(label))</text>\n"
            var x = 120.0
            if total == 0 {
                html += "<rect x=\"120\" y=\"\(y)\" width=\"\(barWidth)\" height=\"28\" fill=\"#eeeeee\" />\n"
                html +=
                    "<text x=\"130\" y=\"\(y + 19)\" class=\"axis\">\(Self.escape(t("not graded", "chưa xếp loại")))</text>\n"
                continue
            }
            for (grade, color) in Self.gradeColors {
                let count = sums[grade] ?? 0
                guard count > 0 else { continue }
                let share = Double(barWidth) * Double(count) / Double(total)
                let name = presenter.value(grade.protoName, grade.rawValue)
                html +=
                    "<rect x=\"\(Self.number(x))\" y=\"\(y)\" width=\"\(Self.number(share))\" height=\"28\" fill=\"\(color)\">"
                html += "<title>\(Self.escape(name)): \(count)</title></rect>\n"
                if share > 24 {
                    html +=
                        "<text x=\"\(Self.number(x + share / 2))\" y=\"\(y + 19)\" text-anchor=\"middle\" class=\"inbar\">\(count)</text>\n"
                }
                x += share
            }
            html += "<text x=\"\(120 + barWidth + 8)\" y=\"\(y + 19)\" class=\"axis\">\(total)</text>\n"
        }
        var legendX = 120
        for (grade, color) in Self.gradeColors {
            let name = presenter.value(grade.protoName, grade.rawValue)
            html += "<rect x=\"\(legendX)\" y=\"100\" width=\"12\" height=\"12\" fill=\"\(color)\" />"
            html += "<text x=\"\(legendX + 16)\" y=\"111\" class=\"axis\">\(Self.escape(name))</text>\n"
            legendX += 130
        }
        html += "</svg>\n"
        let clean = overview.grading.reduce(0) { $0 + $1.cleanAndStrongCells }
        html +=
            "<p>" + Self.escape(t("Cells recognised as clean and strong: ", "Chi bộ trong sạch, vững mạnh: "))
            + "\(clean)</p>\n"
        return html + "</section>\n"
    }

    /// A bar per flag kind, then every flag in a table.
    private func flagsSection() -> String {
        let heading = t("Flags", "Cảnh báo")
        var html = "<section id=\"flags\"><h2>\(Self.escape(heading)) (\(overview.flags.count))</h2>\n"
        var counts: [(FlagKind, Int)] = []
        for flag in overview.flags {
            if let index = counts.firstIndex(where: { $0.0 == flag.kind }) {
                counts[index].1 += 1
            } else {
                counts.append((flag.kind, 1))
            }
        }
        let most = counts.map(\.1).max() ?? 1
        let height = 20 + max(1, counts.count) * 26
        html += "<svg id=\"chart-flags\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
        html +=
            "width=\"760\" height=\"\(height)\" viewBox=\"0 0 760 \(height)\">\n<title>\(Self.escape(heading))</title>\n"
        if counts.isEmpty {
            html +=
                "<text x=\"10\" y=\"30\" class=\"axis\">\(Self.escape(t("No flags.", "Không có cảnh báo.")))</text>\n"
        }
        for (index, (kind, count)) in counts.enumerated() {
            let y = 10 + index * 26
            let width = max(2, 420 * count / most)
            html += "<text x=\"270\" y=\"\(y + 16)\" text-anchor=\"end\" class=\"label\">"
            html += Self.escape(presenter.value(kind.protoName, kind.rawValue)) + "</text>\n"
            html +=
                "<rect x=\"280\" y=\"\(y)\" width=\"\(width)\" height=\"20\" fill=\"#e4572e\" class=\"flag-bar\" />\n"
            html += "<text x=\"\(286 + width)\" y=\"\(y + 15)\" class=\"axis\">\(count)</text>\n"
        }
        html += "</svg>\n"
        guard !overview.flags.isEmpty else { return html + "</section>\n" }
        html +=
            "<table class=\"flags\">\n<thead><tr><th>"
            + [
                t("Flag", "Cảnh báo"), t("Unit", "Đơn vị"), t("Member", "Đảng viên"), t("Date", "Ngày"),
                t("Detail", "Chi tiết"),
            ].map(Self.escape).joined(separator: "</th><th>") + "</th></tr></thead>\n<tbody>\n"
        // Grouped by kind, the most frequent first, each group headed by its count.
        for (kind, count) in counts.sorted(by: { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.rawValue < $1.0.rawValue }) {
            let name = presenter.value(kind.protoName, kind.rawValue)
            html += "<tr class=\"group\"><th colspan=\"5\">\(Self.escape(name)) (\(count))</th></tr>\n"
            for flag in overview.flags where flag.kind == kind {
                let unit = unitNames[flag.unitId] ?? ""
                let member = memberNames[flag.memberId] ?? ""
                let date = flag.on.map { presenter.date($0) } ?? flag.period.map(Periods.label) ?? ""
                html +=
                    "<tr class=\"flag\"><td class=\"kind\">"
                    + [name, unit, member, date, flag.detail].map(Self.escape).joined(separator: "</td><td>")
                    + "</td></tr>\n"
            }
        }
        return html + "</tbody>\n</table>\n</section>\n"
    }

    private func membersSection() -> String {
        var html =
            "<section id=\"members\"><h2>" + Self.escape(t("Members by status", "Đảng viên theo tình trạng"))
            + "</h2>\n<table>\n<tbody>\n"
        for count in overview.byStatus {
            let label = presenter.value("MEMBER_STATUS_" + count.name, 1)
            html += "<tr><td>\(Self.escape(label))</td><td class=\"num\">\(count.count)</td></tr>\n"
        }
        html += "</tbody>\n</table>\n"
        return html + "</section>\n"
    }

    private static func number(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    static let css = """
        body{font-family:"Noto Sans","DejaVu Sans",Arial,sans-serif;margin:24px;color:#1d1d1d;max-width:900px}\
        h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 8px;border-bottom:1px solid #ccc}\
        .meta{color:#555;margin:0}.cards{display:flex;gap:12px;margin-top:16px}\
        .card{flex:1;border:1px solid #ccc;border-radius:6px;padding:10px;text-align:center}\
        .card .value{font-size:26px;font-weight:bold}.card .label{color:#555}.card.alert{border-color:#e4572e}\
        .card.alert .value{color:#c62828}.chart{max-width:100%;height:auto}\
        .chart text{font-size:12px}.chart .value{font-size:11px;fill:#fff}.chart .inbar{fill:#fff;font-weight:bold}\
        .chart .axis{fill:#555}table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;\
        padding:3px 8px;text-align:left;font-size:13px}.num{text-align:right}tr.flag td.kind{color:#c62828;\
        font-weight:bold}.legend{font-size:12px;color:#555}footer{margin-top:24px;font-size:11px;color:#777}\
        @media print{body{margin:0}.cards{break-inside:avoid}section{break-inside:avoid}}
        """
}
