import ArgumentParser
import ChiboModel

extension Meetings {
    /// `chibo meetings attendance`: correct one member's attendance at a meeting.
    public struct AttendanceVerb: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            commandName: "attendance",
            abstract: "Correct one member's attendance: --present, --excused REASON or --unexcused, and --spoke.",
            discussion: """
                An amendment of the meeting's attendance at its current revision (every revision is \\
                kept; `chibo history meeting --cell C --on D` lists them). For example: \\
                chibo meetings attendance --cell MB-BO --on 2026-03-03 --member 0200117 --excused "ốm"
                """
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var mutation: MutationFlags
        @OptionGroup var reference: MeetingReference
        @Option(
            help: "The member: party-card number or name (diacritics optional).",
            completion: Completions.cardNumbers
        )
        var member: String
        @ArgumentParser.Flag(help: "Present.") var present = false
        @Option(help: "Absent with this reason.") var excused: String?
        @ArgumentParser.Flag(help: "Absent without a reason.") var unexcused = false
        @ArgumentParser.Flag(inversion: .prefixedNo, help: "Whether the member spoke.") var spoke: Bool?
        @Option(help: "Revision you read (default: the current one).") var revision: Int64?

        /// Creates the command.
        public init() {}

        /// Checks that one state (or --spoke alone) is given.
        public func validate() throws {
            let states = [present, excused != nil, unexcused].filter { $0 }.count
            if states > 1 { throw ValidationError("give one of --present, --excused REASON, --unexcused") }
            if states == 0 && spoke == nil {
                throw ValidationError("give --present, --excused REASON or --unexcused (and/or --spoke)")
            }
            if spoke == true && (excused != nil || unexcused) {
                throw ValidationError("only a member present can have spoken: --spoke goes with --present")
            }
            if let excused, excused.trimmingSpaces.isEmpty {
                throw ValidationError("--excused needs the reason, for example --excused \"ốm\"")
            }
        }

