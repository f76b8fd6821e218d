import ChiboModel

/// Bars and sparklines drawn with block characters, one column each, so they line up in a
/// table like any other text.
public enum TerminalCharts {
    private static let levels: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    private static let eighths: [Character] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"].map { $0.first ?? " " }

    /// The lowest rate a sparkline of attendance tells apart: ▁ is this or less, █ is 100%.
    public static let sparklineFloor = 0.5

    /// One character per value from ▁ (`floor` or less) to █ (1); "·" where there is no value.
    /// Attendance lies mostly between 75% and 100%: a scale from 50% draws 77% and 100% as
    /// different bars.
    public static func sparkline(_ values: [Double?], floor: Double = 0) -> String {
        String(
            values.map { value -> Character in
                guard let value else { return "·" }
                let clamped = min(1, max(0, (value - floor) / (1 - floor)))
                return levels[min(levels.count - 1, Int((clamped * Double(levels.count - 1)).rounded()))]
            }
        )
    }

    /// A horizontal bar `width` columns wide at most, filled to `fraction` in eighths of a column.
    public static func bar(_ fraction: Double, width: Int) -> String {
        let clamped = min(1, max(0, fraction))
        let totalEighths = Int((clamped * Double(width * 8)).rounded())
        var text = String(repeating: "█", count: totalEighths / 8)
        if totalEighths % 8 > 0 { text.append(eighths[totalEighths % 8]) }
        return text + String(repeating: " ", count: max(0, width - DisplayWidth.of(text)))
    }

    /// Attendance by cell and month: a row per cell with a sparkline of its monthly rates, a
    /// bar and the rate over the range, and the months at or under the threshold highlighted.
    public static func attendance(
        _ rows: [AttendanceRow],
        thresholdBp: Int32,
        presenter: Presenter,
        style: TerminalStyle
    ) -> String {
        let months = Array(Set(rows.compactMap { $0.period.map { $0.year * 100 + $0.index } })).sorted()
        var units: [(id: String, name: String)] = []
        for row in rows where !units.contains(where: { $0.id == row.unitId }) {
            units.append((row.unitId, row.unitName))
        }
        let headers = [
            presenter.text("CELL", "CHI BỘ"),
            presenter.text("BY MONTH", "THEO THÁNG")
                + (months.isEmpty ? "" : " \(months[0] % 100)–\(months[months.count - 1] % 100)"),
            presenter.text("ATTENDANCE", "TỶ LỆ DỰ HỌP"),
            presenter.text("RATE", "TỶ LỆ"),
            presenter.text("LOW MONTHS", "THÁNG THẤP"),
        ]
        var table: [[TableCell]] = []
        for unit in units {
            let own = rows.filter { $0.unitId == unit.id }
            var values: [Double?] = []
            var low: [String] = []
            for month in months {
                let row = own.first { ($0.period.map { $0.year * 100 + $0.index }) == month }
                if let row, row.expected > 0 {
                    values.append(Double(row.rateBp) / 10_000)
                    if Presenter.shownBp(row.rateBp) <= thresholdBp || row.absentUnexcused > 0 {
                        low.append(String(month % 100))
                    }
                } else {
                    values.append(nil)
                }
            }
            let expected = own.reduce(0) { $0 + Int($1.expected) }
            let present = own.reduce(0) { $0 + Int($1.present) }
            let rate = expected == 0 ? 0 : Double(present) / Double(expected)
            let rateBp = Int32((rate * 10_000).rounded())
            let flagged = !low.isEmpty || (expected > 0 && Presenter.shownBp(rateBp) <= thresholdBp)
            table.append([
                TableCell(unit.name.isEmpty ? unit.id : unit.name),
                TableCell(sparkline(values, floor: sparklineFloor)),
                TableCell(bar(rate, width: 20), flagged ? .alert : .good),
                TableCell(expected == 0 ? "" : presenter.percent(rateBp), flagged ? .alert : .none),
                TableCell(low.joined(separator: ","), low.isEmpty ? .none : .alert),
            ])
        }
        let legend = presenter.text(
            "By month: ▁ 50% or less … █ 100%, · no meeting. LOW MONTHS: months at or under the "
                + "\(presenter.percent(thresholdBp)) threshold, or with a member absent without reason.",
            "Theo tháng: ▁ từ 50% trở xuống … █ 100%, · không họp. THÁNG THẤP: tháng không vượt ngưỡng "
                + "\(presenter.percent(thresholdBp)), hoặc có đảng viên vắng không lý do."
        )
        return TableRenderer(style: style, rightAligned: [3]).render(headers: headers, rows: table) + legend + "\n"
    }
}
