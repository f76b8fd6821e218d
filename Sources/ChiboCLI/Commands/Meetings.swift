import ArgumentParser
import ChiboModel

/// `chibo meetings`: the logbook of cell meetings.
public struct Meetings: AsyncParsableCommand {
    /// The verbs.
    public static let configuration = CommandConfiguration(
        commandName: "meetings",
        abstract: "Cell meetings: record one with its attendance, list, show, amend, void.",
        subcommands: [List.self, Get.self, Record.self, Amend.self, Void.self]
    )

    /// Creates the command.
    public init() {}

    /// `chibo meetings list`.
    public struct List: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(abstract: "List meetings, oldest first.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var listing: ListFlags
        @Option(help: "Only meetings of this cell.") var cell: String?
        @Option(help: "Only meetings of cells in this subtree.") var subtree: String?
        @Option(help: "Held on or after this date (YYYY-MM-DD).") var from: String?
        @Option(help: "Held before this date (YYYY-MM-DD).") var to: String?
        @Option(help: "Only this kind: regular, thematic, combined, extraordinary.") var kind: String?

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            var request = ListMeetingsRequest(
                cellId: cell ?? "",
                subtreeOf: subtree ?? "",
                includeVoided: listing.includeVoided
            )
            if let from { request.from = try Values.date(from, option: "--from") }
            if let to { request.to = try Values.date(to, option: "--to") }
            if let kind {
                request.kind = MeetingKind(
                    rawValue: try Values.enumNumber(kind, enumName: "MeetingKind", option: "--kind")
                )
            }
            try await global.session { session in
                let meetings = try await session.list(
                    .meetingsList,
                    request,
                    as: Meeting.self,
                    limit: listing.limit,
                    pageSize: listing.pageSize
                )
                session.printer.list(meetings, columns: Columns.meeting)
            }
        }
    }

    /// `chibo meetings get`.
    public struct Get: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "Show a meeting; --attendance lists who was there (tables and CSV)."
        )
        @OptionGroup var global: GlobalOptions
        @Argument(help: "ID of the meeting.") var id: String
        @Option(help: "An earlier revision (amendments keep every one).") var revision: Int64 = 0
        @ArgumentParser.Flag(help: "List the attendance records instead of the summary.") var attendance = false

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            try await global.session { session in
                let meeting =
                    try await session.unary(
                        .meetingsGet,
                        GetMeetingRequest(id: id, revision: revision),
                        as: MeetingResponse.self,
                        idempotent: true
                    ).meeting ?? Meeting()
                if attendance && [.table, .csv].contains(session.printer.format) {
                    session.printer.list(meeting.attendance, columns: Columns.attendance)
                } else {
                    session.printer.single(meeting, columns: Columns.meeting)
                }
            }
        }
    }

    /// `chibo meetings record`.
    public struct Record: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "Record a meeting with its attendance.",
            discussion: """
                Name each member's attendance with --present, --excused ID=REASON and --unexcused, or \
                use --rest to give every other member of the cell the same state (members exempt, \
                working away or on temporary transfer are then recorded absent with their status as \
                the reason). --file reads a Meeting in JSON; the flags add to it.
                """
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var mutation: MutationFlags
        @Option(help: "ID of the cell.") var cell: String?
        @Option(help: "Date of the meeting (YYYY-MM-DD).") var on: String?
        @Option(help: "Kind: regular, thematic, combined, extraordinary.") var kind = "regular"
        @Option(help: "Start time (HH:MM).") var start: String?
        @Option(help: "End time (HH:MM).") var end: String?
        @Option(help: "Topic (required for thematic meetings).") var topic: String?
        @Option(help: "Place.") var place: String?
        @Option(help: "ID of the member who chaired.") var chair: String?
        @Option(help: "ID of the member who kept the minutes.") var recorder: String?
        @Option(help: "IDs of members present, comma-separated.") var present: [String] = []
        @Option(help: "A member absent with reason, as ID=REASON (repeat the option).") var excused: [String] = []
        @Option(help: "IDs of members absent without reason, comma-separated.") var unexcused: [String] = []
        @Option(help: "IDs of members who spoke, comma-separated.") var spoke: [String] = []
        @Option(help: "State of every member of the cell not named: present, absent-unexcused or not-recorded.")
        var rest: String?
        @ArgumentParser.Flag(help: "The logbook's list is incomplete: members not named are stored as not recorded.")
        var partial = false
        @Option(help: "A guest's name (repeat the option).") var guest: [String] = []
        @Option(help: "Name of the supervising standing-committee member, present as a guest.") var supervisor: String?
        @Option(help: "A resolution as TEXT or TEXT|OWNER|DUE-DATE (repeat the option).") var resolution: [String] = []
        @Option(help: "Minutes text.") var minutes: String?
        @ArgumentParser.Flag(help: "The minutes were read back and approved.") var minutesApproved = false
        @Option(help: "Quality score from the upper level, 0 to 100.") var quality: Int32?
        @Option(name: .shortAndLong, help: "JSON file of a Meeting; - for standard input.") var file: String?

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            var meeting = Meeting()
            if let file {
                guard let tree = try Input.records(path: file, messageName: "chibo.v1.Meeting").first else {
                    throw ValidationError("\(file) holds no meeting")
                }
                meeting = try Input.message(Meeting.self, from: tree, source: file)
            }
            if let cell { meeting.cellId = cell }
            if let on { meeting.heldOn = try Values.date(on, option: "--on") }
            if meeting.cellId.isEmpty || meeting.heldOn == nil {
                throw ValidationError("give --cell and --on, or --file")
            }
            if file == nil || meeting.kind.rawValue == 0 {
                meeting.kind = MeetingKind(
                    rawValue: try Values.enumNumber(kind, enumName: "MeetingKind", option: "--kind")
                )
            }
            if let start { meeting.startMinute = try Values.time(start, option: "--start") }
            if let end { meeting.endMinute = try Values.time(end, option: "--end") }
            if let topic { meeting.topic = topic }
            if let place { meeting.place = place }
            if let chair { meeting.chairMemberId = chair }
            if let recorder { meeting.recorderMemberId = recorder }
            if let minutes { meeting.minutes = minutes }
            if minutesApproved { meeting.minutesApproved = true }
            if let quality { meeting.quality = .qualityScore(quality) }
            for name in guest { meeting.guests.append(Guest(fullName: name)) }
            if let supervisor { meeting.guests.append(Guest(fullName: supervisor, isSupervisor: true)) }
            for text in resolution { meeting.resolutions.append(try Self.resolution(text)) }
            try Self.addAttendance(to: &meeting, present: present, excused: excused, unexcused: unexcused)
            let spokeIDs = Set(Values.list(spoke))
            let restState: AttendanceState? = try rest.map {
                AttendanceState(rawValue: try Values.enumNumber($0, enumName: "AttendanceState", option: "--rest"))
            }
            try await global.session { session in
                if let restState { try await Self.fillRest(&meeting, state: restState, session: session) }
                for index in meeting.attendance.indices where spokeIDs.contains(meeting.attendance[index].memberId) {
                    meeting.attendance[index].spoke = true
                }
                let response = try await session.unary(
                    .meetingsRecord,
                    RecordMeetingRequest(options: mutation.options, meeting: meeting, partialAttendance: partial),
                    as: MeetingResponse.self
                )
                session.printer.single(response.meeting ?? Meeting(), columns: Columns.meeting)
                mutation.noteDryRun(session)
            }
        }

        static func resolution(_ text: String) throws(CLIFailure) -> Resolution {
            let parts = text.split(separator: "|", omittingEmptySubsequences: false).map { String($0).trimmingSpaces }
            var resolution = Resolution(text: parts[0], status: .open)
            if parts.count > 1 { resolution.ownerName = parts[1] }
            if parts.count > 2, !parts[2].isEmpty {
                resolution.dueOn = try Values.date(parts[2], option: "--resolution")
            }
            return resolution
        }

        static func addAttendance(
            to meeting: inout Meeting,
            present: [String],
            excused: [String],
            unexcused: [String]
        ) throws(CLIFailure) {
            for id in Values.list(present) {
                meeting.attendance.append(AttendanceRecord(memberId: id, state: .present))
            }
            for item in excused {
                guard let equals = item.firstIndex(of: "=") else {
                    throw CLIFailure.usage("--excused expects ID=REASON, got \"\(item)\"")
                }
                meeting.attendance.append(
                    AttendanceRecord(
                        memberId: String(item[..<equals]).trimmingSpaces,
                        state: .absentExcused,
                        reason: String(item[item.index(after: equals)...]).trimmingSpaces
                    )
                )
            }
            for id in Values.list(unexcused) {
                meeting.attendance.append(AttendanceRecord(memberId: id, state: .absentUnexcused))
            }
        }

        /// Adds a record for each member of the cell on the meeting's date that has none.
        static func fillRest(
            _ meeting: inout Meeting,
            state: AttendanceState,
            session: Session
        ) async throws(CLIFailure) {
            let members = try await session.list(
                .membersList,
                ListMembersRequest(cellId: meeting.cellId, asOf: meeting.heldOn, includeAttached: true),
                as: Member.self
            )
            let named = Set(meeting.attendance.map(\.memberId))
            let presenter = session.printer.presenter
            let presenterForLabels = Presenter(language: presenter.language, raw: false)
            for member in members where !named.contains(member.id) {
                switch member.status {
                case .exempt, .workingAway, .temporaryTransfer:
                    meeting.attendance.append(
                        AttendanceRecord(
                            memberId: member.id,
                            state: .absentExcused,
                            reason: presenterForLabels.value(member.status.protoName, member.status.rawValue)
                        )
                    )
                case .transferredOut, .struckOff, .expelled, .deceased:
                    continue
                default:
                    meeting.attendance.append(AttendanceRecord(memberId: member.id, state: state))
                }
            }
        }
    }

    /// The revision given, or the meeting's current one.
    static func revision(_ given: Int64?, _ session: Session, _ id: String) async throws(CLIFailure) -> Int64 {
        if let given { return given }
        return try await session.unary(
            .meetingsGet,
            GetMeetingRequest(id: id),
            as: MeetingResponse.self,
            idempotent: true
        )
        .meeting?.meta?.revision ?? 0
    }

    /// `chibo meetings amend`.
    public struct Amend: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "Amend a meeting; every revision is kept.",
            discussion: """
                Flags change single fields. For attendance, agenda or resolutions give --file with a \
                Meeting in JSON and --mask naming the fields it changes (for example attendance).
                """
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var mutation: MutationFlags
        @Argument(help: "ID of the meeting.") var id: String
        @Option(help: "Revision you read (default: the current one).") var revision: Int64?
        @Option(help: "Topic.") var topic: String?
        @Option(help: "Place.") var place: String?
        @Option(help: "Start time (HH:MM).") var start: String?
        @Option(help: "End time (HH:MM).") var end: String?
        @Option(help: "Minutes text.") var minutes: String?
        @Option(help: "Quality score, 0 to 100.") var quality: Int32?
        @Option(name: .shortAndLong, help: "JSON file of a Meeting holding the new values.") var file: String?
        @Option(help: "Fields the file changes, comma-separated proto names (with --file).") var mask: String?

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            var meeting = Meeting()
            var paths: [String] = []
            if let file {
                guard let tree = try Input.records(path: file, messageName: "chibo.v1.Meeting").first else {
                    throw ValidationError("\(file) holds no meeting")
                }
                meeting = try Input.message(Meeting.self, from: tree, source: file)
                guard let mask else { throw ValidationError("--file needs --mask naming the fields it changes") }
                paths += Values.list(mask)
            }
            meeting.id = id
            if let topic {
                meeting.topic = topic
                paths.append("topic")
            }
            if let place {
                meeting.place = place
                paths.append("place")
            }
            if let start {
                meeting.startMinute = try Values.time(start, option: "--start")
                paths.append("start_minute")
            }
            if let end {
                meeting.endMinute = try Values.time(end, option: "--end")
                paths.append("end_minute")
            }
            if let minutes {
                meeting.minutes = minutes
                paths.append("minutes")
            }
            if let quality {
                meeting.quality = .qualityScore(quality)
                paths.append("quality_score")
            }
            if paths.isEmpty { throw ValidationError("give at least one field to change") }
            try await global.session { session in
                meeting.meta = RecordMeta(revision: try await Meetings.revision(revision, session, id))
                let response = try await session.unary(
                    .meetingsAmend,
                    AmendMeetingRequest(
                        options: mutation.options,
                        meeting: meeting,
                        updateMask: FieldMask(paths: paths)
                    ),
                    as: MeetingResponse.self
                )
                session.printer.single(response.meeting ?? Meeting(), columns: Columns.meeting)
                mutation.noteDryRun(session)
            }
        }
    }

    /// `chibo meetings void`.
    public struct Void: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "Void a meeting recorded by mistake: it stays readable and leaves the reports."
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var mutation: MutationFlags
        @Argument(help: "ID of the meeting.") var id: String
        @Option(help: "Why it is voided.") var reason: String
        @Option(help: "Revision you read (default: the current one).") var revision: Int64?

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            try await global.session { session in
                let current = try await Meetings.revision(revision, session, id)
                let response = try await session.unary(
                    .meetingsVoidRecord,
                    VoidRequest(options: mutation.options, id: id, revision: current, reason: reason),
                    as: MeetingResponse.self
                )
                session.printer.single(response.meeting ?? Meeting(), columns: Columns.meeting)
                mutation.noteDryRun(session)
            }
        }
    }
}

