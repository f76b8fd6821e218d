import Testing

@testable import ChiboDomain

/// Vietnamese search folding and name ordering.
@Suite struct SearchKeysTests {
    @Test func foldingDropsTonesMarksAndCase() {
        #expect(SearchKeys.fold("Tòng Văn Hạnh") == "tong van hanh")
        #expect(SearchKeys.fold("  ĐẶNG   Thị  Ơn ") == "dang thi on")
        #expect(SearchKeys.fold("Nguyễn Thị Ánh Nguyệt") == "nguyen thi anh nguyet")
        // Decomposed input (NFD, as some keyboards type it) folds the same way.
        #expect(SearchKeys.fold("To\u{0300}ng") == "tong")
        #expect(SearchKeys.fold("Lò Văn Bun") == SearchKeys.fold("LO VAN BUN"))
    }

    @Test func searchMatchesWordPrefixesInAnyOrder() {
        let folded = SearchKeys.fold("Tòng Văn Hạnh")
        #expect(SearchKeys.matches(query: "tong van hanh", foldedText: folded))
        #expect(SearchKeys.matches(query: "Hạnh tong", foldedText: folded))
        #expect(SearchKeys.matches(query: "tong v", foldedText: folded))
        #expect(!SearchKeys.matches(query: "tong van hung", foldedText: folded))
        #expect(!SearchKeys.matches(query: "ong", foldedText: folded))
    }

    @Test func peopleSortByGivenNameThenMiddleThenFamily() {
        let people = [
            ("Tòng", "Văn", "Hạnh"), ("Lò", "Thị", "An"), ("Đặng", "Văn", "Ân"), ("Bạc", "Cầm", "An"),
            ("Lường", "Văn", "Bình"),
        ]
        let sorted = people.sorted {
            SearchKeys.vietnameseSortKey(familyName: $0.0, middleName: $0.1, givenName: $0.2)
                < SearchKeys.vietnameseSortKey(familyName: $1.0, middleName: $1.1, givenName: $1.2)
        }
        #expect(
            sorted.map { "\($0.0) \($0.1) \($0.2)" } == [
                "Bạc Cầm An", "Lò Thị An", "Đặng Văn Ân", "Lường Văn Bình", "Tòng Văn Hạnh",
            ]
        )
    }

    @Test func fullNamesSplitIntoFamilyMiddleAndGiven() {
        #expect(SearchKeys.splitFullName("Nguyễn Thị Ánh Nguyệt") == ("Nguyễn", "Thị Ánh", "Nguyệt"))
        #expect(SearchKeys.splitFullName("Lò Bun") == ("Lò", "", "Bun"))
        #expect(SearchKeys.splitFullName("Bun") == ("", "", "Bun"))
    }

    /// The folding as first written: the whole text decomposed by Foundation, marks dropped.
    static func referenceFold(_ text: String) -> String {
        var folded = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in text.decomposedStringWithCanonicalMapping.unicodeScalars {
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
            default: folded.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return String(folded)
    }

    @Test func theFastFoldAgreesWithTheReferenceOnRandomText() {
        let pools: [ClosedRange<UInt32>] = [
            0x20...0x7E, 0xA0...0x24F, 0x300...0x36F, 0x1E00...0x1EFF, 0x391...0x3C9, 0x4E00...0x4E20,
            0x1F600...0x1F610,
            0x09...0x0D, 0x2000...0x200A,
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            var text = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...24, using: &generator) {
                let pool = pools.randomElement(using: &generator)!
                if let scalar = Unicode.Scalar(UInt32.random(in: pool, using: &generator)) { text.append(scalar) }
            }
            let input = String(text)
            #expect(SearchKeys.fold(input) == Self.referenceFold(input), "\(input.unicodeScalars.map { $0.value })")
        }
    }
}
