import Foundation

/// Turns an .xlsx cell's stored value into the text the CSV path reads: numbers as Excel shows
/// them (whole numbers without `.0`, up to 15 significant digits), dates as `dd/MM/yyyy`, times
/// as `HH:mm` (booleans, TRUE as `1` and FALSE as an empty cell, are the sheet reader's).
enum XLSXCellValue {
    /// The text of a number stored in a cell of `kind`, dates counted in the 1900 system (with
    /// its leap-year bug: serial 60 is 29 February 1900, which never was) or the 1904 one.
    static func number(_ raw: String, kind: XLSXWorkbook.NumberKind, uses1904: Bool) -> String {
        guard let value = Double(raw), value.isFinite else { return raw }
        switch kind {
        case .number:
            return plain(value)
        case .date, .dateTime:
            guard value >= 1, value < 2_958_466 else { return plain(value) }
            let days = value.rounded(.down)
            guard let date = date(serial: Int(days), uses1904: uses1904) else { return plain(value) }
            let seconds = Int(((value - days) * 86_400).rounded())
            if kind == .date || seconds == 0 || seconds == 86_400 { return date }
            return date + " " + clock(seconds)
        case .time:
            guard value >= 0 else { return plain(value) }
            let fraction = value - value.rounded(.down)
            return clock(Int((fraction * 86_400).rounded()) % 86_400)
        }
    }

    /// `dd/MM/yyyy` of an Excel serial day number; nil for serials before 1.
    static func date(serial: Int, uses1904: Bool) -> String? {
        guard serial >= 1 else { return nil }
        if !uses1904 && serial == 60 { return "29/02/1900" }  // Lotus 1-2-3's day, kept by Excel
        // Days from 1970-01-01 of the serial's day.
        let days: Int
        if uses1904 {
            days = serial - 24_107  // 1904-01-01 is serial 0
        } else if serial < 60 {
            days = serial - 25_568  // 1900-01-01 is serial 1
        } else {
            days = serial - 25_569  // from 1 March 1900 on, one day too many counted
        }
        let (year, month, day) = civil(daysSince1970: days)
        return String(format: "%02d/%02d/%04d", day, month, year)
    }

    /// Year, month and day of a day count from 1970-01-01 (Howard Hinnant's algorithm).
    static func civil(daysSince1970: Int) -> (Int, Int, Int) {
        let z = daysSince1970 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shifted = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shifted + 2) / 5 + 1
        let month = shifted < 10 ? shifted + 3 : shifted - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func clock(_ seconds: Int) -> String {
        String(format: "%02d:%02d", seconds / 3_600, (seconds % 3_600) / 60)
    }

    /// A number as Excel's General format shows it: whole numbers in full up to 15 digits,
    /// others with 15 significant digits.
    static func plain(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        var text = String(format: "%.15g", value)
        if text.contains("."), !text.contains("e") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }

    /// A cell reference's column (from 1) and row, or why it is not one: `AB12` is column 28,
    /// row 12. Past Excel's last column (XFD) or row (1,048,576) it is refused.
    static func reference(_ text: String) -> (column: Int, row: Int?)? {
        var column = 0
        var letters = 0
        var digits = Substring(text)
        for character in text {
            guard let ascii = character.asciiValue, (65...90).contains(ascii) || (97...122).contains(ascii) else {
                break
            }
            letters += 1
            guard letters <= 3 else { return nil }
            column = column * 26 + Int((ascii & 0xDF) - 64)
            digits = digits.dropFirst()
        }
        guard letters > 0 else { return nil }
        if digits.isEmpty { return (column, nil) }
        guard digits.count <= 7, let row = Int(digits), row >= 1 else { return nil }
        return (column, row)
    }
}
