import Foundation

/// Formatting of the tables wire-bench prints (Markdown).
enum Report {
    static func number(_ value: Double, decimals: Int = 0) -> String {
        let formatted = String(format: "%.\(decimals)f", value)
        guard decimals == 0, value >= 10_000 else { return formatted }
        // Thousands separators for large whole numbers.
        var digits = Array(formatted)
        var index = digits.count - 3
        while index > 0 {
            digits.insert(",", at: index)
            index -= 3
        }
        return String(digits)
    }

    static func ratio(_ value: Double, _ reference: Double) -> String {
        reference > 0 ? String(format: "%.2f×", value / reference) : "–"
    }

    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    static func table(_ header: [String], _ rows: [[String]]) -> String {
        var lines = ["| " + header.joined(separator: " | ") + " |"]
        lines.append("|" + header.enumerated().map { $0.offset == 0 ? " --- |" : " ---: |" }.joined())
        for row in rows { lines.append("| " + row.joined(separator: " | ") + " |") }
        return lines.joined(separator: "\n")
    }
}
