import Foundation

/// Search and sort keys for Vietnamese names, computed in Swift and stored as columns so that
/// every storage backend answers searches and orders lists the same way, whatever its collation.
public enum SearchKeys {
    /// Folds text for diacritic- and case-insensitive search: `Tòng Văn Hạnh` and `tong van hanh`
    /// both give `tong van hanh`. Tones and vowel marks are dropped, đ/Đ become d, runs of
    /// whitespace become one space, and the result is trimmed.
    public static func fold(_ text: String) -> String {
        var folded = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if scalar.isASCII {
                let value = scalar.value
                if value == 0x20 || (0x09...0x0D).contains(value) {
                    pendingSpace = !folded.isEmpty
                    continue
                }
                if pendingSpace {
                    folded.append(" ")
                    pendingSpace = false
                }
                folded.append((0x41...0x5A).contains(value) ? Unicode.Scalar(value + 0x20)! : scalar)
                continue
            }
            let mapped = foldedLatin[scalar.value] ?? foldSlowly(scalar)
            if mapped.isEmpty {
                // A combining mark (text that was not precomposed), dropped.
                continue
            }
            if mapped == " " {
                pendingSpace = !folded.isEmpty
                continue
            }
            if pendingSpace {
                folded.append(" ")
                pendingSpace = false
            }
            folded.append(contentsOf: mapped.unicodeScalars)
        }
        return String(folded)
    }

    /// One scalar folded: decomposed (NFD), marks dropped, lower-cased, đ/Đ as d; " " for
    /// whitespace. Folding scalar by scalar gives what folding the whole decomposed text gives,
    /// since the marks that canonical reordering moves are the ones dropped.
    private static func foldSlowly(_ scalar: Unicode.Scalar) -> String {
        if scalar.properties.isWhitespace { return " " }
        var folded = String.UnicodeScalarView()
        for part in String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars {
            if part.properties.generalCategory == .nonspacingMark { continue }
            switch part {
            case "đ", "Đ": folded.append("d")
            default: folded.append(contentsOf: part.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return String(folded)
    }

    /// The folds of the Latin letters Vietnamese is written with (Latin-1, Extended-A and -B,
    /// Extended Additional), worked out once: Foundation's decomposition per call was most of
    /// the cost of storing a member.
    private static let foldedLatin: [UInt32: String] = {
        var table: [UInt32: String] = [:]
        for value in UInt32(0x80)...0x24F {
            if let scalar = Unicode.Scalar(value) { table[value] = foldSlowly(scalar) }
        }
        for value in UInt32(0x300)...0x36F { table[value] = "" }
        for value in UInt32(0x1E00)...0x1EFF {
            if let scalar = Unicode.Scalar(value) { table[value] = foldSlowly(scalar) }
        }
        return table
    }()

    /// Whether every word of `query` starts a word of the folded `text`, in any order:
    /// `hanh tong` and `tong v` both match `Tòng Văn Hạnh`.
    public static func matches(query: String, foldedText: String) -> Bool {
        let words = foldedText.split(separator: " ")
        return fold(query).split(separator: " ").allSatisfy { part in words.contains { $0.hasPrefix(part) } }
    }

    /// The key that orders people the Vietnamese way: by given name, then middle name, then
    /// family name, each compared without diacritics first and with them to break ties (so
    /// "An" sorts before "Ân", and both before "Bình"). The separators are control characters
    /// below any letter or space (U+0002 between names, U+0001 before the tie-break) and never
    /// NUL, which PostgreSQL's text cannot hold.
    public static func vietnameseSortKey(familyName: String, middleName: String, givenName: String) -> String {
        let parts = [givenName, middleName, familyName]
        let base = parts.map { fold($0) }.joined(separator: "\u{2}")
        let tieBreak = parts.map { $0.precomposedStringWithCanonicalMapping.lowercased() }.joined(separator: "\u{2}")
        return base + "\u{1}" + tieBreak
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
