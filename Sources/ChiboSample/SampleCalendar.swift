import ChiboModel

/// Calendar arithmetic for generated dates: days since 1970-01-01 in the proleptic Gregorian
/// calendar (Howard Hinnant's algorithms), no time zone, no Foundation.
enum SampleCalendar {
    /// Days in a month.
    static func daysIn(year: Int, month: Int) -> Int {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }

    /// The date, clamping the day to the month's last.
    static func date(_ year: Int, _ month: Int, _ day: Int) -> CalendarDate {
        CalendarDate(
            year: Int32(year),
            month: Int32(month),
            day: Int32(min(day, daysIn(year: year, month: month)))
        )
    }

    /// Days since 1970-01-01.
    static func ordinal(_ date: CalendarDate) -> Int {
        let month = Int(date.month)
        let year = Int(date.year) - (month <= 2 ? 1 : 0)
        let era = (year >= 0 ? year : year - 399) / 400
        let yearOfEra = year - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + Int(date.day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date `days` days after 1970-01-01.
    static func date(ordinal days: Int) -> CalendarDate {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthPrime = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthPrime + 2) / 5 + 1
        let month = monthPrime < 10 ? monthPrime + 3 : monthPrime - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return CalendarDate(year: Int32(year), month: Int32(month), day: Int32(day))
    }

    /// The date `days` days later (or earlier, when negative).
    static func adding(days: Int, to date: CalendarDate) -> CalendarDate {
        Self.date(ordinal: ordinal(date) + days)
    }

    /// The same day `months` months later, or that month's last day.
    static func adding(months: Int, to date: CalendarDate) -> CalendarDate {
        let total = Int(date.year) * 12 + Int(date.month) - 1 + months
        return Self.date(total / 12, total % 12 + 1, Int(date.day))
    }

    /// A random day between two dates, both included.
    static func random(from start: CalendarDate, to end: CalendarDate, _ random: inout SampleRandom) -> CalendarDate {
        let low = ordinal(start)
        let high = max(low, ordinal(end))
        return date(ordinal: random.int(low...high))
    }

    /// `YYYY-MM-DD`, the form `ExpectedAttendance` and the stores compare.
    static func key(_ date: CalendarDate) -> String {
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(date.year, 4))-\(pad(date.month, 2))-\(pad(date.day, 2))"
    }

    /// Whether `first` is before `second`.
    static func isBefore(_ first: CalendarDate, _ second: CalendarDate) -> Bool {
        (first.year, first.month, first.day) < (second.year, second.month, second.day)
    }
}
