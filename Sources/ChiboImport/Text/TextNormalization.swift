import ChiboStore
import Foundation

/// Normal forms of the text read from files, and the keys headers and values are matched by.
enum TextNormalization {
    /// Unicode NFC (precomposed): a decomposed "Hạnh" (a + U+0323) becomes the single letter ạ.
    /// ASCII is returned as is without a trip through Foundation.
    static func nfc(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text }
        return text.precomposedStringWithCanonicalMapping
    }

    /// A cell's text as a record keeps it: NFC, CRLF and lone CR as LF, no surrounding
    /// whitespace (spaces, tabs, no-break spaces, line breaks).
    static func cell(_ text: String) -> String {
        var text = nfc(text)
        if text.utf8.contains(0x0D) {
            text = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
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
