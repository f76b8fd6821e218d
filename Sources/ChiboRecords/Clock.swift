import ChiboModel
import ChiboStore
import Foundation

/// The time services stamp changes with; tests may fix it.
public struct RecordsClock: Sendable {
    /// Now, in Unix milliseconds.
    public var nowMs: @Sendable () -> Int64

    /// Creates a clock.
    public init(nowMs: @escaping @Sendable () -> Int64) {
        self.nowMs = nowMs
    }

    /// The system clock.
    public static let system = RecordsClock { Int64(Date().timeIntervalSince1970 * 1000) }

    /// The context of a change made now under a request's options.
    public func mutationContext(_ options: MutationOptions?) -> MutationContext {
        MutationContext(
            requestID: options?.requestId ?? "",
            validateOnly: options?.validateOnly ?? false,
            actor: "",
            nowMs: nowMs()
        )
    }

    /// Today's date in Vietnam (UTC+7), the date a paper record would carry.
    public func today() -> CalendarDate {
        let seconds = nowMs() / 1000 + 7 * 3600
        let days = Int(seconds.dividedFloor(by: 86_400))
        return CalendarDate(civilDaysSinceEpoch: days)
    }
}

extension Int64 {
    fileprivate func dividedFloor(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor < 0) ? quotient - 1 : quotient
    }
}

extension CalendarDate {
    /// The civil date `days` days after 1970-01-01 (Howard Hinnant's algorithm).
    init(civilDaysSinceEpoch days: Int) {
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
}
