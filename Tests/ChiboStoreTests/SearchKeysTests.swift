import Testing

@testable import ChiboStore

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
}
