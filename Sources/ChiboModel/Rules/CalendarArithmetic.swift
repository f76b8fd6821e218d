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

    /// The civil date `days` days after 1970-01-01 (Howard Hinnant's algorithm).
    public init(daysSince1970 days: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthPrime = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthPrime + 2) / 5 + 1
        let month = monthPrime < 10 ? monthPrime + 3 : monthPrime - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        self.init(year: Int32(year), month: Int32(month), day: Int32(day))
    }

    /// Days since 1970-01-01 (Howard Hinnant's algorithm; negative before).
    public var daysSince1970: Int {
        let month = Int(self.month)
        let year = Int(self.year) - (month <= 2 ? 1 : 0)
        let era = (year >= 0 ? year : year - 399) / 400
        let yearOfEra = year - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + Int(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// `YYYY-MM-DD`: sortable, and compared the same way in every store.
    public var isoKey: String {
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// The date `days` days later (earlier when negative).
    public func adding(days: Int) -> CalendarDate { CalendarDate(daysSince1970: daysSince1970 + days) }

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
