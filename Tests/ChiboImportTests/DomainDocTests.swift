import ChiboModel
import Foundation
import Testing

/// docs/DOMAIN.md answers "why was this flagged" for every flag kind, cites tests that exist, and
/// no code or page points to a glossary outside the repository.
@Suite struct DomainDocTests {
    private let domain = repositoryRoot.appendingPathComponent("docs/DOMAIN.md")

    @Test func everyFlagKindHasItsReason() throws {
        let text = try String(contentsOf: domain, encoding: .utf8)
        for kind in FlagKind.allCases where kind != .unspecified {
            let name = kind.description.replacingOccurrences(of: "FLAG_KIND_", with: "")
            #expect(text.contains("`\(name)`"), "docs/DOMAIN.md does not explain \(name)")
        }
    }

    @Test func everyTestItCitesExists() throws {
        let text = try String(contentsOf: domain, encoding: .utf8)
        let tests = try allTestSources()
        let cited = try NSRegularExpression(pattern: "`([A-Z][A-Za-z]+Tests)(?:\\.([A-Za-z]+))?`")
        let matches = cited.matches(in: text, range: NSRange(text.startIndex..., in: text))
        #expect(matches.count > 10)
        for match in matches {
            let suite = String(text[Range(match.range(at: 1), in: text)!])
            #expect(tests.contains("struct \(suite)"), "docs/DOMAIN.md cites \(suite), which no test file declares")
            if let range = Range(match.range(at: 2), in: text) {
                #expect(tests.contains("func \(text[range])("), "docs/DOMAIN.md cites \(suite).\(text[range])")
            }
        }
    }

    @Test func noReferenceToAnOutsideGlossaryIsLeft() throws {
        for folder in ["Sources", "docs"] {
            let root = repositoryRoot.appendingPathComponent(folder)
            let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
            while let url = files?.nextObject() as? URL {
                guard ["swift", "md"].contains(url.pathExtension) else { continue }
                let text = try String(contentsOf: url, encoding: .utf8)
                #expect(!text.contains("GLOSSARY"), "\(url.path) refers to GLOSSARY.md: point to docs/DOMAIN.md")
            }
        }
    }

    private func allTestSources() throws -> String {
        var all = ""
        let files = FileManager.default.enumerator(
            at: repositoryRoot.appendingPathComponent("Tests"),
            includingPropertiesForKeys: nil
        )
        while let url = files?.nextObject() as? URL {
            if url.pathExtension == "swift" { all += try String(contentsOf: url, encoding: .utf8) }
        }
        return all
    }
}
