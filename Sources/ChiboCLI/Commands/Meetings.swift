import ArgumentParser
import ChiboModel

/// `chibo meetings`: the logbook of cell meetings.
public struct Meetings: AsyncParsableCommand {
    /// The verbs.
    public static let configuration = CommandConfiguration(
        commandName: "meetings",
        abstract: "Cell meetings: record one with its attendance, list, show, amend, void.",
        subcommands: [
            List.self, Get.self, Record.self, AttendanceVerb.self, ResolutionVerb.self, Minutes.self, Amend.self,
            Void.self,
        ]
    )

    /// Creates the command.
    public init() {}

    /// `chibo meetings list`.
    public struct List: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(abstract: "List meetings, oldest first.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var listing: ListFlags
        @Option(help: "Only meetings of this cell, by code or name.", completion: Completions.unitCodes) var cell:
            String?
        @Option(help: "Only meetings of cells in this subtree, by code or name.") var subtree: String?
        @Option(help: "Held on or after this date (YYYY-MM-DD).") var from: String?
        @Option(help: "Held before this date (YYYY-MM-DD).") var to: String?
        @Option(help: "Only this kind: regular, thematic, combined, extraordinary.") var kind: String?

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            var request = ListMeetingsRequest(includeVoided: listing.includeVoided)
            if let from { request.from = try Values.date(from, option: "--from") }
            if let to { request.to = try Values.date(to, option: "--to") }
            if let kind {
                request.kind = MeetingKind(
                    rawValue: try Values.enumNumber(kind, enumName: "MeetingKind", option: "--kind")
                )
            }
            try await global.session { session in
                request.cellId = try await session.unitID(cell, option: "--cell") ?? ""
                request.subtreeOf = try await session.unitID(subtree, option: "--subtree") ?? ""
                let meetings = try await session.list(
                    .meetingsList,
                    request,
                    as: Meeting.self,
                    limit: listing.limit,
                    pageSize: listing.pageSize
                )
                try await session.show(meetings: meetings)
            }
        }
    }

    /// `chibo meetings get`.
    public struct Get: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "Show a meeting (--cell CODE --on DATE); --attendance lists who was there (tables and CSV)."
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var reference: MeetingReference
        @Option(help: "An earlier revision (amendments keep every one; `chibo history meeting` lists them).")
        var revision: Int64 = 0
        @ArgumentParser.Flag(help: "List the attendance records instead of the summary.") var attendance = false

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            try await global.session { session in
                let meeting = try await reference.read(session, revision: revision)
                if attendance && [.table, .wide, .csv].contains(session.printer.format) {
                    let members = try await session.cardNumbers(meeting)
                    session.printer.list(meeting.attendance, columns: Columns.attendance(members))
                    Voided.note(meeting.meta, session)
                } else {
                    try await session.show(meeting: meeting)
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
                Name members by party-card number or by name (diacritics optional; looked up in the \
                cell). Give each member's attendance with --present, --excused MEMBER=REASON and \
                --unexcused, or use --rest to give every other member of the cell the same state \
                (members exempt, working away or on temporary transfer are then recorded absent with \
                their status as the reason). --file reads a Meeting in JSON; the flags add to it. A \
                date in the future is refused unless --allow-future.
                """
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var mutation: MutationFlags
        @Option(help: "The cell, by code or name.", completion: Completions.unitCodes) var cell: String?
        @Option(help: "Date of the meeting (YYYY-MM-DD).") var on: String?
        @Option(help: "Kind: regular, thematic, combined, extraordinary (định kỳ, chuyên đề, …).") var kind = "regular"
        @Option(help: "Start time (HH:MM).") var start: String?
        @Option(help: "End time (HH:MM).") var end: String?
        @Option(help: "Topic (required for thematic meetings).") var topic: String?
        @Option(help: "Place.") var place: String?
        @Option(help: "The member who chaired: party-card number or name.") var chair: String?
        @Option(help: "The member who kept the minutes: party-card number or name.") var recorder: String?
        @Option(help: "Members present, comma-separated: party-card numbers or names.") var present: [String] = []
        @Option(help: "A member absent with reason, as MEMBER=REASON (repeat the option).") var excused: [String] = []
        @Option(help: "Members absent without reason, comma-separated.") var unexcused: [String] = []
        @Option(help: "Members who spoke, comma-separated.") var spoke: [String] = []
        @Option(
            help: "State of every member of the cell not named: present, absent-unexcused or not-recorded (có mặt, …)."
        )
        var rest: String?
        @ArgumentParser.Flag(help: "The logbook's list is incomplete: members not named are stored as not recorded.")
        var partial = false
        @Option(help: "A guest's name (repeat the option).") var guest: [String] = []
        @Option(help: "Name of the supervising standing-committee member, present as a guest.") var supervisor: String?
        @Option(help: "A resolution as TEXT or TEXT|OWNER|DUE-DATE (repeat the option).") var resolution: [String] = []
        @Option(help: "Minutes text.") var minutes: String?
        @ArgumentParser.Flag(help: "The minutes were read back and approved.") var minutesApproved = false
        @Option(help: "Quality score from the upper level, 0 to 100.") var quality: Int32?
        @ArgumentParser.Flag(help: "Record a meeting dated after today, or before a named member's admission.")
        var allowFuture = false
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
            if let on { meeting.heldOn = try Values.date(on, option: "--on") }
            if (cell == nil && meeting.cellId.isEmpty) || meeting.heldOn == nil {
                throw ValidationError("give --cell and --on, or --file")
            }
            let heldOn = meeting.heldOn ?? CalendarDate()
            if !allowFuture && heldOn > Dates.today {
                throw CLIFailure.usage(
                    "--on \(Presenter.isoDate(heldOn)) is after today (\(Presenter.isoDate(Dates.today))); "
                        + "give --allow-future to record a meeting ahead of its day"
                )
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
            if let minutes { meeting.minutes = minutes }
            if minutesApproved { meeting.minutesApproved = true }
            if let quality { meeting.quality = .qualityScore(quality) }
            for name in guest { meeting.guests.append(Guest(fullName: name)) }
            if let supervisor { meeting.guests.append(Guest(fullName: supervisor, isSupervisor: true)) }
            for text in resolution { meeting.resolutions.append(try Self.resolution(text)) }
            let excusedPairs = try Self.pairs(excused)
            let restState: AttendanceState? = try rest.map {
                AttendanceState(rawValue: try Values.enumNumber($0, enumName: "AttendanceState", option: "--rest"))
            }
            try await global.session { session in
                if let cell { meeting.cellId = try await session.unitID(cell, option: "--cell") }
                let roster = MeetingRoster(session: session, cellID: meeting.cellId, on: heldOn)
                func id(_ reference: String, _ option: String) async throws(CLIFailure) -> String {
                    let member = try await roster.member(reference, option: option)
                    if !allowFuture, let admitted = member.admittedOn, heldOn < admitted {
                        throw CLIFailure.usage(
                            "\(option) \(reference): \(member.fullName) was admitted on "
                                + "\(Presenter.isoDate(admitted)), after the meeting of \(Presenter.isoDate(heldOn))"
                        )
                    }
                    return member.id
                }
                if let chair { meeting.chairMemberId = try await id(chair, "--chair") }
                if let recorder { meeting.recorderMemberId = try await id(recorder, "--recorder") }
                for reference in Values.list(present) {
                    meeting.attendance.append(
                        AttendanceRecord(memberId: try await id(reference, "--present"), state: .present)
                    )
                }
                for (reference, reason) in excusedPairs {
                    meeting.attendance.append(
                        AttendanceRecord(
                            memberId: try await id(reference, "--excused"),
                            state: .absentExcused,
                            reason: reason
                        )
                    )
                }
                for reference in Values.list(unexcused) {
                    meeting.attendance.append(
                        AttendanceRecord(memberId: try await id(reference, "--unexcused"), state: .absentUnexcused)
                    )
                }
                var spokeIDs: Set<String> = []
                for reference in Values.list(spoke) { spokeIDs.insert(try await id(reference, "--spoke")) }
                if let restState {
                    try await Self.fillRest(
                        &meeting,
                        state: restState,
                        members: try await roster.members(),
                        session: session
                    )
                } else if !partial {
                    try await Self.requireEveryone(meeting, members: try await roster.members())
                }
                for index in meeting.attendance.indices where spokeIDs.contains(meeting.attendance[index].memberId) {
                    meeting.attendance[index].spoke = true
                }
                let response = try await session.unary(
                    .meetingsRecord,
                    RecordMeetingRequest(options: mutation.options, meeting: meeting, partialAttendance: partial),
                    as: MeetingResponse.self
                )
                try await session.show(meeting: response.meeting ?? Meeting())
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

        /// MEMBER=REASON pairs of --excused.
        static func pairs(_ items: [String]) throws(CLIFailure) -> [(String, String)] {
            var pairs: [(String, String)] = []
            for item in items {
                guard let equals = item.firstIndex(of: "=") else {
                    throw CLIFailure.usage("--excused expects MEMBER=REASON, got \"\(item)\"")
                }
                let reason = String(item[item.index(after: equals)...]).trimmingSpaces
                if reason.isEmpty { throw CLIFailure.usage("--excused \(item): the reason is empty") }
                pairs.append((String(item[..<equals]).trimmingSpaces, reason))
            }
            return pairs
        }

        /// Whether the meeting must record the member: the server's own rule (ExpectedAttendance),
        /// from the member's events up to the meeting's day.
        static func expected(_ member: Member, at meeting: Meeting) -> Bool {
            guard let day = meeting.heldOn else { return false }
            return ExpectedAttendance.entry(for: member, cellID: meeting.cellId, dateKey: day.isoKey) != nil
        }

        /// Refuses, one member a line, when members of the cell were left unnamed without
        /// --rest or --partial.
        static func requireEveryone(_ meeting: Meeting, members: [Member]) async throws(CLIFailure) {
            let named = Set(meeting.attendance.map(\.memberId))
            let missing = members.filter { expected($0, at: meeting) && !named.contains($0.id) }
            guard !missing.isEmpty else { return }
            var lines = [
                "error: \(missing.count) member\(missing.count == 1 ? "" : "s") of the cell "
                    + "\(missing.count == 1 ? "is" : "are") not named; give --rest present (or "
                    + "absent-unexcused), --partial, or name them:"
            ]
            for member in missing.prefix(30) {
                lines.append(
                    "  \(member.partyCardNumber.isEmpty ? "(no card)" : member.partyCardNumber)  \(member.fullName)"
                )
            }
            if missing.count > 30 { lines.append("  … and \(missing.count - 30) more") }
            throw CLIFailure(exitCode: ExitCodes.usage, lines: lines)
        }

        /// Adds a record for each member of the cell on the meeting's date that has none.
        static func fillRest(
            _ meeting: inout Meeting,
            state: AttendanceState,
            members: [Member],
            session: Session
        ) async throws(CLIFailure) {
            let named = Set(meeting.attendance.map(\.memberId))
            let presenterForLabels = Presenter(language: session.printer.language, raw: false)
            for member in members where !named.contains(member.id) && expected(member, at: meeting) {
                switch member.status {
                case .exempt, .workingAway, .temporaryTransfer:
                    meeting.attendance.append(
                        AttendanceRecord(
                            memberId: member.id,
                            state: .absentExcused,
                            reason: presenterForLabels.value(member.status.protoName, member.status.rawValue)
                        )
                    )
                default:
                    meeting.attendance.append(AttendanceRecord(memberId: member.id, state: state))
                }
            }
        }
    }

    /// `chibo meetings amend`.
    public struct Amend: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "Amend a meeting; every revision is kept.",
            discussion: """
                Flags change single fields. One member's attendance: `chibo meetings attendance`; \
                resolutions: `chibo meetings resolution`. For the agenda or anything else give --file \
                with a Meeting in JSON and --mask naming the fields it changes.
                """
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var mutation: MutationFlags
        @OptionGroup var reference: MeetingReference
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
            if paths.isEmpty {
                throw ValidationError(
                    "give a field to change (--topic, --place, --start, --end, --minutes, --quality, or --file "
                        + "with --mask); one member's attendance: chibo meetings attendance"
                )
            }
            try await global.session { session in
                let current = try await reference.read(session)
                meeting.id = current.id
                meeting.meta = RecordMeta(revision: revision ?? current.meta?.revision ?? 0)
                let response = try await session.unary(
                    .meetingsAmend,
                    AmendMeetingRequest(
                        options: mutation.options,
                        meeting: meeting,
                        updateMask: FieldMask(paths: paths)
                    ),
                    as: MeetingResponse.self
                )
                try await session.show(meeting: response.meeting ?? Meeting())
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
        @OptionGroup var reference: MeetingReference
        @Option(help: "Why it is voided.") var reason: String
        @Option(help: "Revision you read (default: the current one).") var revision: Int64?

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            try await global.session { session in
                let meeting = try await reference.read(session, includeVoided: false)
                let current = revision ?? meeting.meta?.revision ?? 0
                let response = try await session.unary(
                    .meetingsVoidRecord,
                    VoidRequest(options: mutation.options, id: meeting.id, revision: current, reason: reason),
                    as: MeetingResponse.self
                )
                try await session.show(meeting: response.meeting ?? Meeting())
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
            abstract: "Change a resolution's status, note or due date: --cell CODE --on DATE --number N.",
            discussion: """
                Name the resolution by the meeting that adopted it and its number there (from 1, \
                as `chibo meetings minutes` lists them), or by its id with --revision.
                """
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var mutation: MutationFlags
        @Argument(help: "The resolution's id (with --revision); or give --cell, --on and --number.") var id: String?
        @Option(help: "The cell whose meeting adopted it, by code or name.", completion: Completions.unitCodes)
        var cell: String?
        @Option(help: "The day of that meeting (YYYY-MM-DD).") var on: String?
        @Option(help: "Its number among the meeting's resolutions, from 1.") var number: Int?
        @Option(help: "Revision you read (default with --cell: the current one).") var revision: Int64?
        @Option(help: "Status: open, in-progress, done, cancelled.") var status: String?
        @Option(help: "Progress note.") var note: String?
        @Option(help: "New due date (YYYY-MM-DD).") var due: String?
        @Option(help: "Date done or cancelled (YYYY-MM-DD).") var closedOn: String?

        /// Creates the command.
        public init() {}

        /// Checks that the resolution is named one way.
        public func validate() throws {
            if id != nil && (cell != nil || on != nil || number != nil) {
                throw ValidationError("name the resolution by its id or by --cell, --on and --number, not both")
            }
            if id == nil && (cell == nil || on == nil || number == nil) {
                throw ValidationError("name the resolution: --cell CODE --on YYYY-MM-DD --number N")
            }
            if id != nil && revision == nil { throw ValidationError("with a resolution's id, give --revision") }
        }

        /// Runs it.
        public func run() async throws {
            var resolution = Resolution(id: id ?? "", meta: RecordMeta(revision: revision ?? 0))
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
                if let cell, let on, let number {
                    let meeting = try await session.meeting(cell: cell, on: on)
                    guard number >= 1 && number <= meeting.resolutions.count else {
                        throw CLIFailure.usage(
                            "--number \(number): the meeting has \(meeting.resolutions.count) resolution(s)"
                        )
                    }
                    let found = meeting.resolutions[number - 1]
                    resolution.id = found.id
                    resolution.meta = RecordMeta(revision: revision ?? found.meta?.revision ?? 0)
                }
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
