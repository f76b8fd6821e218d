import ChiboModel
import Foundation

/// The invalid fields of a record, collected so that a caller learns every problem at once.
/// The checks of this module add to it; a service throws them together, an import reports them
/// against the row.
public struct Violations: Sendable {
    /// The problems found so far, in the order the checks found them.
    public private(set) var list: [FieldViolation] = []

    /// No problems yet.
    public init() {}

    /// Records a problem with a field.
    public mutating func add(_ field: String, _ description: String) {
        list.append(FieldViolation(field: field, description: description))
    }

    /// Requires a non-empty string of at most `maxLength` characters.
    public mutating func requireText(_ value: String, _ field: String, maxLength: Int = 200) {
        if value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            add(field, "required")
        } else if value.count > maxLength {
            add(field, "longer than \(maxLength) characters")
        }
    }

    /// Checks an optional date.
    public mutating func checkDate(_ date: CalendarDate?, _ field: String) {
        if let date, !DateKeys.isValid(date) {
            add(field, "\(date.year)-\(date.month)-\(date.day) is not a calendar date")
        }
    }

    /// Checks a date range: valid dates, and `from` before `to`.
    public mutating func checkRange(_ range: DateRange?, _ field: String) {
        guard let range else { return }
        checkDate(range.from, field + ".from")
        checkDate(range.to, field + ".to")
        if let from = DateKeys.key(range.from), let to = DateKeys.key(range.to), from >= to {
            add(field, "ends on or before it starts")
        }
    }
}
