import ArgumentParser
import ChiboModel

/// How a person names a meeting: the cell that met and the day (`--cell MB-BO --on 2019-03-03`),
/// or the meeting's id.
struct MeetingReference: ParsableArguments {
    @Argument(help: "The meeting's id; or leave it out and give --cell and --on.") var meeting: String?
    @Option(help: "The cell that met, by code or name (with --on).", completion: Completions.unitCodes)
    var cell: String?
    @Option(help: "The day the cell met (YYYY-MM-DD), with --cell.") var on: String?

    /// Checks that the meeting is named one way.
    func validate() throws {
        if meeting != nil && (cell != nil || on != nil) {
            throw ValidationError("name the meeting by its id or by --cell and --on, not both")
        }
        if meeting == nil && (cell == nil || on == nil) {
            throw ValidationError("name the meeting: --cell CODE --on YYYY-MM-DD (or its id)")
        }
        if let on { _ = try Values.date(on, option: "--on") }
    }

    /// The meeting, read from the server (an earlier revision when `revision` is not 0).
    func read(
        _ session: Session,
        revision: Int64 = 0,
        includeVoided: Bool = true
    ) async throws(CLIFailure)
        -> Meeting
    {
        var id = meeting ?? ""
        if let cell, let on {
            let found = try await session.meeting(cell: cell, on: on, includeVoided: includeVoided)
            if revision == 0 { return found }
            id = found.id
        }
        return try await session.unary(
            .meetingsGet,
            GetMeetingRequest(id: id, revision: revision),
            as: MeetingResponse.self,
            idempotent: true
        ).meeting ?? Meeting()
    }
}
