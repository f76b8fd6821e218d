import ChiboModel

/// Dates for generated records, over ChiboModel's calendar arithmetic: a clamped constructor
/// and random days.
enum SampleCalendar {
    /// The date, clamping the day to the month's last.
    static func date(_ year: Int, _ month: Int, _ day: Int) -> CalendarDate {
        let days = CalendarDate.daysIn(month: Int32(month), of: Int32(year))
        return CalendarDate(year: Int32(year), month: Int32(month), day: min(Int32(day), days))
    }

    /// A random day between two dates, both included.
    static func random(from start: CalendarDate, to end: CalendarDate, _ random: inout SampleRandom) -> CalendarDate {
        let low = start.daysSince1970
        let high = max(low, end.daysSince1970)
        return CalendarDate(daysSince1970: random.int(low...high))
    }
}
