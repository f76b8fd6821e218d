import ChiboClient
import ChiboModel

/// Completes a dataset imported from its files (see `SampleFileWriter` in ChiboSampleFiles):
/// sends what an import file does not carry — members' positions, the supervising
/// standing-committee members' assignments and the communes' rule sets — finding the server's
/// ids by unit code and party card number. Each request carries a request ID derived from the
/// dataset, so running it twice changes nothing the second time.
public struct SampleImportCompletion: Sendable {
    /// The client calls go through.
    public let client: ChiboClient

    /// A completion over a client.
    public init(client: ChiboClient) {
        self.client = client
    }

    /// What was sent.
    public struct Counts: Hashable, Sendable {
        /// Members whose positions were set.
        public var positions = 0
        /// Supervisor assignments.
        public var supervisors = 0
        /// Rule sets.
        public var ruleSets = 0
    }

    /// Sends the positions, assignments and rule sets of `dataset`.
    public func run(_ dataset: SampleDataset) async throws -> Counts {
        var codes: [String: String] = [:]
        var cards: [String: String] = [:]
        var unitIDs: [String: String] = [:]
        var counts = Counts()
        let call = CallOptions(timeout: .seconds(60), idempotent: true)
        func serverUnit(_ sampleID: String) async throws -> String {
            let code = codes[sampleID] ?? sampleID
            if let known = unitIDs[code] { return known }
            let unit = try await client.unary(
                .orgUnitsGet,
                GetOrgUnitRequest(code: code),
                as: OrgUnitResponse.self,
                options: call
            ).unit
            guard let id = unit?.id else { throw SampleCompletionError("no unit has the code \(code)") }
            unitIDs[code] = id
            return id
        }
        func serverMember(_ sampleID: String) async throws -> Member {
            guard let card = cards[sampleID] else { throw SampleCompletionError("unknown member \(sampleID)") }
            guard
                let member = try await client.unary(
                    .membersGet,
                    GetMemberRequest(partyCardNumber: card),
                    as: MemberResponse.self,
                    options: call
                ).member
            else { throw SampleCompletionError("no member has the party card \(card)") }
            return member
        }
        func requestID(_ record: SampleRecord) -> String { "sample-completion:" + dataset.requestID(for: record) }
        for record in dataset {
            // Meetings and evaluations come last and are in the files: stop before generating them.
            if record.stage >= .meetings { break }
            switch record {
            case .orgUnit(let unit):
                codes[unit.id] = unit.code
            case .member(let member):
                cards[member.id] = member.partyCardNumber
                guard !member.positions.isEmpty else { continue }
                var stored = try await serverMember(member.id)
                var positions = member.positions
                for index in positions.indices {
                    positions[index].unitId = try await serverUnit(positions[index].unitId)
                }
                guard stored.positions != positions else { continue }
                stored.positions = positions
                _ = try await client.unary(
                    .membersUpdate,
                    UpdateMemberRequest(
                        options: MutationOptions(requestId: requestID(record)),
                        member: stored,
                        updateMask: FieldMask(paths: ["positions"])
                    ),
                    as: MemberResponse.self,
                    options: call
                )
                counts.positions += 1
            case .supervisor(let unitID, let assignment):
                var mapped = assignment
                mapped.id = ""
                mapped.memberId = try await serverMember(assignment.memberId).id
                _ = try await client.unary(
                    .orgUnitsAssignSupervisor,
                    AssignSupervisorRequest(
                        options: MutationOptions(requestId: requestID(record)),
                        unitId: try await serverUnit(unitID),
                        assignment: mapped
                    ),
                    as: OrgUnitResponse.self,
                    options: call
                )
                counts.supervisors += 1
            case .ruleSet(let rules):
                var mapped = rules
                mapped.id = ""
                mapped.scopeUnitId = try await serverUnit(rules.scopeUnitId)
                _ = try await client.unary(
                    .rulesCreate,
                    CreateRuleSetRequest(options: MutationOptions(requestId: requestID(record)), ruleSet: mapped),
                    as: RuleSetResponse.self,
                    options: call
                )
                counts.ruleSets += 1
            case .meeting, .evaluation:
                continue
            }
        }
        return counts
    }
}

/// Why a completion stopped: a unit or member the import should have created is missing.
public struct SampleCompletionError: Error, CustomStringConvertible, Sendable {
    /// What is missing.
    public var description: String

    init(_ description: String) { self.description = description }
}
