import ArgumentParser
import ChiboModel

/// How a person names a yearly evaluation: whose it is and the year (`--member 0200101 --year
/// 2025`, `--unit MB-BO --year 2025`), or its id.
struct EvaluationReference: ParsableArguments {
    @Argument(help: "The evaluation's id; or leave it out and give --member or --unit, and --year.") var id: String?
    @Option(help: "The member evaluated: party-card number or name.", completion: Completions.cardNumbers)
    var member: String?
    @Option(help: "The cell or unit evaluated, by code or name.", completion: Completions.unitCodes) var unit: String?
    @Option(help: "The year evaluated.") var year: Int32?

    /// Checks that the evaluation is named one way.
    func validate() throws {
        let byWhom = member != nil || unit != nil || year != nil
        if id != nil && byWhom { throw ValidationError("name the evaluation by its id or by whose it is, not both") }
        if id == nil && ((member == nil) == (unit == nil) || year == nil) {
            throw ValidationError("name the evaluation: --member CARD (or --unit CODE) and --year YEAR")
        }
    }

    /// The evaluation, read from the server.
    func read(_ session: Session) async throws(CLIFailure) -> Evaluation {
        if let id {
            return try await session.unary(
                .evaluationsGet,
                GetEvaluationRequest(id: id),
                as: EvaluationResponse.self,
                idempotent: true
            ).evaluation ?? Evaluation()
        }
        let subject: String
        let label: String
        if let member {
            let found = try await session.member(member)
            subject = found.id
            label = found.fullName
        } else {
            let found = try await session.unit(unit ?? "")
            subject = found.id
            label = found.code
        }
        let year = self.year ?? 0
        let found = try await session.list(
            .evaluationsList,
            ListEvaluationsRequest(year: year, subjectId: subject),
            as: Evaluation.self
        )
        guard let evaluation = found.first else {
            throw CLIFailure(
                exitCode: ExitCodes.forStatus(.notFound),
                lines: ["error: NOT_FOUND: \(label) has no evaluation for \(year)"]
            )
        }
        return evaluation
    }
}

extension Session {
    /// Prints evaluations with whose they are by card number or unit code.
    func show(evaluations: [Evaluation], single: Bool = false) async throws(CLIFailure) {
        var names: [String: String] = [:]
        let units = try await unitNames(evaluations.filter { $0.subject != .member }.map(\.subjectId))
        for evaluation in evaluations where evaluation.subject != .member {
            names[evaluation.subjectId] = units.code(evaluation.subjectId)
        }
        for cell in Set(evaluations.filter { $0.subject == .member }.map(\.cellId)) where !cell.isEmpty {
            let members = try await list(
                .membersList,
                ListMembersRequest(cellId: cell, includeVoided: true),
                as: Member.self
            )
            for member in members {
                names[member.id] = member.partyCardNumber.isEmpty ? member.fullName : member.partyCardNumber
            }
        }
        let columns = Columns.evaluation(names)
        if single, let evaluation = evaluations.first {
            printer.single(evaluation, columns: columns)
            Voided.note(evaluation.meta, self)
        } else {
            printer.list(evaluations, columns: columns)
        }
    }
}
