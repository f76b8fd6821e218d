import Foundation

/// Text compared the way a person types it: without diacritics, case or extra spaces, so that
/// "tong van hanh" matches "Tòng Văn Hạnh" and "di lam an xa" matches "đi làm ăn xa".
enum Folding {
    /// `text` decomposed, its combining marks dropped, đ/Đ as d, lower-cased, hyphens and
    /// underscores as spaces, runs of spaces as one, trimmed.
    static func fold(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.decomposedStringWithCanonicalMapping.unicodeScalars {
            if scalar.properties.generalCategory == .nonspacingMark { continue }
            switch scalar {
            case "đ", "Đ": scalars.append("d")
            case "-", "_": scalars.append(" ")
            default:
                if scalar.properties.isWhitespace {
                    scalars.append(" ")
                } else {
                    scalars.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
                }
            }
        }
        return String(scalars).split(separator: " ").joined(separator: " ")
    }

    /// The Levenshtein distance of two strings, by characters; stops counting at `limit + 1`.
    static func distance(_ a: String, _ b: String, limit: Int = 3) -> Int {
        let left = Array(a)
        let right = Array(b)
        if abs(left.count - right.count) > limit { return limit + 1 }
        var previous = Array(0...right.count)
        for (i, x) in left.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: right.count)
            for (j, y) in right.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            if current.min() ?? 0 > limit { return limit + 1 }
            previous = current
        }
        return previous[right.count]
    }

    /// Up to three of `candidates` close to `typed` (a small edit away, or containing it), closest
    /// first: the "did you mean" of a name that was not found.
    static func suggestions(for typed: String, among candidates: [String]) -> [String] {
        let key = fold(typed)
        guard !key.isEmpty else { return [] }
        var scored: [(Int, String)] = []
        for candidate in Set(candidates) where !candidate.isEmpty {
            let folded = fold(candidate)
            let distance = distance(key, folded, limit: 2)
            if distance <= 2 {
                scored.append((distance, candidate))
            } else if folded.contains(key) || (key.count >= 3 && key.contains(folded)) {
                scored.append((3, candidate))
            }
        }
        return scored.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }.prefix(3).map(\.1)
    }
}
