import ChiboCodec
import ChiboModel

/// Parses the values people type on the command line: dates, times of day, enum values by their
/// short names, lists.
public enum Values {
    /// YYYY-MM-DD (also D/M/YYYY, as dates are written in Vietnam).
    public static func date(_ text: String, option: String) throws(CLIFailure) -> CalendarDate {
        let trimmed = text.trimmingSpaces
        if trimmed.contains("/") {
            let parts = trimmed.split(separator: "/").compactMap { Int32($0) }
            if parts.count == 3, valid(year: parts[2], month: parts[1], day: parts[0]) {
                return CalendarDate(year: parts[2], month: parts[1], day: parts[0])
            }
        } else {
            let parts = trimmed.split(separator: "-").compactMap { Int32($0) }
            if parts.count == 3, valid(year: parts[0], month: parts[1], day: parts[2]) {
                return CalendarDate(year: parts[0], month: parts[1], day: parts[2])
            }
        }
        throw CLIFailure.usage(
            "\(option) expects a calendar date as YYYY-MM-DD (or D/M/YYYY), got \"\(text)\""
        )
    }

    private static func valid(year: Int32, month: Int32, day: Int32) -> Bool {
        (1...9999).contains(year) && (1...12).contains(month) && (1...daysIn(month: month, year: year)).contains(day)
    }

    /// The days of a month of the Gregorian calendar.
    static func daysIn(month: Int32, year: Int32) -> Int32 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// HH:MM as minutes after midnight.
    public static func time(_ text: String, option: String) throws(CLIFailure) -> Int32 {
        let parts = text.trimmingSpaces.split(separator: ":")
        if parts.count == 2, let hours = Int32(parts[0]), let minutes = Int32(parts[1]), (0...24).contains(hours),
            (0...59).contains(minutes), hours * 60 + minutes <= 1440
        {
            return hours * 60 + minutes
        }
        throw CLIFailure.usage("\(option) expects a time as HH:MM, got \"\(text)\"")
    }

    /// An enum value by its schema name ("MEMBER_STATUS_OFFICIAL"), its short name in any case
    /// with spaces or hyphens ("official", "working-away"), its English or Vietnamese label
    /// with or without diacritics ("working away", "đi làm ăn xa", "di lam an xa"), or its
    /// number.
    public static func enumNumber(_ text: String, enumName: String, option: String) throws(CLIFailure) -> Int32 {
        guard let description = SchemaDescription.enumType(named: enumName) else {
            throw CLIFailure.local("unknown enum \(enumName)")
        }
        let key = String(text.trimmingSpaces.uppercased().map { $0 == "-" || $0 == " " ? "_" : $0 })
        let folded = Folding.fold(text)
        for value in description.values where value.number != 0 {
            if value.name == key || value.name == description.valuePrefix + key { return value.number }
        }
        for value in description.values where value.number != 0 {
            guard let labels = Presenter.enumLabels[value.name] else { continue }
            if Folding.fold(labels.0) == folded || Folding.fold(labels.1) == folded { return value.number }
        }
        if let number = Int32(key), description.values.contains(where: { $0.number == number && number != 0 }) {
            return number
        }
        let choices = description.values.filter { $0.number != 0 }.map { value in
            let short = value.name.dropFirst(description.valuePrefix.count).lowercased().replacing("_", with: "-")
            guard let vietnamese = Presenter.enumLabels[value.name]?.1 else { return short }
            return "\(short) (\(vietnamese))"
        }
        throw CLIFailure.usage("\(option) expects one of \(choices.joined(separator: ", ")), got \"\(text)\"")
    }

    /// Comma-separated items, trimmed, empty ones dropped.
    public static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
    }

    /// Comma-separated items from several occurrences of a repeatable option.
    public static func list(_ texts: [String]) -> [String] { texts.flatMap { list($0) } }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    var trimmingSpaces: String {
        let characters = Array(self)
        guard let first = characters.firstIndex(where: { !$0.isWhitespace }),
            let last = characters.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(characters[first...last])
    }
}
