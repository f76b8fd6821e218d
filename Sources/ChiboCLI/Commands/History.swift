import ArgumentParser
import ChiboClient
import ChiboModel

/// `chibo history`: the revisions of one record, who made each and when.
public struct History: AsyncParsableCommand {
    /// Description.
    public static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "List a record's revisions with who made each and when; --revision N shows one.",
        discussion: """
            KIND is unit, member or meeting (or đơn vị, đảng viên, cuộc họp). A unit is named by code \
            or name, a member by party-card number or name, a meeting by --cell and --on. Read from \
            the change feed, within the token's scope. Examples: chibo history member 0200117; chibo \
            history meeting --cell MB-BO --on 2026-03-03 --revision 1.
            """
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "unit, member or meeting.") var kind: String
    @Argument(help: "The unit's code or name, the member's card or name (a meeting: --cell and --on).")
    var reference: String?
    @Option(help: "The meeting's cell, by code or name (with --on).") var cell: String?
    @Option(help: "The day the meeting was held (YYYY-MM-DD), with --cell.") var on: String?
    @Option(help: "Show the record as it was at this revision.") var revision: Int64?

    /// Creates the command.
    public init() {}

    /// The kinds of records with a history, by the names a person may type.
    enum Kind: String {
        case unit = "org_unit"
        case member
        case meeting

        init?(typed: String) {
            switch Folding.fold(typed) {
            case "unit", "units", "org unit", "cell", "don vi", "chi bo": self = .unit
            case "member", "members", "dang vien": self = .member
            case "meeting", "meetings", "cuoc hop", "buoi sinh hoat": self = .meeting
            default: return nil
            }
        }
    }

    /// Checks the kind and that the record is named.
    public func validate() throws {
        guard let kind = Kind(typed: self.kind) else {
            throw ValidationError("KIND must be unit, member or meeting, got \"\(self.kind)\"")
        }
        if kind == .meeting {
            if reference == nil && (cell == nil || on == nil) {
                throw ValidationError("name the meeting: chibo history meeting --cell CODE --on YYYY-MM-DD")
            }
        } else if reference == nil {
            throw ValidationError("name the \(kind == .unit ? "unit by code or name" : "member by card or name")")
        }
        if let on { _ = try Values.date(on, option: "--on") }
    }

    /// Runs it.
    public func run() async throws {
        guard let kind = Kind(typed: self.kind) else { return }
        try await global.session { session in
            let id: String
            switch kind {
            case .unit: id = try await session.unitID(reference ?? "", option: "UNIT")
            case .member: id = try await session.memberID(reference ?? "", option: "MEMBER")
            case .meeting:
                if let cell, let on {
                    id = try await session.meeting(cell: cell, on: on, includeVoided: true).id
                } else {
                    id = reference ?? ""
                }
            }
            let events = try await Self.changes(of: kind.rawValue, id: id, session: session)
            if events.isEmpty {
                throw CLIFailure(
                    exitCode: ExitCodes.forStatus(.notFound),
                    lines: [
                        "error: NOT_FOUND: no change of this \(kind == .unit ? "unit" : kind.rawValue) is in the feed"
                    ]
                )
            }
            if let revision {
                guard let event = events.last(where: { $0.revision == revision }) else {
                    let known = events.map { String($0.revision) }.joined(separator: ", ")
                    throw CLIFailure.usage("--revision \(revision): the revisions are \(known)")
                }
                switch event.record {
                case .member(let member)?: try await session.show(member: member)
                case .meeting(let meeting)?: try await session.show(meeting: meeting)
                case .orgUnit(let unit)?:
                    try await session.show(unit: unit)
                default: session.printer.single(event, columns: Columns.revision)
                }
                return
            }
            session.printer.list(events, columns: Columns.revision)
        }
    }

    /// Every change of one record in the change feed the token may read, oldest first.
    static func changes(of entity: String, id: String, session: Session) async throws(CLIFailure) -> [ChangeEvent] {
        var found: [ChangeEvent] = []
        var cursor: Int64 = 0
        do {
            while true {
                let stream = try await session.connection().serverStream(
                    .changesFollow,
                    FollowChangesRequest(after: cursor, limit: 100_000),
                    as: ChangeEvent.self,
                    options: CallOptions(timeout: session.timeout, idempotent: true)
                )
                var received = 0
                for try await event in stream {
                    received += 1
                    cursor = event.seq
                    if event.entity == entity && event.entityId == id { found.append(event) }
                }
                if received == 0 { break }
            }
        } catch {
            throw Session.failure(error)
        }
        return found
    }
}
