import ChiboModel

/// Reporting periods: which month, quarter or year a date falls in, and their first and last days.
public enum Periods {
    /// The period of a kind that holds a date.
    public static func period(of date: CalendarDate, kind: PeriodKind) -> Period {
        switch kind {
        case .month: Period(kind: kind, year: date.year, index: date.month)
        case .quarter: Period(kind: kind, year: date.year, index: date.quarter)
        default: Period(kind: .year, year: date.year, index: 0)
        }
    }

    /// The first day of a period.
    public static func first(_ period: Period) -> CalendarDate {
        switch period.kind {
        case .month: CalendarDate(year: period.year, month: period.index, day: 1)
        case .quarter: CalendarDate(year: period.year, month: (period.index - 1) * 3 + 1, day: 1)
        default: CalendarDate(year: period.year, month: 1, day: 1)
        }
    }

    /// The last day of a period.
    public static func last(_ period: Period) -> CalendarDate {
        switch period.kind {
        case .month: CalendarDate(year: period.year, month: period.index, day: 1).endOfMonth
        case .quarter: CalendarDate(year: period.year, month: period.index * 3, day: 1).endOfMonth
        default: CalendarDate(year: period.year, month: 12, day: 31)
        }
    }

    /// Every period of a kind that overlaps a range, in order.
    public static func periods(from: CalendarDate, through: CalendarDate, kind: PeriodKind) -> [Period] {
        var result: [Period] = []
        var period = self.period(of: from, kind: kind)
        while first(period) <= through {
            result.append(period)
            period = self.period(of: last(period).nextDay, kind: kind)
        }
        return result
    }

    /// A sortable key of a period.
    static func sortKey(_ period: Period) -> Int32 { period.year * 100 + period.index }

    /// "03/2019", "Q1/2019" or "2019".
    public static func text(_ period: Period) -> String {
        switch period.kind {
        case .month: period.index < 10 ? "0\(period.index)/\(period.year)" : "\(period.index)/\(period.year)"
        case .quarter: "Q\(period.index)/\(period.year)"
        default: "\(period.year)"
        }
    }
}
