import ArgumentParser
import ChiboModel

/// `chibo rules`: effective-dated rule sets.
public struct Rules: AsyncParsableCommand {
    /// The verbs.
    public static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Rule sets: the thresholds reports judge by, each from a date, for a subtree.",
        subcommands: [List.self, Get.self, Resolve.self, Create.self, Void.self]
    )

    /// Creates the command.
    public init() {}

    /// `chibo rules list`.
    public struct List: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(abstract: "List rule sets by scope, then date.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var listing: ListFlags
        @Option(help: "Only sets of this scope.") var scope: String?
        @ArgumentParser.Flag(help: "Only national sets.") var national = false

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            var request = ListRuleSetsRequest(nationalOnly: national, includeVoided: listing.includeVoided)
            try await global.session { session in
                request.scopeUnitId = try await session.unitID(scope, option: "--scope") ?? ""
                let sets = try await session.list(
                    .rulesList,
                    request,
                    as: RuleSet.self,
                    limit: listing.limit,
                    pageSize: listing.pageSize
                )
                session.printer.list(sets, columns: Columns.ruleSet)
            }
        }
    }

    /// `chibo rules get`.
    public struct Get: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(abstract: "Show one rule set.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "ID of the rule set.") var id: String

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            try await global.session { session in
                let response = try await session.unary(
                    .rulesGet,
                    GetRuleSetRequest(id: id),
                    as: RuleSetResponse.self,
                    idempotent: true
                )
                session.printer.single(response.ruleSet ?? RuleSet(), columns: Columns.ruleSet)
            }
        }
    }

    /// `chibo rules resolve`.
    public struct Resolve: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "The thresholds in force for a unit on a date, and the sets they come from."
        )
        @OptionGroup var global: GlobalOptions
        @Option(help: "The unit, by code or name.") var unit: String
        @Option(help: "The date (YYYY-MM-DD; default today).") var on: String?

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            var request = ResolveRulesRequest()
            if let on { request.on = try Values.date(on, option: "--on") }
            try await global.session { session in
                request.unitId = try await session.unitID(unit)
                let response = try await session.unary(
                    .rulesResolve,
                    request,
                    as: ResolveRulesResponse.self,
                    idempotent: true
                )
                switch session.printer.format {
                case .json, .yaml: session.printer.single(response, columns: [])
                case .table, .wide, .csv:
                    session.printer.list([response.effective ?? RuleSet()] + response.applied, columns: Columns.ruleSet)
                }
            }
        }
    }

    /// `chibo rules create`.
    public struct Create: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "Create a rule set from flags or from a JSON, JSON Lines or CSV file of RuleSet records."
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var mutation: MutationFlags
        @Option(help: "The unit whose subtree the rules apply to, by code or name; left out for a national set.")
        var scope: String?
        @Option(help: "First day the rules apply (YYYY-MM-DD).") var from: String?
        @Option(help: "Where the rules come from, for example \"HD 12-HD/BTCTW\".") var source: String?
        @Option(help: "A meeting is good above this attendance, in percent (85).") var goodAttendance: Double?
        @Option(help: "Months between required thematic meetings (3).") var thematicEveryMonths: Int32?
        @Option(help: "Months between required regular meetings (1).") var regularEveryMonths: Int32?
        @Option(help: "Minimum meeting length in minutes (90).") var minMeetingMinutes: Int32?
        @Option(help: "Minimum combined meeting length in minutes (120).") var minCombinedMeetingMinutes: Int32?
        @Option(help: "Cap on excellent members, in percent (20).") var excellentCap: Double?
        @Option(name: .shortAndLong, help: "File of RuleSet records (.json, .jsonl or .csv).") var file: String?

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            var sets: [RuleSet] = []
            if let file {
                for tree in try Input.records(path: file, messageName: "chibo.v1.RuleSet") {
                    sets.append(try Input.message(RuleSet.self, from: tree, source: file))
                }
            } else {
                guard let from else { throw ValidationError("give --from, or --file") }
                var set = RuleSet(
                    effectiveFrom: try Values.date(from, option: "--from"),
                    source: source ?? "",
                    thematicEveryMonths: thematicEveryMonths ?? 0,
                    regularEveryMonths: regularEveryMonths ?? 0,
                    minMeetingMinutes: minMeetingMinutes ?? 0,
                    minCombinedMeetingMinutes: minCombinedMeetingMinutes ?? 0
                )
                if let goodAttendance { set.goodAttendanceBp = Int32((goodAttendance * 100).rounded()) }
                if let excellentCap { set.excellentMemberCapBp = Int32((excellentCap * 100).rounded()) }
                sets.append(set)
            }
            try await global.session { session in
                if file == nil, let scope { sets[0].scopeUnitId = try await session.unitID(scope, option: "--scope") }
                var created: [RuleSet] = []
                for (index, set) in sets.enumerated() {
                    var options = mutation.options
                    if sets.count > 1, let id = mutation.requestId { options.requestId = "\(id)-\(index + 1)" }
                    let response = try await session.unary(
                        .rulesCreate,
                        CreateRuleSetRequest(options: options, ruleSet: set),
                        as: RuleSetResponse.self
                    )
                    created.append(response.ruleSet ?? RuleSet())
                }
                if created.count == 1 && file == nil {
                    session.printer.single(created[0], columns: Columns.ruleSet)
                } else {
                    session.printer.list(created, columns: Columns.ruleSet)
                }
                mutation.noteDryRun(session)
            }
        }
    }

    /// `chibo rules void`.
    public struct Void: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(abstract: "Void a rule set.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var mutation: MutationFlags
        @Argument(help: "ID of the rule set.") var id: String
        @Option(help: "Why it is voided.") var reason: String
        @Option(help: "Revision you read (default: the current one).") var revision: Int64?

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            try await global.session { session in
                var current = revision ?? 0
                if revision == nil {
                    current =
                        try await session.unary(
                            .rulesGet,
                            GetRuleSetRequest(id: id),
                            as: RuleSetResponse.self,
                            idempotent: true
                        ).ruleSet?.meta?.revision ?? 0
                }
                let response = try await session.unary(
                    .rulesVoidRecord,
                    VoidRequest(options: mutation.options, id: id, revision: current, reason: reason),
                    as: RuleSetResponse.self
                )
                session.printer.single(response.ruleSet ?? RuleSet(), columns: Columns.ruleSet)
                mutation.noteDryRun(session)
            }
        }
    }
}

