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
        isStableNFC(text) ? text : text.precomposedStringWithCanonicalMapping
    }

    /// Whether every character of `text` is below U+0300 or in U+1E00–U+1EFF, looked at in its
    /// UTF-8 bytes: a lead byte below 0xCC starts a character below U+0300, and 0xE1 followed
    /// by 0xB8–0xBB one of U+1E00–U+1EFF.
    static func isStableNFC(_ text: String) -> Bool {
        let utf8 = text.utf8
        if let stable = utf8.withContiguousStorageIfAvailable({ isStableNFC(utf8: $0) }) { return stable }
        return text.unicodeScalars.allSatisfy { $0.value < 0x300 || (0x1E00...0x1EFF).contains($0.value) }
    }

    private static func isStableNFC(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte < 0xCC {
                index += 1
            } else if byte == 0xE1, index + 1 < bytes.count, (0xB8...0xBB).contains(bytes[index + 1]) {
                index += 3
            } else {
                return false
            }
        }
        return true
    }

    /// `Unicode.Scalar.Properties.isWhitespace`, answered without the property tables for ASCII
    /// (where only tab, the line breaks, form feed and space are white space).
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 { return (0x09...0x0D).contains(scalar.value) || scalar.value == 0x20 }
        return scalar.properties.isWhitespace
    }

    /// A cell's text as a record keeps it: NFC, CRLF and lone CR as LF, no surrounding
    /// whitespace (spaces, tabs, no-break spaces, line breaks).
    static func cell(_ text: String) -> String {
        var text = nfc(text)
        if UTF8Bytes.contains(text, where: { $0 == 0x0D }) {
            text = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        }
        guard let first = text.unicodeScalars.first, let last = text.unicodeScalars.last,
            isWhitespace(first) || isWhitespace(last)
        else { return text }
        let scalars = text.unicodeScalars
        let start = scalars.firstIndex { !isWhitespace($0) } ?? scalars.endIndex
        let end = scalars.lastIndex { !isWhitespace($0) }.map { scalars.index(after: $0) } ?? start
        return start < end ? String(scalars[start..<end]) : ""
    }

    /// The text of a cell's bytes when `cell` would return them unchanged: ASCII only, no
    /// carriage return, and neither starting nor ending with a space or a control character
    /// (nothing to trim). Nil for any other cell, which goes the long way; an empty cell is "".
    static func plainASCIICell(_ bytes: ArraySlice<UInt8>) -> String? {
        guard let first = bytes.first, let last = bytes.last else { return "" }
        guard first > 0x20, first < 0x7F, last > 0x20, last < 0x7F else { return nil }
        let ascii = bytes.withUnsafeBufferPointer { buffer in
            var combined: UInt8 = 0
            var carriageReturn = false
            for byte in buffer {
                combined |= byte
                carriageReturn = carriageReturn || byte == 0x0D
            }
            return combined < 0x80 && !carriageReturn
        }
        guard ascii else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether `text` holds one of the Latin-1 symbols U+00A1–U+00BF, which TCVN3 text read as
    /// windows-1252 is full of and Vietnamese text hardly uses.
    static func hasLatin1Symbol(_ text: String) -> Bool {
        UTF8Bytes.contains(text, lead: 0xC2, followedBy: 0xA1...0xBF)
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
