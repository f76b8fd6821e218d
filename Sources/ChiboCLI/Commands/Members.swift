import ArgumentParser
import ChiboModel

/// `chibo members`: party members, their profiles and status history.
public struct Members: AsyncParsableCommand {
    /// The verbs.
    public static let configuration = CommandConfiguration(
        commandName: "members",
        abstract: "Party members: list, search by name (diacritics optional), create, update, status events.",
        subcommands: [List.self, Search.self, Get.self, Create.self, Update.self, Event.self, Void.self]
    )

    /// Creates the command.
    public init() {}

    /// Filters shared by list and search.
    struct Filters: ParsableArguments {
        @Option(help: "Only members of this cell.") var cell: String?
        @Option(help: "Only members of cells in this subtree.") var subtree: String?
        @Option(help: "Only these statuses, comma-separated: official, probationary, exempt, working-away, …")
        var status: [String] = []
        @Option(help: "Status as of this date (YYYY-MM-DD).") var asOf: String?
        @ArgumentParser.Flag(help: "With --cell: also members of other cells temporarily attached to it.")
        var includeAttached = false

        func request(includeVoided: Bool) throws -> ListMembersRequest {
            var request = ListMembersRequest(
                cellId: cell ?? "",
                subtreeOf: subtree ?? "",
                includeVoided: includeVoided,
                includeAttached: includeAttached
            )
            for item in Values.list(status) {
                request.statuses.append(
                    MemberStatus(rawValue: try Values.enumNumber(item, enumName: "MemberStatus", option: "--status"))
                )
            }
            if let asOf { request.asOf = try Values.date(asOf, option: "--as-of") }
            return request
        }
    }