/// `chibo evaluations`: yearly grading of cells and members.
public struct Evaluations: AsyncParsableCommand {
    /// The verbs.
    public static let configuration = CommandConfiguration(
        commandName: "evaluations",
        abstract: "Yearly evaluations of cells and members: grade or 100-point score, clean and strong.",
        subcommands: [List.self, Get.self, Create.self, Update.self, Void.self]
    )

    /// Creates the command.
    public init() {}

    /// `chibo evaluations list`.
    public struct List: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(abstract: "List evaluations by year, then subject.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var listing: ListFlags
        @Option(help: "Only this year.") var year: Int32?
        @Option(help: "Only units in this subtree and members of its cells.") var subtree: String?
        @Option(help: "Only this kind of subject: org-unit or member.") var subject: String?
        @Option(help: "Only evaluations of this member or unit.") var of: String?

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            var request = ListEvaluationsRequest(year: year ?? 0, includeVoided: listing.includeVoided)
            if let subject {
                request.subject = EvaluationSubject(
                    rawValue: try Values.enumNumber(subject, enumName: "EvaluationSubject", option: "--subject")
                )
            }
            try await global.session { session in
                request.subtreeOf = try await session.unitID(subtree, option: "--subtree") ?? ""
                if let of {
                    request.subjectId =
                        request.subject == .member
                        ? try await session.memberID(of, option: "--of") : try await session.unitID(of, option: "--of")
                }
                let evaluations = try await session.list(
                    .evaluationsList,
                    request,
                    as: Evaluation.self,
                    limit: listing.limit,
                    pageSize: listing.pageSize
                )
                try await session.show(evaluations: evaluations)
            }
        }
    }

    /// `chibo evaluations get`.
    public struct Get: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "Show one evaluation: --member CARD --year Y, or --unit CODE --year Y."
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var reference: EvaluationReference

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            try await global.session { session in
                try await session.show(evaluations: [try await reference.read(session)], single: true)
            }
        }
    }

    /// Grade or score flags shared by create and update.
    struct Result: ParsableArguments {
        @Option(help: "Grade: excellent, good, completed, not-completed.") var grade: String?
        @Option(help: "Score on the 100-point scale, instead of a grade.") var score: Double?

        func value() throws -> Evaluation.Result? {
            if grade != nil && score != nil { throw ValidationError("give --grade or --score, not both") }
            if let grade {
                return .grade(Grade(rawValue: try Values.enumNumber(grade, enumName: "Grade", option: "--grade")))
            }
            return score.map { .score($0) }
        }
    }

    /// `chibo evaluations create`.
    public struct Create: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "Record evaluations from flags or from a JSON, JSON Lines or CSV file of Evaluation records."
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var mutation: MutationFlags
        @Option(help: "The member evaluated: party-card number or name.") var member: String?
        @Option(help: "The cell or unit evaluated, by code or name.") var unit: String?
        @Option(help: "The year evaluated.") var year: Int32?
        @OptionGroup var result: Result
        @ArgumentParser.Flag(help: "The cell was recognised as clean and strong.") var cleanAndStrong = false
        @Option(help: "Number of the approving decision.") var decision: String?
        @Option(help: "Note.") var note: String?
        @Option(name: .shortAndLong, help: "File of Evaluation records (.json, .jsonl or .csv).") var file: String?

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            var evaluations: [Evaluation] = []
            if let file {
                for tree in try Input.records(path: file, messageName: "chibo.v1.Evaluation") {
                    evaluations.append(try Input.message(Evaluation.self, from: tree, source: file))
                }
            } else {
                guard (member == nil) != (unit == nil), let year else {
                    throw ValidationError("give --member or --unit, and --year; or --file")
                }
                evaluations.append(
                    Evaluation(
                        subject: member != nil ? .member : .orgUnit,
                        subjectId: member ?? unit ?? "",
                        year: year,
                        cleanAndStrong: cleanAndStrong,
                        decisionRef: decision ?? "",
                        note: note ?? "",
                        result: try result.value()
                    )
                )
            }
            try await global.session { session in
                if file == nil, let member {
                    evaluations[0].subjectId = try await session.memberID(member)
                } else if file == nil, let unit {
                    evaluations[0].subjectId = try await session.unitID(unit)
                }
                var created: [Evaluation] = []
                for (index, evaluation) in evaluations.enumerated() {
                    var options = mutation.options
                    if evaluations.count > 1, let id = mutation.requestId { options.requestId = "\(id)-\(index + 1)" }
                    let response = try await session.unary(
                        .evaluationsCreate,
                        CreateEvaluationRequest(options: options, evaluation: evaluation),
                        as: EvaluationResponse.self
                    )
                    created.append(response.evaluation ?? Evaluation())
                }
                if created.count == 1 && file == nil {
                    try await session.show(evaluations: [created[0]], single: true)
                } else {
                    try await session.show(evaluations: created)
                }
                mutation.noteDryRun(session)
            }
        }
    }

    /// `chibo evaluations update`.
    public struct Update: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(abstract: "Change an evaluation's grade, score or note.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var mutation: MutationFlags
        @OptionGroup var reference: EvaluationReference
        @Option(help: "Revision you read (default: the current one).") var revision: Int64?
        @OptionGroup var result: Result
        @Option(help: "Clean and strong: true or false.") var cleanAndStrong: Bool?
        @Option(help: "Number of the approving decision.") var decision: String?
        @Option(help: "Note.") var note: String?

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            var evaluation = Evaluation()
            var paths: [String] = []
            if let value = try result.value() {
                evaluation.result = value
                if case .grade = value { paths.append("grade") } else { paths.append("score") }
            }
            if let cleanAndStrong {
                evaluation.cleanAndStrong = cleanAndStrong
                paths.append("clean_and_strong")
            }
            if let decision {
                evaluation.decisionRef = decision
                paths.append("decision_ref")
            }
            if let note {
                evaluation.note = note
                paths.append("note")
            }
            if paths.isEmpty { throw ValidationError("give at least one field to change") }
            try await global.session { session in
                let current = try await reference.read(session)
                evaluation.id = current.id
                evaluation.meta = RecordMeta(revision: revision ?? current.meta?.revision ?? 0)
                let response = try await session.unary(
                    .evaluationsUpdate,
                    UpdateEvaluationRequest(
                        options: mutation.options,
                        evaluation: evaluation,
                        updateMask: FieldMask(paths: paths)
                    ),
                    as: EvaluationResponse.self
                )
                try await session.show(evaluations: [response.evaluation ?? Evaluation()], single: true)
                mutation.noteDryRun(session)
            }
        }
    }

    /// `chibo evaluations void`.
    public struct Void: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(abstract: "Void an evaluation.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var mutation: MutationFlags
        @OptionGroup var reference: EvaluationReference
        @Option(help: "Why it is voided.") var reason: String
        @Option(help: "Revision you read (default: the current one).") var revision: Int64?

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            try await global.session { session in
                let found = try await reference.read(session)
                let current = revision ?? found.meta?.revision ?? 0
                let response = try await session.unary(
                    .evaluationsVoidRecord,
                    VoidRequest(options: mutation.options, id: found.id, revision: current, reason: reason),
                    as: EvaluationResponse.self
                )
                try await session.show(evaluations: [response.evaluation ?? Evaluation()], single: true)
                mutation.noteDryRun(session)
            }
        }
    }
}
