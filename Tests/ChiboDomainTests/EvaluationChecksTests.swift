import ChiboDomain
import ChiboModel
import Testing

/// A yearly evaluation's values, whole or before its subject is resolved, and the cell a
/// member's evaluation belongs to.
@Suite struct EvaluationChecksTests {
    private func day(_ year: Int32, _ month: Int32, _ day: Int32) -> CalendarDate {
        CalendarDate(year: year, month: month, day: day)
    }

    @Test func gradedAndScoredEvaluationsPass() {
        var violations = Violations()
        EvaluationChecks.check(
            Evaluation(subject: .member, subjectId: "m1", year: 2024, result: .grade(.good)),
            prefix: "evaluation.",
            into: &violations
        )
        EvaluationChecks.check(
            Evaluation(subject: .orgUnit, subjectId: "c1", year: 2025, cleanAndStrong: true, result: .score(91.5)),
            prefix: "evaluation.",
            into: &violations
        )
        #expect(violations.list.isEmpty)
    }

    @Test func everyProblemIsNamed() {
        var violations = Violations()
        EvaluationChecks.check(
            Evaluation(subject: .member, year: 1944, cleanAndStrong: true, result: .score(100.5)),
            prefix: "evaluation.",
            into: &violations
        )
        EvaluationChecks.check(
            Evaluation(subject: .orgUnit, subjectId: "c1", year: 2024, cellId: "c2"),
            prefix: "",
            into: &violations
        )
        EvaluationChecks.check(
            Evaluation(subjectId: "x", year: 2024, result: .score(.nan)),
            prefix: "",
            into: &violations
        )
        #expect(
            violations.list == [
                FieldViolation(field: "evaluation.subject_id", description: "required"),
                FieldViolation(field: "evaluation.year", description: "required: the year evaluated"),
                FieldViolation(field: "evaluation.score", description: "a score from 0 to 100"),
                FieldViolation(field: "evaluation.clean_and_strong", description: "recognises a cell, not a member"),
                FieldViolation(field: "grade", description: "required: a grade or a score"),
                FieldViolation(field: "cell_id", description: "only for members' evaluations"),
                FieldViolation(field: "subject", description: "required: org unit or member"),
                FieldViolation(field: "score", description: "a score from 0 to 100"),
            ]
        )
    }

    @Test func valuesAloneLeaveTheSubjectToTheStore() {
        var violations = Violations()
        EvaluationChecks.checkValues(
            Evaluation(subject: .orgUnit, year: 2024, cellId: "c2", result: .grade(.excellent)),
            prefix: "evaluation.",
            into: &violations
        )
        #expect(violations.list.isEmpty)
        EvaluationChecks.checkValues(
            Evaluation(subject: .member, year: 2024, result: .grade(Grade(rawValue: 0))),
            prefix: "evaluation.",
            into: &violations
        )
        #expect(
            violations.list == [
                FieldViolation(field: "evaluation.grade", description: "excellent, good, completed or not completed")
            ]
        )
    }

    @Test func aMembersEvaluationBelongsToTheirCellAtTheYearsEnd() {
        var member = Member()
        member.cellId = "cell-now"
        member.cellHistory = [
            CellPeriod(cellId: "cell-a", valid: DateRange(from: day(2020, 1, 1), to: day(2024, 12, 31))),
            CellPeriod(cellId: "cell-b", valid: DateRange(from: day(2024, 12, 31))),
        ]
        #expect(EvaluationChecks.cell(of: member, year: 2023) == "cell-a")
        #expect(EvaluationChecks.cell(of: member, year: 2024) == "cell-b")
        #expect(EvaluationChecks.cell(of: member, year: 2019) == "cell-now")
        member.cellHistory = []
        #expect(EvaluationChecks.cell(of: member, year: 2024) == "cell-now")
    }
}