    /// `chibo members list`.
    public struct List: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(abstract: "List members, sorted the Vietnamese way.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var listing: ListFlags
        @OptionGroup var filters: Filters

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            let request = try filters.request(includeVoided: listing.includeVoided)
            try await global.session { session in
                let members = try await session.list(
                    .membersList,
                    request,
                    as: Member.self,
                    limit: listing.limit,
                    pageSize: listing.pageSize
                )
                session.printer.list(members, columns: Columns.member)
            }
        }
    }

    /// `chibo members search`.
    public struct Search: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "Find members by name; \"tong van hanh\" finds \"Tòng Văn Hạnh\"."
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var listing: ListFlags
        @OptionGroup var filters: Filters
        @Argument(help: "Name or part of it, with or without diacritics.") var name: [String]

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            var request = try filters.request(includeVoided: listing.includeVoided)
            request.nameQuery = name.joined(separator: " ")
            try await global.session { session in
                let members = try await session.list(
                    .membersList,
                    request,
                    as: Member.self,
                    limit: listing.limit,
                    pageSize: listing.pageSize
                )
                session.printer.list(members, columns: Columns.member)
                if members.isEmpty {
                    session.note(session.printer.presenter.text("no member matches", "không tìm thấy đảng viên nào"))
                }
            }
        }
    }

    /// `chibo members get`.
    public struct Get: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "Show one member, by id or by --card; --events lists the status history."
        )
        @OptionGroup var global: GlobalOptions
        @Argument(help: "ID of the member.") var id: String?
        @Option(help: "Party card number instead of the id.") var card: String?
        @ArgumentParser.Flag(help: "Show the status history instead of the profile (tables and CSV).")
        var events = false

        /// Creates the command.
        public init() {}

        /// Checks that the member is named.
        public func validate() throws {
            if (id == nil) == (card == nil) { throw ValidationError("give the member's id or --card, not both") }
        }

        /// Runs it.
        public func run() async throws {
            let request = GetMemberRequest(id: id ?? "", partyCardNumber: card ?? "")
            try await global.session { session in
                let member =
                    try await session.unary(.membersGet, request, as: MemberResponse.self, idempotent: true)
                    .member ?? Member()
                if events && [.table, .csv].contains(session.printer.format) {
                    session.printer.list(member.events, columns: Columns.statusEvent)
                } else {
                    session.printer.single(member, columns: Columns.member)
                }
            }
        }
    }

    /// `chibo members create`.
    public struct Create: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "Create members from flags or from a JSON, JSON Lines or CSV file of Member records."
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var mutation: MutationFlags
        @Option(help: "Full name with diacritics.") var name: String?
        @Option(help: "ID of the member's cell.") var cell: String?
        @Option(help: "Gender: male or female.") var gender: String?
        @Option(help: "Birth date (YYYY-MM-DD).") var born: String?
        @Option(help: "Ethnicity (dân tộc).") var ethnicity: String?
        @Option(help: "Home place (quê quán).") var homePlace: String?
        @Option(help: "Phone number.") var phone: String?
        @Option(help: "Party card number.") var card: String?
        @Option(help: "Citizen ID (CCCD), 12 digits.") var citizenId: String?
        @Option(help: "Admission date: records an ADMITTED event (YYYY-MM-DD).") var admitted: String?
        @Option(help: "Date made official: records a MADE_OFFICIAL event (YYYY-MM-DD).") var official: String?
        @Option(help: "Free-text note.") var note: String?
        @Option(name: .shortAndLong, help: "File of Member records (.json, .jsonl or .csv); - for standard input.")
        var file: String?

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            var members: [Member] = []
            if let file {
                for tree in try Input.records(path: file, messageName: "chibo.v1.Member") {
                    members.append(try Input.message(Member.self, from: tree, source: file))
                }
            } else {
                guard let name, let cell else { throw ValidationError("give --name and --cell, or --file") }
                var member = Member(
                    partyCardNumber: card ?? "",
                    citizenId: citizenId ?? "",
                    fullName: name,
                    ethnicity: ethnicity ?? "",
                    homePlace: homePlace ?? "",
                    phone: phone ?? "",
                    cellId: cell,
                    note: note ?? ""
                )
                if let gender {
                    member.gender = Gender(
                        rawValue: try Values.enumNumber(gender, enumName: "Gender", option: "--gender")
                    )
                }
                if let born { member.birthDate = try Values.date(born, option: "--born") }
                if let admitted {
                    let date = try Values.date(admitted, option: "--admitted")
                    member.admittedOn = date
                    member.events.append(StatusEvent(kind: .admitted, effectiveOn: date))
                }
                if let official {
                    let date = try Values.date(official, option: "--official")
                    member.officialOn = date
                    member.events.append(StatusEvent(kind: .madeOfficial, effectiveOn: date))
                }
                members.append(member)
            }
            try await global.session { session in
                var created: [Member] = []
                for (index, member) in members.enumerated() {
                    var options = mutation.options
                    if members.count > 1, let id = mutation.requestId { options.requestId = "\(id)-\(index + 1)" }
                    let response = try await session.unary(
                        .membersCreate,
                        CreateMemberRequest(options: options, member: member),
                        as: MemberResponse.self
                    )
                    created.append(response.member ?? Member())
                }
                if created.count == 1 && file == nil {
                    session.printer.single(created[0], columns: Columns.member)
                } else {
                    session.printer.list(created, columns: Columns.member)
                }
                mutation.noteDryRun(session)
            }
        }
    }

    /// The revision given, or the member's current one.
    static func revision(_ given: Int64?, _ session: Session, _ id: String) async throws(CLIFailure) -> Int64 {
        if let given { return given }
        return try await session.unary(.membersGet, GetMemberRequest(id: id), as: MemberResponse.self, idempotent: true)
            .member?.meta?.revision ?? 0
    }

    /// `chibo members update`.
    public struct Update: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "Change profile fields of a member; only the fields given are changed."
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var mutation: MutationFlags
        @Argument(help: "ID of the member.") var id: String
        @Option(help: "Revision you read (default: the current one, read just before).") var revision: Int64?
        @Option(help: "Full name.") var name: String?
        @Option(help: "Gender: male or female.") var gender: String?
        @Option(help: "Birth date (YYYY-MM-DD).") var born: String?
        @Option(help: "Ethnicity.") var ethnicity: String?
        @Option(help: "Home place.") var homePlace: String?
        @Option(help: "Phone number.") var phone: String?
        @Option(help: "Party card number.") var card: String?
        @Option(help: "Citizen ID (CCCD).") var citizenId: String?
        @Option(help: "Note.") var note: String?

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            var member = Member(id: id)
            var paths: [String] = []
            if let name {
                member.fullName = name
                paths.append("full_name")
            }
            if let gender {
                member.gender = Gender(rawValue: try Values.enumNumber(gender, enumName: "Gender", option: "--gender"))
                paths.append("gender")
            }
            if let born {
                member.birthDate = try Values.date(born, option: "--born")
                paths.append("birth_date")
            }
            if let ethnicity {
                member.ethnicity = ethnicity
                paths.append("ethnicity")
            }
            if let homePlace {
                member.homePlace = homePlace
                paths.append("home_place")
            }
            if let phone {
                member.phone = phone
                paths.append("phone")
            }
            if let card {
                member.partyCardNumber = card
                paths.append("party_card_number")
            }
            if let citizenId {
                member.citizenId = citizenId
                paths.append("citizen_id")
            }
            if let note {
                member.note = note
                paths.append("note")
            }
            if paths.isEmpty { throw ValidationError("give at least one field to change") }
            try await global.session { session in
                member.meta = RecordMeta(revision: try await Members.revision(revision, session, id))
                let response = try await session.unary(
                    .membersUpdate,
                    UpdateMemberRequest(options: mutation.options, member: member, updateMask: FieldMask(paths: paths)),
                    as: MemberResponse.self
                )
                session.printer.single(response.member ?? Member(), columns: Columns.member)
                mutation.noteDryRun(session)
            }
        }
    }

    /// `chibo members event`.
    public struct Event: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "Record a status event: made-official, exempted, working-away, returned, struck-off, …"
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var mutation: MutationFlags
        @Argument(help: "ID of the member.") var id: String
        @Option(
            help:
                "The event: admitted, made-official, exempted, exemption-ended, working-away, returned, temporary-transfer-out, temporary-transfer-back, permanent-transfer, struck-off, expelled, deceased, transferred-in."
        )
        var kind: String
        @Option(help: "Date it takes effect (YYYY-MM-DD).") var on: String
        @Option(help: "Decision number.") var decision: String?
        @Option(help: "Where the member goes or comes from.") var place: String?
        @Option(help: "Expected return (YYYY-MM-DD).") var returnOn: String?
        @Option(help: "ID of the cell on the other side of a transfer.") var otherUnit: String?
        @Option(help: "Note or reason.") var note: String?
        @Option(help: "Revision you read (default: the current one).") var revision: Int64?

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            var event = StatusEvent(
                kind: StatusEventKind(
                    rawValue: try Values.enumNumber(kind, enumName: "StatusEventKind", option: "--kind")
                ),
                effectiveOn: try Values.date(on, option: "--on"),
                decisionRef: decision ?? "",
                place: place ?? "",
                otherUnitId: otherUnit ?? "",
                note: note ?? ""
            )
            if let returnOn { event.expectedReturnOn = try Values.date(returnOn, option: "--return-on") }
            try await global.session { session in
                let current = try await Members.revision(revision, session, id)
                let response = try await session.unary(
                    .membersAddStatusEvent,
                    AddStatusEventRequest(options: mutation.options, memberId: id, revision: current, event: event),
                    as: MemberResponse.self
                )
                session.printer.single(response.member ?? Member(), columns: Columns.member)
                mutation.noteDryRun(session)
            }
        }
    }

    /// `chibo members void`.
    public struct Void: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "Void a member record entered by mistake: it stays readable and leaves the reports."
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var mutation: MutationFlags
        @Argument(help: "ID of the member.") var id: String
        @Option(help: "Why it is voided.") var reason: String
        @Option(help: "Revision you read (default: the current one).") var revision: Int64?

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            try await global.session { session in
                let current = try await Members.revision(revision, session, id)
                let response = try await session.unary(
                    .membersVoidRecord,
                    VoidRequest(options: mutation.options, id: id, revision: current, reason: reason),
                    as: MemberResponse.self
                )
                session.printer.single(response.member ?? Member(), columns: Columns.member)
                mutation.noteDryRun(session)
            }
        }
    }
}
