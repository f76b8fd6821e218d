import ArgumentParser
import ChiboModel

/// `chibo units`: the org tree (provinces, communes, cells).
public struct Units: AsyncParsableCommand {
    /// The verbs.
    public static let configuration = CommandConfiguration(
        commandName: "units",
        abstract: "Org units: communes, cells and the tree above them.",
        subcommands: [
            List.self, Get.self, Create.self, Update.self, Move.self, Merge.self, Split.self,
            AssignSupervisor.self, EndSupervisor.self, Void.self,
        ]
    )

    /// Creates the command.
    public init() {}

    /// `chibo units list`.
    public struct List: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(abstract: "List org units (cells with --kind cell).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var listing: ListFlags
        @Option(help: "Only direct children of this unit.") var parent: String?
        @Option(help: "Only this unit and everything below it.") var subtree: String?
        @Option(help: "Only units of this kind: province, district, commune, cell, party-group.") var kind: String?
        @Option(help: "The tree as it stood on this date (YYYY-MM-DD).") var asOf: String?

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            var request = ListOrgUnitsRequest(includeVoided: listing.includeVoided)
            if let kind {
                request.kind = OrgUnitKind(
                    rawValue: try Values.enumNumber(kind, enumName: "OrgUnitKind", option: "--kind")
                )
            }
            if let asOf { request.asOf = try Values.date(asOf, option: "--as-of") }
            try await global.session { session in
                request.parentId = try await session.unitID(parent, option: "--parent") ?? ""
                request.subtreeOf = try await session.unitID(subtree, option: "--subtree") ?? ""
                let units = try await session.list(
                    .orgUnitsList,
                    request,
                    as: OrgUnit.self,
                    limit: listing.limit,
                    pageSize: listing.pageSize
                )
                try await session.show(units: units)
            }
        }
    }

    /// `chibo units get`.
    public struct Get: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(abstract: "Show one org unit, by id or by --code.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The unit: its code, its name (diacritics optional) or its id.") var id: String?
        @Option(help: "Code of the unit instead of its id.") var code: String?
        @Option(help: "Date at which the code is resolved (YYYY-MM-DD).") var asOf: String?

        /// Creates the command.
        public init() {}

        /// Checks that the unit is named.
        public func validate() throws {
            if (id == nil) == (code == nil) { throw ValidationError("give the unit's id or --code, not both") }
        }

        /// Runs it.
        public func run() async throws {
            var request = GetOrgUnitRequest(id: id ?? "", code: code ?? "")
            if let asOf { request.asOf = try Values.date(asOf, option: "--as-of") }
            try await global.session { session in
                if let id {
                    let unit = try await session.unit(id, option: "UNIT")
                    try await session.show(unit: unit)
                    return
                }
                let response = try await session.unary(
                    .orgUnitsGet,
                    request,
                    as: OrgUnitResponse.self,
                    idempotent: true
                )
                try await session.show(unit: response.unit ?? OrgUnit())
            }
        }
    }

    /// `chibo units create`.
    public struct Create: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "Create org units from flags or from a JSON, JSON Lines or CSV file of OrgUnit records."
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var mutation: MutationFlags
        @Option(help: "Short code, for example MB-BANBO.") var code: String?
        @Option(help: "Full name with diacritics.") var name: String?
        @Option(help: "Kind: province, district, commune, cell, party-group.") var kind: String?
        @Option(help: "The parent unit, by code or name.") var parent: String?
        @Option(help: "Day of the month of the cell's regular meeting.") var meetingDay: Int32?
        @Option(help: "First day the unit exists (YYYY-MM-DD).") var from: String?
        @Option(help: "Free-text note.") var note: String?
        @Option(name: .shortAndLong, help: "File of OrgUnit records (.json, .jsonl or .csv); - for standard input.")
        var file: String?

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            var units: [OrgUnit] = []
            if let file {
                for tree in try Input.records(path: file, messageName: "chibo.v1.OrgUnit") {
                    units.append(try Input.message(OrgUnit.self, from: tree, source: file))
                }
            } else {
                guard let name, let kind else { throw ValidationError("give --name and --kind, or --file") }
                var unit = OrgUnit(
                    code: code ?? "",
                    name: name,
                    kind: OrgUnitKind(rawValue: try Values.enumNumber(kind, enumName: "OrgUnitKind", option: "--kind")),
                    meetingDay: meetingDay ?? 0,
                    note: note ?? ""
                )
                if let from { unit.valid = DateRange(from: try Values.date(from, option: "--from")) }
                units.append(unit)
            }
            try await global.session { session in
                if file == nil, let parent { units[0].parentId = try await session.unitID(parent, option: "--parent") }
                var created: [OrgUnit] = []
                for (index, unit) in units.enumerated() {
                    var options = mutation.options
                    if units.count > 1, let id = mutation.requestId { options.requestId = "\(id)-\(index + 1)" }
                    let response = try await session.unary(
                        .orgUnitsCreate,
                        CreateOrgUnitRequest(options: options, unit: unit),
                        as: OrgUnitResponse.self
                    )
                    created.append(response.unit ?? OrgUnit())
                }
                if created.count == 1 && file == nil {
                    try await session.show(unit: created[0])
                } else {
                    try await session.show(units: created)
                }
                mutation.noteDryRun(session)
            }
        }
    }

    /// `chibo units update`.
    public struct Update: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "Change fields of an org unit; only the fields given are changed."
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var mutation: MutationFlags
        @Argument(help: "The unit: its code, name or id.") var id: String
        @Option(help: "Revision you read (default: the current one, read just before).") var revision: Int64?
        @Option(help: "New code.") var code: String?
        @Option(help: "New name.") var name: String?
        @Option(help: "New regular meeting day.") var meetingDay: Int32?
        @Option(help: "New note.") var note: String?

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            var unit = OrgUnit()
            var paths: [String] = []
            if let code {
                unit.code = code
                paths.append("code")
            }
            if let name {
                unit.name = name
                paths.append("name")
            }
            if let meetingDay {
                unit.meetingDay = meetingDay
                paths.append("meeting_day")
            }
            if let note {
                unit.note = note
                paths.append("note")
            }
            if paths.isEmpty { throw ValidationError("give at least one field to change") }
            try await global.session { session in
                let found = try await session.unit(id, option: "UNIT")
                unit.id = found.id
                unit.meta = RecordMeta(revision: revision ?? found.meta?.revision ?? 0)
                let response = try await session.unary(
                    .orgUnitsUpdate,
                    UpdateOrgUnitRequest(options: mutation.options, unit: unit, updateMask: FieldMask(paths: paths)),
                    as: OrgUnitResponse.self
                )
                try await session.show(unit: response.unit ?? OrgUnit())
                mutation.noteDryRun(session)
            }
        }
    }

    /// `chibo units move`.
    public struct Move: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "Move an org unit under a new parent from a date."
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var mutation: MutationFlags
        @Argument(help: "The unit: its code, name or id.") var id: String
        @Option(help: "The new parent, by code or name.") var to: String
        @Option(help: "Date the move takes effect (YYYY-MM-DD).") var on: String
        @Option(help: "Revision you read (default: the current one).") var revision: Int64?

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            let date = try Values.date(on, option: "--on")
            try await global.session { session in
                let found = try await session.unit(id, option: "UNIT")
                let current = revision ?? found.meta?.revision ?? 0
                let response = try await session.unary(
                    .orgUnitsMove,
                    MoveOrgUnitRequest(
                        options: mutation.options,
                        id: found.id,
                        revision: current,
                        newParentId: try await session.unitID(to, option: "--to"),
                        effectiveOn: date
                    ),
                    as: OrgUnitResponse.self
                )
                try await session.show(unit: response.unit ?? OrgUnit())
                mutation.noteDryRun(session)
            }
        }
    }

    /// `chibo units merge`.
    public struct Merge: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "Merge units into a new successor (--name, --code, --kind) or into an existing one (--into)."
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var mutation: MutationFlags
        @Option(help: "The units merged, comma-separated codes (or names).") var sources: String
        @Option(help: "An existing unit that absorbs the others, by code or name.") var into: String?
        @Option(help: "Name of the new successor.") var name: String?
        @Option(help: "Code of the new successor.") var code: String?
        @Option(help: "Kind of the new successor (default: cell).") var kind: String?
        @Option(help: "Parent of the new successor.") var parent: String?
        @Option(help: "Date the merge takes effect (YYYY-MM-DD).") var on: String

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            var successor = OrgUnit()
            if let into {
                successor.id = into
            } else {
                guard let name else { throw ValidationError("give --into or the new unit's --name") }
                successor = OrgUnit(
                    code: code ?? "",
                    name: name,
                    kind: OrgUnitKind(
                        rawValue: try Values.enumNumber(kind ?? "cell", enumName: "OrgUnitKind", option: "--kind")
                    ),
                    parentId: parent ?? ""
                )
            }
            let request = MergeOrgUnitsRequest(
                options: mutation.options,
                sourceIds: Values.list(sources),
                successor: successor,
                effectiveOn: try Values.date(on, option: "--on")
            )
            try await global.session { session in
                var request = request
                var sourceIDs: [String] = []
                for source in request.sourceIds {
                    sourceIDs.append(try await session.unitID(source, option: "--sources"))
                }
                request.sourceIds = sourceIDs
                if let into { request.successor?.id = try await session.unitID(into, option: "--into") }
                if into == nil, let parent {
                    request.successor?.parentId = try await session.unitID(parent, option: "--parent")
                }
                let response = try await session.unary(.orgUnitsMerge, request, as: OrgUnitsResponse.self)
                try await session.show(units: response.units)
                mutation.noteDryRun(session)
            }
        }
    }

    /// `chibo units split`.
    public struct Split: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract:
                "Split a unit: the request (successors and member moves) comes from a JSON file of SplitOrgUnitRequest."
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var mutation: MutationFlags
        @Option(name: .shortAndLong, help: "JSON file of a SplitOrgUnitRequest; - for standard input.") var file: String

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            guard let tree = try Input.records(path: file, messageName: "chibo.v1.SplitOrgUnitRequest").first else {
                throw ValidationError("\(file) holds no request")
            }
            var request = try Input.message(SplitOrgUnitRequest.self, from: tree, source: file)
            request.options = mutation.options
            try await global.session { session in
                let response = try await session.unary(.orgUnitsSplit, request, as: OrgUnitsResponse.self)
                try await session.show(units: response.units)
                mutation.noteDryRun(session)
            }
        }
    }

    /// `chibo units assign-supervisor`.
    public struct AssignSupervisor: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "Assign a supervising standing-committee member to a cell."
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var mutation: MutationFlags
        @Argument(help: "The cell: its code, name or id.") var id: String
        @Option(help: "The supervising member: party-card number or name.") var member: String?
        @Option(help: "Full name of the supervisor.") var name: String?
        @Option(help: "First day of the assignment (YYYY-MM-DD).") var from: String
        @Option(help: "Note, for example the decision number.") var note: String?

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            var assignment = SupervisorAssignment(
                fullName: name ?? "",
                valid: DateRange(from: try Values.date(from, option: "--from")),
                note: note ?? ""
            )
            try await global.session { session in
                if let member { assignment.memberId = try await session.memberID(member) }
                let unitID = try await session.unitID(id, option: "CELL")
                let response = try await session.unary(
                    .orgUnitsAssignSupervisor,
                    AssignSupervisorRequest(options: mutation.options, unitId: unitID, assignment: assignment),
                    as: OrgUnitResponse.self
                )
                try await session.show(unit: response.unit ?? OrgUnit())
                mutation.noteDryRun(session)
            }
        }
    }

    /// `chibo units end-supervisor`.
    public struct EndSupervisor: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(abstract: "End a supervisor assignment.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var mutation: MutationFlags
        @Argument(help: "The cell: its code, name or id.") var id: String
        @Option(help: "ID of the assignment.") var assignment: String
        @Option(help: "First day the supervisor no longer follows the cell (YYYY-MM-DD).") var on: String

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            var request = EndSupervisorRequest(
                options: mutation.options,
                assignmentId: assignment,
                endedOn: try Values.date(on, option: "--on")
            )
            try await global.session { session in
                request.unitId = try await session.unitID(id, option: "CELL")
                let response = try await session.unary(.orgUnitsEndSupervisor, request, as: OrgUnitResponse.self)
                try await session.show(unit: response.unit ?? OrgUnit())
                mutation.noteDryRun(session)
            }
        }
    }

    /// `chibo units void`.
    public struct Void: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "Void an org unit: it stays readable and leaves the reports."
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var mutation: MutationFlags
        @Argument(help: "The unit: its code, name or id.") var id: String
        @Option(help: "Why it is voided.") var reason: String
        @Option(help: "Revision you read (default: the current one).") var revision: Int64?

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            try await global.session { session in
                let found = try await session.unit(id, option: "UNIT")
                let current = revision ?? found.meta?.revision ?? 0
                let response = try await session.unary(
                    .orgUnitsVoidRecord,
                    VoidRequest(options: mutation.options, id: found.id, revision: current, reason: reason),
                    as: OrgUnitResponse.self
                )
                try await session.show(unit: response.unit ?? OrgUnit())
                mutation.noteDryRun(session)
            }
        }
    }
}