/// `chibo resolutions`: what meetings decided, and their progress.
public struct Resolutions: AsyncParsableCommand {
    /// The verbs.
    public static let configuration = CommandConfiguration(
        commandName: "resolutions",
        abstract: "Resolutions of meetings: list by status or due date, update progress.",
        subcommands: [List.self, Update.self]
    )

    /// Creates the command.
    public init() {}

    /// `chibo resolutions list`.
    public struct List: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(abstract: "List resolutions.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var listing: ListFlags
        @Option(help: "Only resolutions of cells in this subtree.") var subtree: String?
        @Option(help: "Only these statuses, comma-separated: open, in-progress, done, cancelled.") var status:
            [String] = []
        @Option(help: "Only resolutions due before this date (YYYY-MM-DD).") var dueBefore: String?

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            var request = ListResolutionsRequest(subtreeOf: subtree ?? "")
            for item in Values.list(status) {
                request.statuses.append(
                    ResolutionStatus(
                        rawValue: try Values.enumNumber(item, enumName: "ResolutionStatus", option: "--status")
                    )
                )
            }
            if let dueBefore { request.dueBefore = try Values.date(dueBefore, option: "--due-before") }
            try await global.session { session in
                let resolutions = try await session.list(
                    .meetingsListResolutions,
                    request,
                    as: Resolution.self,
                    limit: listing.limit,
                    pageSize: listing.pageSize
                )
                session.printer.list(resolutions, columns: Columns.resolution)
            }
        }
    }

    /// `chibo resolutions update`.
    public struct Update: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "Change a resolution's status, note or due date."
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var mutation: MutationFlags
        @Argument(help: "ID of the resolution.") var id: String
        @Option(help: "Revision you read.") var revision: Int64
        @Option(help: "Status: open, in-progress, done, cancelled.") var status: String?
        @Option(help: "Progress note.") var note: String?
        @Option(help: "New due date (YYYY-MM-DD).") var due: String?
        @Option(help: "Date done or cancelled (YYYY-MM-DD).") var closedOn: String?

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            var resolution = Resolution(id: id, meta: RecordMeta(revision: revision))
            var paths: [String] = []
            if let status {
                resolution.status = ResolutionStatus(
                    rawValue: try Values.enumNumber(status, enumName: "ResolutionStatus", option: "--status")
                )
                paths.append("status")
            }
            if let note {
                resolution.note = note
                paths.append("note")
            }
            if let due {
                resolution.dueOn = try Values.date(due, option: "--due")
                paths.append("due_on")
            }
            if let closedOn {
                resolution.closedOn = try Values.date(closedOn, option: "--closed-on")
                paths.append("closed_on")
            }
            if paths.isEmpty { throw ValidationError("give at least one field to change") }
            try await global.session { session in
                let response = try await session.unary(
                    .meetingsUpdateResolution,
                    UpdateResolutionRequest(
                        options: mutation.options,
                        resolution: resolution,
                        updateMask: FieldMask(paths: paths)
                    ),
                    as: ResolutionResponse.self
                )
                session.printer.single(response.resolution ?? Resolution(), columns: Columns.resolution)
                mutation.noteDryRun(session)
            }
        }
    }
}
