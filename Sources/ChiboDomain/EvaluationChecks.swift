import ChiboModel

/// What a yearly evaluation must hold whatever is stored: a subject, a year, a grade or a score
/// in range, and the fields that belong to its kind of subject. Field paths are under a prefix
/// (`evaluation.`). Whether a score may be given at all depends on the rules in force, a
/// question for the reports' rule book.
public enum EvaluationChecks {
    /// Checks a whole evaluation as a client sends it, the subject's id included.
    public static func check(_ evaluation: Evaluation, prefix: String, into violations: inout Violations) {
        check(evaluation, prefix: prefix, references: true, into: &violations)
    }

    /// Checks an evaluation's values before its subject is resolved: everything `check` does but
    /// the subject's id and the member's cell, which an import row names by code or card and the
    /// store finds.
    public static func checkValues(_ evaluation: Evaluation, prefix: String, into violations: inout Violations) {
        check(evaluation, prefix: prefix, references: false, into: &violations)
    }

    private static func check(
        _ evaluation: Evaluation,
        prefix: String,
        references: Bool,
        into violations: inout Violations
    ) {
        if evaluation.subject != .orgUnit && evaluation.subject != .member {
            violations.add(prefix + "subject", "required: org unit or member")
        }
        if references && evaluation.subjectId.isEmpty { violations.add(prefix + "subject_id", "required") }
        if !(1945...9999).contains(evaluation.year) { violations.add(prefix + "year", "required: the year evaluated") }
        switch evaluation.result {
        case .grade(let grade):
            if grade.rawValue == 0 || grade.protoName == nil {
                violations.add(prefix + "grade", "excellent, good, completed or not completed")
            }
        case .score(let score):
            if !(0...100).contains(score) || score.isNaN { violations.add(prefix + "score", "a score from 0 to 100") }
        case nil:
            violations.add(prefix + "grade", "required: a grade or a score")
        }
        if evaluation.cleanAndStrong && evaluation.subject == .member {
            violations.add(prefix + "clean_and_strong", "recognises a cell, not a member")
        }
        if references && evaluation.subject == .orgUnit && !evaluation.cellId.isEmpty {
            violations.add(prefix + "cell_id", "only for members' evaluations")
        }
    }

    /// The cell a member's evaluation for `year` belongs to when none is given: the cell of the
    /// last period of the member's cell history that began by 31 December of the year, or the
    /// member's cell now.
    public static func cell(of member: Member, year: Int32) -> String {
        let yearEnd = DateKeys.key(year: Int(year), month: 12, day: 31)
        let period = member.cellHistory.last { period in
            (DateKeys.key(period.valid?.from) ?? "") <= yearEnd
        }
        return period?.cellId ?? member.cellId
    }
}
