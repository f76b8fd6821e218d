import ChiboClient
import ChiboModel

/// Where a load stands, reported every few seconds while it runs, when a stage ends (`stage`
/// is then the stage just finished) and once at the end.
public struct SampleLoadProgress: Sendable {
    /// The stage being loaded.
    public var stage: SampleStage
    /// Records created (or found already created by an earlier run), by kind.
    public var loaded: SampleCounts
    /// Records not sent because the server does not implement their method, by entity.
    public var skipped: [String: Int]
    /// Time since the load began.
    public var elapsed: Duration
    /// Time spent in each stage so far.
    public var stageTimes: [SampleStage: Duration]
    /// Whether this is the final report.
    public var finished: Bool
}

/// Why a load stopped.
public struct SampleLoadError: Error, CustomStringConvertible, Sendable {
    /// The record the server refused.
    public var record: String
    /// What the server said.
    public var error: ClientError

    /// One line naming the record and the error.
    public var description: String { "\(record): \(error)" }
}

/// Loads a dataset into a running server through its public API: each record with the request
/// that creates it (OrgUnits.Create, Members.Create, OrgUnits.AssignSupervisor, Rules.Create,
/// Meetings.Record, Evaluations.Create), each with the dataset's request ID, so that running the
/// load again after an interruption creates nothing twice. At most `concurrency` calls are in
/// flight; a stage starts when the previous one has finished. A method the server does not
/// implement is reported and its records skipped; any other refusal stops the load.
public struct SampleLoader: Sendable {
    /// The client calls go through.
    public let client: ChiboClient
    /// Most calls in flight at once.
    public var concurrency: Int
    /// How often progress is reported.
    public var progressInterval: Duration

    /// A loader over a client.
    public init(client: ChiboClient, concurrency: Int = 8, progressInterval: Duration = .seconds(5)) {
        self.client = client
        self.concurrency = max(1, concurrency)
        self.progressInterval = progressInterval
    }

    private enum Outcome: Sendable {
        case loaded(SampleRecord)
        case unimplemented(SampleRecord)
    }

    /// Loads every record of `dataset`, reporting progress to `progress`; returns the final
    /// report (also passed to `progress`).
    @discardableResult
    public func load(
        _ dataset: SampleDataset,
        progress: @Sendable (SampleLoadProgress) -> Void = { _ in }
    ) async throws -> SampleLoadProgress {
        let clock = ContinuousClock()
        let start = clock.now
        var state = SampleLoadProgress(
            stage: .provinces,
            loaded: SampleCounts(),
            skipped: [:],
            elapsed: .zero,
            stageTimes: [:],
            finished: false
        )
        var stageStart = start
        var lastReport = start
        let client = self.client
        let limit = concurrency
        try await withThrowingTaskGroup(of: Outcome.self) { group in
            var inFlight = 0
            func account(_ outcome: Outcome) {
                switch outcome {
                case .loaded(let record): state.loaded.add(record)
                case .unimplemented(let record): state.skipped[record.entity, default: 0] += 1
                }
            }
            for record in dataset {
                if record.stage != state.stage {
                    while inFlight > 0, let outcome = try await group.next() {
                        account(outcome)
                        inFlight -= 1
                    }
                    let now = clock.now
                    if state.loaded.records > 0 || !state.skipped.isEmpty {
                        state.stageTimes[state.stage, default: .zero] += now - stageStart
                        state.elapsed = now - start
                        progress(state)
                    }
                    stageStart = now
                    lastReport = now
                    state.stage = record.stage
                }
                // Once a method is known to be missing, its other records are not sent.
                if state.skipped[record.entity] != nil {
                    state.skipped[record.entity, default: 0] += 1
                    continue
                }
                if inFlight >= limit, let outcome = try await group.next() {
                    account(outcome)
                    inFlight -= 1
                }
                let requestID = dataset.requestID(for: record)
                group.addTask { try await Self.send(record, requestID: requestID, client: client) }
                inFlight += 1
                let now = clock.now
                if now - lastReport >= progressInterval {
                    state.elapsed = now - start
                    progress(state)
                    lastReport = now
                }
            }
            while inFlight > 0, let outcome = try await group.next() {
                account(outcome)
                inFlight -= 1
            }
        }
        let now = clock.now
        state.stageTimes[state.stage, default: .zero] += now - stageStart
        state.elapsed = now - start
        state.finished = true
        progress(state)
        return state
    }

    /// Whether `dataset` is already loaded: its last records (as many as a load can have had
    /// in flight) all exist on the server. Loading finishes each stage before the next, so
    /// everything before them exists too.
    public func isLoaded(_ dataset: SampleDataset) async throws -> Bool {
        for record in dataset.lastRecords(100) {
            do {
                switch record {
                case .evaluation(let evaluation):
                    _ = try await client.unary(
                        .evaluationsGet,
                        GetEvaluationRequest(id: evaluation.id),
                        as: EvaluationResponse.self
                    )
                default:
                    return false
                }
            } catch let error as ClientError where error.code == .notFound {
                return false
            }
        }
        return true
    }

    private static func send(_ record: SampleRecord, requestID: String, client: ChiboClient) async throws -> Outcome {
        let options = MutationOptions(requestId: requestID)
        // Every request carries its request ID, so a retry after a lost connection is safe.
        let call = CallOptions(timeout: .seconds(120), idempotent: true)
        do {
            switch record {
            case .orgUnit(let unit):
                _ = try await client.unary(
                    .orgUnitsCreate,
                    CreateOrgUnitRequest(options: options, unit: unit),
                    as: OrgUnitResponse.self,
                    options: call
                )
            case .member(let member):
                _ = try await client.unary(
                    .membersCreate,
                    CreateMemberRequest(options: options, member: member),
                    as: MemberResponse.self,
                    options: call
                )
            case .supervisor(let unitID, let assignment):
                _ = try await client.unary(
                    .orgUnitsAssignSupervisor,
                    AssignSupervisorRequest(options: options, unitId: unitID, assignment: assignment),
                    as: OrgUnitResponse.self,
                    options: call
                )
            case .ruleSet(let rules):
                _ = try await client.unary(
                    .rulesCreate,
                    CreateRuleSetRequest(options: options, ruleSet: rules),
                    as: RuleSetResponse.self,
                    options: call
                )
            case .meeting(let meeting):
                _ = try await client.unary(
                    .meetingsRecord,
                    RecordMeetingRequest(options: options, meeting: meeting),
                    as: MeetingResponse.self,
                    options: call
                )
            case .evaluation(let evaluation):
                _ = try await client.unary(
                    .evaluationsCreate,
                    CreateEvaluationRequest(options: options, evaluation: evaluation),
                    as: EvaluationResponse.self,
                    options: call
                )
            }
        } catch let error as ClientError where error.code == .unimplemented {
            return .unimplemented(record)
        } catch let error as ClientError {
            throw SampleLoadError(record: "\(record.entity) \(record.id)", error: error)
        }
        return .loaded(record)
    }
}
