/// Calendar arithmetic on schema dates, as the rules need it: ordering, month lengths, adding
/// months, quarters. Proleptic Gregorian, no time zone (dates are Vietnam calendar days).
extension CalendarDate: Comparable {
    /// Earlier dates sort first.
    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// The number of days in a month of a year.
    public static func daysIn(month: Int32, of year: Int32) -> Int32 {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let lengths: [Int32] = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return lengths[Int(max(1, min(12, month))) - 1]
    }

    /// The first day of the month this date is in.
    public var startOfMonth: CalendarDate { CalendarDate(year: year, month: month, day: 1) }

    /// The last day of the month this date is in.
    public var endOfMonth: CalendarDate {
        CalendarDate(year: year, month: month, day: Self.daysIn(month: month, of: year))
    }

    /// The quarter, 1 to 4.
    public var quarter: Int32 { (month - 1) / 3 + 1 }

    /// The same day `months` months later (or earlier), cut to the month's last day.
    public func adding(months: Int32) -> CalendarDate {
        let index = year * 12 + (month - 1) + months
        let newYear = index / 12
        let newMonth = index % 12 + 1
        return CalendarDate(year: newYear, month: newMonth, day: min(day, Self.daysIn(month: newMonth, of: newYear)))
    }

    /// The next day.
    public var nextDay: CalendarDate {
        if day < Self.daysIn(month: month, of: year) { return CalendarDate(year: year, month: month, day: day + 1) }
        return month == 12
            ? CalendarDate(year: year + 1, month: 1, day: 1) : CalendarDate(year: year, month: month + 1, day: 1)
    }

    /// The previous day.
    public var previousDay: CalendarDate {
        if day > 1 { return CalendarDate(year: year, month: month, day: day - 1) }
        return month == 1
            ? CalendarDate(year: year - 1, month: 12, day: 31)
            : CalendarDate(year: year, month: month - 1, day: Self.daysIn(month: month - 1, of: year))
    }

    /// `dd/MM/yyyy`, as Vietnamese documents write dates.
    public var vietnameseText: String {
        func pad(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(pad(day))/\(pad(month))/\(year)"
    }
}
