import ChiboDomain
import ChiboModel
import Foundation

/// Parsers for the values spreadsheets hold: dates, times of day, numbers. Each returns the
/// value or a message that completes "column X …".
enum ValueParsers {
    /// A date written `dd/MM/yyyy`, `d/M/yyyy` (also with `-` or `.`), or `yyyy-MM-dd`; a time
    /// of midnight after it, as spreadsheets export dates, is ignored. Refuses two-digit years,
    /// spreadsheet serial numbers and dates that do not exist (31/02/2020).
    static func date(_ text: String) -> Result<CalendarDate, ValueFault> {
        var text = text
        for suffix in [" 00:00:00", "T00:00:00", " 00:00", " 0:00:00", " 0:00"] where text.hasSuffix(suffix) {
            text.removeLast(suffix.count)
            break
        }
        let separators: Set<Character> = ["/", "-", "."]
        let parts = text.split(omittingEmptySubsequences: false) { separators.contains($0) }
        let digitsOnly = { (part: Substring) in !part.isEmpty && part.allSatisfy { $0.isASCII && $0.isNumber } }
        if parts.count == 1, digitsOnly(parts[0]), (4...6).contains(parts[0].count), Int(parts[0]) ?? 0 > 3000 {
            return .failure(
                ValueFault(
                    message: "\"\(text)\" looks like a spreadsheet's date serial number: format the column as "
                        + "dd/mm/yyyy text before saving"
                )
            )
        }
        let used = Set(text.filter { separators.contains($0) })
        guard parts.count == 3, parts.allSatisfy(digitsOnly), used.count == 1 else {
            return .failure(
                ValueFault(message: "\"\(text)\" is not a date: write dd/mm/yyyy (15/03/1975) or yyyy-mm-dd")
            )
        }
        let year: Int
        let month: Int
        let day: Int
        if parts[0].count == 4, parts[1].count <= 2, parts[2].count <= 2 {
            (year, month, day) = (Int(parts[0])!, Int(parts[1])!, Int(parts[2])!)
        } else if parts[0].count <= 2, parts[1].count <= 2, parts[2].count == 4 {
            (day, month, year) = (Int(parts[0])!, Int(parts[1])!, Int(parts[2])!)
        } else if parts[0].count <= 2, parts[1].count <= 2, parts[2].count == 2 {
            return .failure(
                ValueFault(message: "\"\(text)\" has a two-digit year: write the year in full (dd/mm/yyyy)")
            )
        } else {
            return .failure(
                ValueFault(message: "\"\(text)\" is not a date: write dd/mm/yyyy (15/03/1975) or yyyy-mm-dd")
            )
        }
        guard (1...12).contains(month) else {
            return .failure(
                ValueFault(message: "\"\(text)\" has no month \(month): dates are read as day/month/year")
            )
        }
        guard (1890...2100).contains(year) else {
            return .failure(ValueFault(message: "\"\(text)\" has the year \(year), outside 1890–2100"))
        }
        let date = CalendarDate(year: Int32(year), month: Int32(month), day: Int32(day))
        guard DateKeys.isValid(date) else {
            let length = (28...31).last {
                DateKeys.isValid(CalendarDate(year: Int32(year), month: Int32(month), day: $0))
            }
            return .failure(
                ValueFault(
                    message: "\"\(text)\" is not a real date: month \(month) of \(year) has \(length ?? 28) days"
                )
            )
        }
        return .success(date)
    }

    /// A time of day as minutes after midnight: `19:30`, `19h30`, `19h`, `19 giờ 30`, `7:05`.
    static func time(_ text: String) -> Result<Int32, ValueFault> {
        var compact = text.lowercased().replacingOccurrences(of: "giờ", with: "h")
        compact = compact.replacingOccurrences(of: "phút", with: "").replacingOccurrences(of: "'", with: "")
        compact.removeAll { $0 == " " }
        if compact.hasSuffix("p") { compact.removeLast() }
        let parts = compact.split(omittingEmptySubsequences: false) { $0 == ":" || $0 == "h" || $0 == "g" }
        let fault = ValueFault(message: "\"\(text)\" is not a time: write 19:30 or 19h30")
        guard (1...2).contains(parts.count), let hour = Int(parts[0]), parts[0].count <= 2 else {
            return .failure(fault)
        }
        var minute = 0
        if parts.count == 2, !parts[1].isEmpty {
            guard parts[1].count == 2, let value = Int(parts[1]) else { return .failure(fault) }
            minute = value
        } else if parts.count == 1 {
            return .failure(fault)
        }
        guard (0...23).contains(hour), (0...59).contains(minute) else {
            return .failure(ValueFault(message: "\"\(text)\" is not a time of day"))
        }
        return .success(Int32(hour * 60 + minute))
    }

    /// A whole number in `range`.
    static func integer(_ text: String, in range: ClosedRange<Int>) -> Result<Int, ValueFault> {
        let compact = text.filter { $0 != " " && $0 != "\u{00A0}" }
        guard let value = Int(compact) else {
            return .failure(ValueFault(message: "\"\(text)\" is not a whole number"))
        }
        guard range.contains(value) else {
            return .failure(ValueFault(message: "\(value) is outside \(range.lowerBound)–\(range.upperBound)"))
        }
        return .success(value)
    }

    /// A number in `range`, with `.` or `,` as the decimal separator (`85,5`).
    static func decimal(_ text: String, in range: ClosedRange<Double>) -> Result<Double, ValueFault> {
        var compact = text.filter { $0 != " " && $0 != "\u{00A0}" }
        if !compact.contains("."), compact.filter({ $0 == "," }).count == 1 {
            compact = compact.replacingOccurrences(of: ",", with: ".")
        }
        guard let value = Double(compact), value.isFinite else {
            return .failure(ValueFault(message: "\"\(text)\" is not a number"))
        }
        guard range.contains(value) else {
            return .failure(
                ValueFault(message: "\(text) is outside \(Int(range.lowerBound))–\(Int(range.upperBound))")
            )
        }
        return .success(value)
    }
}

/// Why a value does not parse: completes "column X …".
struct ValueFault: Error, Hashable {
    /// The message.
    var message: String
}
