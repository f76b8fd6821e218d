import ChiboModel
import ChiboTesting
import Testing

@testable import ChiboReports

/// The grading report's flags on excellent cells (docs/DOMAIN.md, "Grading"): a cell whose
/// members' grades break the conditions, and a cell with no member graded, each its own kind.
@Suite struct GradingFlagTests {
    /// A commune `c` with cells `a` (members graded) and `b` (none graded), both rated excellent.
    private let history = OrgHistory(units: [
        OrgUnit(id: "c", name: "Xã C", kind: .commune),
        OrgUnit(id: "a", name: "Chi bộ A", kind: .cell, parentId: "c"),
        OrgUnit(id: "b", name: "Chi bộ B", kind: .cell, parentId: "c"),
    ])

    private func cell(_ id: String) -> Evaluation {
        Evaluation(id: "e-\(id)", subject: .orgUnit, subjectId: id, year: 2024, result: .grade(.excellent))
    }

    private func member(_ id: String, _ grade: Grade) -> Evaluation {
        Evaluation(id: "e-\(id)", subject: .member, subjectId: id, year: 2024, cellId: "a", result: .grade(grade))
    }

    @Test func anExcellentCellWithNoMemberGradedHasAFlagOfItsOwnKind() throws {
        let book = RuleBook(ruleSets: NationalRules.all, history: history)
        let evaluations = [
            cell("a"), cell("b"), member("m1", .good), member("m2", .good), member("m3", .notCompleted),
        ]
        let rows = GradingReport.rows(evaluations: evaluations, history: history, rules: book, rootID: "c", year: 2024)
        let row = try #require(rows.first)
        let byUnit = Dictionary(grouping: row.violations, by: \.unitId)
        // a: a member not completed breaks the cell's conditions.
        #expect(byUnit["a"]?.map(\.kind) == [.gradingCapBroken])
        #expect(byUnit["a"]?.first?.detail.contains("did not complete") == true)
        // b: nobody graded, so nothing to check the conditions on: not a broken cap.
        #expect(byUnit["b"]?.map(\.kind) == [.excellentCellNoMemberGraded])
        #expect(byUnit["b"]?.first?.detail.contains("no member of the cell was evaluated in 2024") == true)
        #expect(byUnit["b"]?.first?.ruleSetId == "national-2019-10-18")
    }

    @Test func beforeTheCapsNoExcellentCellIsFlagged() {
        let book = RuleBook(ruleSets: NationalRules.all, history: history)
        var early = cell("b")
        early.year = 2018
        let rows = GradingReport.rows(evaluations: [early], history: history, rules: book, rootID: "c", year: 2018)
        // HD 12 of 2018 sets no condition on excellent cells.
        #expect(rows.first?.violations.isEmpty == true)
        #expect(rows.first?.cells.first?.count == 1)
    }
}
