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
        CalendarDate(year: Int32(year), month: Int32(month), day: Int32(day)).isoKey
    }

    /// Whether a date exists in the proleptic Gregorian calendar.
    public static func isValid(_ date: CalendarDate) -> Bool {
        guard (1...9999).contains(date.year), (1...12).contains(date.month), date.day >= 1 else { return false }
        return date.day <= CalendarDate.daysIn(month: date.month, of: date.year)
    }
}
