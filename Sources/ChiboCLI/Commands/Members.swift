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
        @Option(help: "Only members of this cell, by code or name.", completion: Completions.unitCodes) var cell:
            String?
        @Option(help: "Only members of cells in this subtree, by code or name.") var subtree: String?
        @Option(
            help:
                "Only these statuses, comma-separated, in English or Vietnamese: official (chính thức), probationary (dự bị), exempt, working-away (đi làm ăn xa), …"
        )
        var status: [String] = []
        @Option(help: "Status as of this date (YYYY-MM-DD).") var asOf: String?
        @ArgumentParser.Flag(help: "With --cell: also members of other cells temporarily attached to it.")
        var includeAttached = false

        /// The request, with the values checked before any call.
        func request(includeVoided: Bool) throws -> ListMembersRequest {
            var request = ListMembersRequest(includeVoided: includeVoided, includeAttached: includeAttached)
            for item in Values.list(status) {
                request.statuses.append(
                    MemberStatus(rawValue: try Values.enumNumber(item, enumName: "MemberStatus", option: "--status"))
                )
            }
            if let asOf { request.asOf = try Values.date(asOf, option: "--as-of") }
            return request
        }

        /// The cell and subtree named, resolved to ids (an unknown one is NOT_FOUND).
        func resolve(_ request: inout ListMembersRequest, _ session: Session) async throws(CLIFailure) {
            request.cellId = try await session.unitID(cell, option: "--cell") ?? ""
            request.subtreeOf = try await session.unitID(subtree, option: "--subtree") ?? ""
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
            var request = try filters.request(includeVoided: listing.includeVoided)
            try await global.session { session in
                try await filters.resolve(&request, session)
                let members = try await session.list(
                    .membersList,
                    request,
                    as: Member.self,
                    limit: listing.limit,
                    pageSize: listing.pageSize
                )
                try await session.show(members: members)
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
                try await filters.resolve(&request, session)
                let members = try await session.list(
                    .membersList,
                    request,
                    as: Member.self,
                    limit: listing.limit,
                    pageSize: listing.pageSize
                )
                try await session.show(members: members)
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
            abstract: "Show one member, by party-card number or name; --events lists the status history."
        )
        @OptionGroup var global: GlobalOptions
        @Argument(
            help: "The member: party-card number, full name (diacritics optional) or id.",
            completion: Completions.cardNumbers
        )
        var member: String?
        @Option(help: "Party card number (the same as giving it as MEMBER).") var card: String?
        @Option(help: "Look the name up in this cell only, by code or name.") var cell: String?
        @ArgumentParser.Flag(help: "Show the status history instead of the profile (tables and CSV).")
        var events = false

        /// Creates the command.
        public init() {}

        /// Checks that the member is named.
        public func validate() throws {
            if (member == nil) == (card == nil) { throw ValidationError("name the member, or give --card, not both") }
        }

        /// Runs it.
        public func run() async throws {
            try await global.session { session in
                let cellID = try await session.unitID(cell, option: "--cell")
                let found = try await session.member(member ?? card ?? "", cellID: cellID, option: "MEMBER")
                if events && [.table, .wide, .csv].contains(session.printer.format) {
                    session.printer.list(found.events, columns: Columns.statusEvent)
                } else {
                    try await session.show(member: found)
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
        @Option(help: "The member's cell, by code or name.") var cell: String?
        @Option(help: "Gender: male or female (nam, nữ).") var gender: String?
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
                if file == nil, let cell { members[0].cellId = try await session.unitID(cell, option: "--cell") }
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
                    try await session.show(member: created[0])
                } else {
                    try await session.show(members: created)
                }
                mutation.noteDryRun(session)
            }
        }
    }

    /// `chibo members update`.
    public struct Update: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "Change profile fields of a member; only the fields given are changed."
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var mutation: MutationFlags
        @Argument(help: "The member: party-card number, full name or id.") var id: String
        @Option(help: "Look the member's name up in this cell only, by code or name.") var cell: String?
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
            var member = Member()
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
                let current = try await session.member(
                    id,
                    cellID: try await session.unitID(cell, option: "--cell"),
                    option: "MEMBER"
                )
                member.id = current.id
                member.meta = RecordMeta(revision: revision ?? current.meta?.revision ?? 0)
                let response = try await session.unary(
                    .membersUpdate,
                    UpdateMemberRequest(options: mutation.options, member: member, updateMask: FieldMask(paths: paths)),
                    as: MemberResponse.self
                )
                try await session.show(member: response.member ?? Member())
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
        @Argument(help: "The member: party-card number, full name or id.") var id: String
        @Option(help: "Look the member's name up in this cell only, by code or name.") var cell: String?
        @Option(
            help:
                "The event, in English or Vietnamese (đi làm ăn xa, trở về, …): admitted, made-official, exempted, exemption-ended, working-away, returned, temporary-transfer-out, temporary-transfer-back, permanent-transfer, struck-off, expelled, deceased, transferred-in."
        )
        var kind: String
        @Option(help: "Date it takes effect (YYYY-MM-DD).") var on: String
        @Option(help: "Decision number.") var decision: String?
        @Option(help: "Where the member goes or comes from.") var place: String?
        @Option(help: "Expected return (YYYY-MM-DD).") var returnOn: String?
        @Option(help: "The cell on the other side of a transfer, by code or name.") var otherUnit: String?
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
                note: note ?? ""
            )
            if let returnOn { event.expectedReturnOn = try Values.date(returnOn, option: "--return-on") }
            try await global.session { session in
                event.otherUnitId = try await session.unitID(otherUnit, option: "--other-unit") ?? ""
                let member = try await session.member(
                    id,
                    cellID: try await session.unitID(cell, option: "--cell"),
                    option: "MEMBER"
                )
                let current = revision ?? member.meta?.revision ?? 0
                let response = try await session.unary(
                    .membersAddStatusEvent,
                    AddStatusEventRequest(
                        options: mutation.options,
                        memberId: member.id,
                        revision: current,
                        event: event
                    ),
                    as: MemberResponse.self
                )
                try await session.show(member: response.member ?? Member())
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
        @Argument(help: "The member: party-card number, full name or id.") var id: String
        @Option(help: "Look the member's name up in this cell only, by code or name.") var cell: String?
        @Option(help: "Why it is voided.") var reason: String
        @Option(help: "Revision you read (default: the current one).") var revision: Int64?

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            try await global.session { session in
                let member = try await session.member(
                    id,
                    cellID: try await session.unitID(cell, option: "--cell"),
                    option: "MEMBER"
                )
                let current = revision ?? member.meta?.revision ?? 0
                let response = try await session.unary(
                    .membersVoidRecord,
                    VoidRequest(options: mutation.options, id: member.id, revision: current, reason: reason),
                    as: MemberResponse.self
                )
                try await session.show(member: response.member ?? Member())
                mutation.noteDryRun(session)
            }
        }
    }
}