        /// Runs it.
        public func run() async throws {
            try await global.session { session in
                var meeting = try await reference.read(session, includeVoided: false)
                let roster = MeetingRoster(session: session, cellID: meeting.cellId, on: meeting.heldOn ?? Dates.today)
                let person = try await roster.member(member, option: "--member")
                var index = meeting.attendance.firstIndex { $0.memberId == person.id }
                if index == nil {
                    meeting.attendance.append(AttendanceRecord(memberId: person.id))
                    index = meeting.attendance.count - 1
                }
                guard let index else { return }
                var record = meeting.attendance[index]
                if present {
                    record.state = .present
                    record.reason = ""
                } else if let excused {
                    record.state = .absentExcused
                    record.reason = excused.trimmingSpaces
                } else if unexcused {
                    record.state = .absentUnexcused
                    record.reason = ""
                }
                if let spoke { record.spoke = spoke }
                // An absent member did not speak.
                if record.state != .present { record.spoke = false }
                meeting.attendance[index] = record
                let amended = try await Meetings.amend(
                    meeting,
                    paths: ["attendance"],
                    revision: revision,
                    mutation: mutation,
                    session: session
                )
                let presenter = Presenter(language: session.printer.language, raw: false)
                let after = amended.attendance.first { $0.memberId == person.id } ?? record
                let state = presenter.value(after.state.protoName, after.state.rawValue)
                session.note(
                    person.fullName + (person.partyCardNumber.isEmpty ? "" : " (\(person.partyCardNumber))")
                        + ": \(state)"
                        + (after.reason.isEmpty ? "" : " – \(after.reason)")
                        + (after.spoke ? presenter.text(", spoke", ", có phát biểu") : "")
                        + presenter.text("; revision ", "; phiên bản ") + String(amended.meta?.revision ?? 0)
                )
                try await session.show(meeting: amended)
                mutation.noteDryRun(session)
            }
        }
    }

    /// `chibo meetings resolution`: add, change or remove one resolution of a meeting.
    public struct ResolutionVerb: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            commandName: "resolution",
            abstract: "Add a resolution to a meeting (--add TEXT), or change or remove one (--number N).",
            discussion: """
                Resolutions are numbered from 1 in the order `chibo meetings minutes` and `chibo \\
                meetings get -o json` show them. --owner is a member (party-card number or name in \\
                the cell) or any other name ("Tổ 1"). An amendment of the meeting at its current revision.
                """
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var mutation: MutationFlags
        @OptionGroup var reference: MeetingReference
        @Option(help: "Add a resolution with this text.") var add: String?
        @Option(help: "The resolution to change or remove, numbered from 1.") var number: Int?
        @Option(help: "New text (with --number).") var text: String?
        @Option(help: "Who carries it out: a member (card or name) or any name.") var owner: String?
        @Option(help: "Due date (YYYY-MM-DD).") var due: String?
        @ArgumentParser.Flag(help: "Remove the resolution --number N.") var remove = false
        @Option(help: "Revision you read (default: the current one).") var revision: Int64?

        /// Creates the command.
        public init() {}

        /// Checks that one resolution is named one way.
        public func validate() throws {
            if (add == nil) == (number == nil) { throw ValidationError("give --add TEXT or --number N") }
            if add != nil && (text != nil || remove) { throw ValidationError("--text and --remove go with --number") }
            if number != nil && !remove && text == nil && owner == nil && due == nil {
                throw ValidationError("with --number give --text, --owner, --due or --remove")
            }
            if let due { _ = try Values.date(due, option: "--due") }
        }

        /// Runs it.
        public func run() async throws {
            try await global.session { session in
                var meeting = try await reference.read(session, includeVoided: false)
                var resolution = Resolution(status: .open)
                var position = meeting.resolutions.count
                if let number {
                    guard (1...max(1, meeting.resolutions.count)).contains(number), number <= meeting.resolutions.count
                    else {
                        throw CLIFailure.usage(
                            "--number \(number): the meeting has \(meeting.resolutions.count) resolution(s)"
                        )
                    }
                    position = number - 1
                    resolution = meeting.resolutions[position]
                }
                if let add { resolution.text = add }
                if let text { resolution.text = text }
                if let due { resolution.dueOn = try Values.date(due, option: "--due") }
                if let owner {
                    let roster = MeetingRoster(
                        session: session,
                        cellID: meeting.cellId,
                        on: meeting.heldOn ?? Dates.today
                    )
                    let members = try await roster.members()
                    let key = Folding.fold(owner)
                    let matches = members.filter { $0.partyCardNumber == owner || Folding.fold($0.fullName) == key }
                    if matches.count == 1 {
                        resolution.ownerMemberId = matches[0].id
                        resolution.ownerName = matches[0].fullName
                    } else {
                        resolution.ownerMemberId = ""
                        resolution.ownerName = owner.trimmingSpaces
                    }
                }
                if remove {
                    meeting.resolutions.remove(at: position)
                } else if number == nil {
                    meeting.resolutions.append(resolution)
                } else {
                    meeting.resolutions[position] = resolution
                }
                let amended = try await Meetings.amend(
                    meeting,
                    paths: ["resolutions"],
                    revision: revision,
                    mutation: mutation,
                    session: session
                )
                session.printer.list(amended.resolutions, columns: Columns.resolution)
                mutation.noteDryRun(session)
            }
        }
    }

    /// Sends an amendment of `meeting`'s masked fields at `revision` (default: the revision it
    /// was read at), returning the meeting as amended (or as it would be, with --dry-run).
    static func amend(
        _ meeting: Meeting,
        paths: [String],
        revision: Int64?,
        mutation: MutationFlags,
        session: Session
    ) async throws(CLIFailure) -> Meeting {
        var changed = meeting
        changed.meta = RecordMeta(revision: revision ?? meeting.meta?.revision ?? 0)
        let response = try await session.unary(
            .meetingsAmend,
            AmendMeetingRequest(options: mutation.options, meeting: changed, updateMask: FieldMask(paths: paths)),
            as: MeetingResponse.self
        )
        return response.meeting ?? changed
    }
}
