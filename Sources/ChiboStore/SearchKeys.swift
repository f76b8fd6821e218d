import Foundation

/// Search and sort keys for Vietnamese names, computed in Swift and stored as columns so that
/// every storage backend answers searches and orders lists the same way, whatever its collation.
public enum SearchKeys {
    /// Folds text for diacritic- and case-insensitive search: `Tòng Văn Hạnh` and `tong van hanh`
    /// both give `tong van hanh`. Tones and vowel marks are dropped, đ/Đ become d, runs of
    /// whitespace become one space, and the result is trimmed.
    public static func fold(_ text: String) -> String {
        // Decompose (NFD) so every mark is a separate combining scalar, then drop the marks.
        let decomposed = text.decomposedStringWithCanonicalMapping
        var folded = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in decomposed.unicodeScalars {
            if scalar.properties.isWhitespace {
                pendingSpace = !folded.isEmpty
                continue
            }
            if scalar.properties.generalCategory == .nonspacingMark { continue }
            if pendingSpace {
                folded.append(" ")
                pendingSpace = false
            }
            switch scalar {
            case "đ", "Đ": folded.append("d")
            default:
                for lower in scalar.properties.lowercaseMapping.unicodeScalars { folded.append(lower) }
            }
        }
        return String(folded)
    }

    /// Whether every word of `query` starts a word of the folded `text`, in any order:
    /// `hanh tong` and `tong v` both match `Tòng Văn Hạnh`.
    public static func matches(query: String, foldedText: String) -> Bool {
        let words = foldedText.split(separator: " ")
        return fold(query).split(separator: " ").allSatisfy { part in words.contains { $0.hasPrefix(part) } }
    }

    /// The key that orders people the Vietnamese way: by given name, then middle name, then
    /// family name, each compared without diacritics first and with them to break ties (so
    /// "An" sorts before "Ân", and both before "Bình").
    public static func vietnameseSortKey(familyName: String, middleName: String, givenName: String) -> String {
        let parts = [givenName, middleName, familyName]
        let base = parts.map { fold($0) }.joined(separator: "\u{1}")
        let tieBreak = parts.map { $0.precomposedStringWithCanonicalMapping.lowercased() }.joined(separator: "\u{1}")
        return base + "\u{0}" + tieBreak
    }

    /// Splits a full Vietnamese name into family, middle and given name: the first word is the
    /// family name, the last the given name, the rest the middle name.
    public static func splitFullName(_ fullName: String) -> (family: String, middle: String, given: String) {
        let words = fullName.split(whereSeparator: \.isWhitespace).map(String.init)
        switch words.count {
        case 0: return ("", "", "")
        case 1: return ("", "", words[0])
        default: return (words[0], words[1..<(words.count - 1)].joined(separator: " "), words[words.count - 1])
        }
    }
}
