import ChiboModel

/// Dates as `YYYY-MM-DD` text: sortable and comparable the same way in every SQL backend.
public enum DateKeys {
    /// The key of a date, or nil for an absent date.
    public static func key(_ date: CalendarDate?) -> String? {
        guard let date else { return nil }
        return key(year: Int(date.year), month: Int(date.month), day: Int(date.day))
    }

    /// The key of a year, month and day.
    public static func key(year: Int, month: Int, day: Int) -> String {
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// Whether a date exists in the proleptic Gregorian calendar.
    public static func isValid(_ date: CalendarDate) -> Bool {
        guard (1...9999).contains(date.year), (1...12).contains(date.month), date.day >= 1 else { return false }
        let leap = (date.year % 4 == 0 && date.year % 100 != 0) || date.year % 400 == 0
        let lengths: [Int32] = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return date.day <= lengths[Int(date.month) - 1]
    }
}
