import ChiboDomain
import Foundation

/// Normal forms of the text read from files, and the keys headers and values are matched by.
enum TextNormalization {
    /// Unicode NFC (precomposed): a decomposed "Hạnh" (a + U+0323) becomes the single letter ạ.
    /// ASCII is returned as is without a trip through Foundation.
    static func nfc(_ text: String) -> String {
        // Text with no combining marks and only letters below U+0300 or in Latin Extended
        // Additional (where Vietnamese precomposed letters live) is NFC already: none of those
        // characters decomposes or composes further. The rest goes through Foundation.
        let stable = text.unicodeScalars.allSatisfy { $0.value < 0x300 || (0x1E00...0x1EFF).contains($0.value) }
        return stable ? text : text.precomposedStringWithCanonicalMapping
    }

    /// A cell's text as a record keeps it: NFC, CRLF and lone CR as LF, no surrounding
    /// whitespace (spaces, tabs, no-break spaces, line breaks).
    static func cell(_ text: String) -> String {
        var text = nfc(text)
        if text.utf8.contains(0x0D) {
            text = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        }
        guard let first = text.unicodeScalars.first, let last = text.unicodeScalars.last,
            first.properties.isWhitespace || last.properties.isWhitespace
        else { return text }
        let scalars = text.unicodeScalars
        let start = scalars.firstIndex { !$0.properties.isWhitespace } ?? scalars.endIndex
        let end = scalars.lastIndex { !$0.properties.isWhitespace }.map { scalars.index(after: $0) } ?? start
        return start < end ? String(scalars[start..<end]) : ""
    }

    /// The key a header or an enum word is matched by: diacritics and case folded, đ as d,
    /// every character that is not a letter or digit dropped. `Họ và tên`, `HO VA TEN`,
    /// `ho_va_ten` and `Ho-va-ten` all give `hovaten`; `party_card_number` and
    /// `partyCardNumber` give `partycardnumber`.
    static func key(_ text: String) -> String {
        let folded = SearchKeys.fold(text)
        var key = String.UnicodeScalarView()
        for scalar in folded.unicodeScalars where scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
            key.append(scalar)
        }
        return String(key)
    }
}
