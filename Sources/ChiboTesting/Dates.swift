import ChiboModel

/// A calendar date written the short way the tests need it: `day(2025, 3, 3)`.
public func day(_ year: Int32, _ month: Int32, _ day: Int32) -> CalendarDate {
    CalendarDate(year: year, month: month, day: day)
}
