import ChiboModel
import Crypto

/// Who makes a change, when, and under which request id.
public struct MutationContext: Sendable {
    /// The client's idempotency key; a repeated key returns the first outcome and writes nothing.
    public var requestID: String
    /// Validate fully and write nothing.
    public var validateOnly: Bool
    /// The token name recorded as the author of the change.
    public var actor: String
    /// The time of the change, Unix milliseconds.
    public var nowMs: Int64
    /// The token's role, for the audit log.
    public var role: String
    /// The caller's address, for the audit log.
    public var peer: String
    /// The method called, for the audit log, for example "Members.Update".
    public var method: String
    /// The records the change may touch, checked on its effects.
    public var writeScope: WriteScope
    /// The date the change takes effect when it is not today (a move, merge or split); the
    /// records it touches must lie in the scope on that date and today.
    public var effectiveOn: CalendarDate?
    /// Hex SHA-256 of the request (`requestDigest(of:)`), stored with the request id: the id
    /// reused with another request is refused. Empty when there is no request to bind.
    public var requestDigest: String

    /// Creates a context.
    public init(
        requestID: String = "",
        validateOnly: Bool = false,
        actor: String = "",
        nowMs: Int64,
        role: String = "",
        peer: String = "",
        method: String = "",
        writeScope: WriteScope = .unrestricted,
        effectiveOn: CalendarDate? = nil,
        requestDigest: String = ""
    ) {
        self.requestID = requestID
        self.validateOnly = validateOnly
        self.actor = actor
        self.nowMs = nowMs
        self.role = role
        self.peer = peer
        self.method = method
        self.writeScope = writeScope
        self.effectiveOn = effectiveOn
        self.requestDigest = requestDigest
    }

    /// The digest of a request's canonical bytes (its serialized message without its options):
    /// lowercase hex SHA-256.
    public static func requestDigest(of bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}

/// One page of a list, with the token of the next page (empty at the end).
public struct Page<Record: Sendable>: Sendable {
    /// The records of the page, in list order.
    public var records: [Record]
    /// Opaque token for the next page; empty when the list is complete.
    public var nextPageToken: String

    /// Creates a page.
    public init(records: [Record], nextPageToken: String) {
        self.records = records
        self.nextPageToken = nextPageToken
    }
}

/// Which org units a list returns.
public struct OrgUnitQuery: Hashable, Sendable {
    /// Only direct children of this unit (as of `asOf`).
    public var parentID: String?
    /// Only this unit and its descendants (as of `asOf`).
    public var subtreeOf: String?
    /// Only units of this kind.
    public var kind: OrgUnitKind?
    /// The date the tree is read at; nil for today's tree (units still valid).
    public var asOf: CalendarDate?
    /// Include voided units.
    public var includeVoided: Bool
    /// Page size (at most 1,000).
    public var pageSize: Int
    /// Token from the previous page.
    public var pageToken: String

    /// Creates a query; the default lists every valid unit.
    public init(
        parentID: String? = nil,
        subtreeOf: String? = nil,
        kind: OrgUnitKind? = nil,
        asOf: CalendarDate? = nil,
        includeVoided: Bool = false,
        pageSize: Int = 100,
        pageToken: String = ""
    ) {
        self.parentID = parentID
        self.subtreeOf = subtreeOf
        self.kind = kind
        self.asOf = asOf
        self.includeVoided = includeVoided
        self.pageSize = pageSize
        self.pageToken = pageToken
    }
}

/// Chibo's storage. Every backend (SQLite embedded, PostgreSQL) implements it and passes the
/// conformance suite, so services behave the same whatever the backend. Records are returned
/// as the schema's value types, with `meta` filled in.
public protocol Store: Sendable {
    /// A short name for server info, for example "sqlite".
    var backendName: String { get }
    /// What authenticates the audit log (key and checkpoints); nil when entries are written
    /// without a key.
    var auditSeal: AuditSeal? { get }
    /// The schema version of the store.
    var schemaVersion: Int { get async throws }

    /// Creates a unit; its id is assigned when empty. Returns the stored unit.
    func createOrgUnit(_ unit: OrgUnit, context: MutationContext) async throws -> OrgUnit
    /// Replaces the fields named by `mask` (proto field names) of the stored unit with those of
    /// `unit`, provided `unit.meta.revision` is the stored revision.
    func updateOrgUnit(_ unit: OrgUnit, mask: [String], context: MutationContext) async throws -> OrgUnit
    /// Moves a unit under a new parent from `effectiveOn`: the current parent period ends that
    /// day and a new one starts, so the tree of any earlier date is unchanged.
    func moveOrgUnit(
        id: String,
        revision: Int64,
        newParentID: String,
        effectiveOn: CalendarDate,
        context: MutationContext
    ) async throws -> OrgUnit
    /// Merges units on `effectiveOn`: the sources end, and `successor` (created, or an existing
    /// unit given by id alone) continues them; their child units and their members move to it.
    /// Returns the successor, then the sources.
    func mergeOrgUnits(
        sourceIDs: [String],
        successor: OrgUnit,
        effectiveOn: CalendarDate,
        context: MutationContext
    ) async throws -> [OrgUnit]
    /// Splits a unit on `effectiveOn` into new successors; each member moves as `memberMoves`
    /// says (member id to successor id). Returns the successors, then the source.
    func splitOrgUnit(
        sourceID: String,
        successors: [OrgUnit],
        memberMoves: [String: String],
        effectiveOn: CalendarDate,
        context: MutationContext
    ) async throws -> [OrgUnit]
    /// Adds a supervising standing-committee member to a cell.
    func assignSupervisor(
        unitID: String,
        assignment: SupervisorAssignment,
        context: MutationContext
    ) async throws
        -> OrgUnit
    /// Ends a supervisor assignment on `endedOn` (the first day it no longer holds).
    func endSupervisor(
        unitID: String,
        assignmentID: String,
        endedOn: CalendarDate,
        context: MutationContext
    )
        async throws -> OrgUnit
    /// The unit with this id, voided or not.
    func orgUnit(id: String) async throws -> OrgUnit?
    /// The unit with this code.
    func orgUnit(code: String) async throws -> OrgUnit?
    /// Units matching the query, ordered by name, then id.
    func listOrgUnits(_ query: OrgUnitQuery) async throws -> Page<OrgUnit>

    /// Creates a member with their status history; ids are assigned when empty and the status is
    /// derived from the events. The cell must exist.
    func createMember(_ member: Member, context: MutationContext) async throws -> Member
    /// Replaces the masked fields (see `FieldMasks.memberUpdatable`) at the given revision.
    func updateMember(_ member: Member, mask: [String], context: MutationContext) async throws -> Member
    /// Appends a status event at the given revision; illegal transitions fail.
    func addStatusEvent(
        memberID: String,
        revision: Int64,
        event: StatusEvent,
        context: MutationContext
    ) async throws -> Member
    /// The member with this id, voided or not.
    func member(id: String) async throws -> Member?
    /// The member with this party card number.
    func member(partyCardNumber: String) async throws -> Member?
    /// The members holding these party card numbers, by card number (numbers no member holds
    /// are left out): one read for a batch of rows instead of one per card.
    func members(partyCardNumbers: [String]) async throws -> [String: Member]
    /// Members matching the query, in Vietnamese name order.
    func listMembers(_ query: MemberQuery) async throws -> Page<Member>

    /// Records a meeting. The cell must be valid on the meeting's date; attendance must name
    /// exactly the members expected that day (`ExpectedAttendance`), each once; categories are
    /// set from each member's status that day. With `partialAttendance`, expected members the
    /// logbook left out are recorded as not recorded instead of being refused.
    func recordMeeting(_ meeting: Meeting, partialAttendance: Bool, context: MutationContext) async throws -> Meeting
    /// Amends the masked fields of a meeting at the given revision; the earlier revision stays
    /// readable.
    func amendMeeting(_ meeting: Meeting, mask: [String], context: MutationContext) async throws -> Meeting
    /// The meeting with this id: its current revision, or `revision` when given.
    func meeting(id: String, revision: Int64?) async throws -> Meeting?
    /// Meetings matching the query, by date then id.
    func listMeetings(_ query: MeetingQuery) async throws -> Page<Meeting>
    /// Updates the masked fields (see `FieldMasks.resolutionUpdatable`) of a resolution at its
    /// revision; the meeting's record shows the new state.
    func updateResolution(
        _ resolution: Resolution,
        mask: [String],
        context: MutationContext
    ) async throws
        -> Resolution
    /// The resolution with this id.
    func resolution(id: String) async throws -> Resolution?
    /// Resolutions matching the query, by due date (undated last) then id.
    func listResolutions(_ query: ResolutionQuery) async throws -> Page<Resolution>

    /// Voids a unit at the given revision: it stays readable and leaves lists and reports.
    func voidOrgUnit(id: String, revision: Int64, reason: String, context: MutationContext) async throws -> OrgUnit
    /// Voids a member at the given revision.
    func voidMember(id: String, revision: Int64, reason: String, context: MutationContext) async throws -> Member
    /// Voids a meeting at the given revision.
    func voidMeeting(id: String, revision: Int64, reason: String, context: MutationContext) async throws -> Meeting

    /// Creates a rule set; its id is assigned when empty.
    func createRuleSet(_ ruleSet: RuleSet, context: MutationContext) async throws -> RuleSet
    /// The rule set with this id, voided or not.
    func ruleSet(id: String) async throws -> RuleSet?
    /// Rule sets matching the query, by scope (national first) then effective date, then id.
    func listRuleSets(_ query: RuleSetQuery) async throws -> Page<RuleSet>
    /// Voids a rule set at the given revision: it no longer applies.
    func voidRuleSet(id: String, revision: Int64, reason: String, context: MutationContext) async throws -> RuleSet

    /// Creates an evaluation; one per subject and year among those not voided.
    func createEvaluation(_ evaluation: Evaluation, context: MutationContext) async throws -> Evaluation
    /// Replaces the masked fields (see `FieldMasks.evaluationUpdatable`) at the given revision.
    func updateEvaluation(
        _ evaluation: Evaluation,
        mask: [String],
        context: MutationContext
    ) async throws
        -> Evaluation
    /// The evaluation with this id, voided or not.
    func evaluation(id: String) async throws -> Evaluation?
    /// Evaluations matching the query, by year, subject kind, subject id, then id.
    func listEvaluations(_ query: EvaluationQuery) async throws -> Page<Evaluation>
    /// Voids an evaluation at the given revision.
    func voidEvaluation(
        id: String,
        revision: Int64,
        reason: String,
        context: MutationContext
    ) async throws
        -> Evaluation

    /// Every unit that was ever in the subtree of `rootID` (the root included), not voided, with
    /// its parent history: reports place each meeting by the tree of its date.
    func unitsEverUnder(rootID: String) async throws -> [OrgUnit]
    /// The units a report on `rootID` places its records by, read together: `under`, as
    /// `unitsEverUnder`; `above`, every unit reached from the root by its parents over time
    /// (parent history and current parent) and theirs, voided or not, without passing through a
    /// unit of `under`.
    func unitsEverUnderAndAbove(rootID: String) async throws -> (under: [OrgUnit], above: [OrgUnit])
    /// Per-meeting counts of the meetings (not voided) of every unit ever under `rootID`, held
    /// from `from` up to and including `through`, by date then id. Kept per meeting when
    /// recorded, so reports never rescan attendance rows.
    func meetingSummaries(
        everUnder rootID: String,
        from: CalendarDate,
        through: CalendarDate
    ) async throws
        -> [MeetingSummary]
    /// Per-meeting counts of the meetings (not voided) of the cells `cellIDs`, held from `from`
    /// up to and including `through`, by date then id.
    func meetingSummaries(
        cellIDs: [String],
        from: CalendarDate,
        through: CalendarDate
    ) async throws
        -> [MeetingSummary]
    /// The meetings (not voided) of the cells `cellIDs` held from `from` through `through`,
    /// summed by cell and period of `period`, each judged good at `goodAttendanceBp`: equal to
    /// `AttendanceTotals.summing` of their summaries, by cell then period.
    func attendanceTotals(
        cellIDs: [String],
        from: CalendarDate,
        through: CalendarDate,
        period: PeriodKind,
        goodAttendanceBp: Int32
    ) async throws
        -> [AttendanceTotals]
    /// The attendance records, in that range, of the members who could be flagged for absences:
    /// those with at least `minExcused` absences with reason, or absences without reason in at
    /// least `minUnexcusedMonths` months, among the counted records of units ever under `rootID`
    /// (every record of theirs in the range, wherever they met), by member, date, then meeting
    /// id. Members always present are not read at all.
    func absenceFacts(
        everUnder rootID: String,
        from: CalendarDate,
        through: CalendarDate,
        minExcused: Int,
        minUnexcusedMonths: Int
    ) async throws
        -> [AttendanceFact]
    /// Every member (not voided) who ever belonged to a unit ever under `rootID`.
    func membersEverUnder(rootID: String) async throws -> [Member]
    /// The evaluations (not voided) of a year of units ever under `rootID`, and of members whose
    /// cell at evaluation was.
    func evaluations(everUnder rootID: String, year: Int32) async throws -> [Evaluation]
    /// Resolutions still open or in progress, due before `dueBefore`, of meetings (not voided)
    /// of units ever under `rootID`, each with its meeting's cell, by due date then id.
    func openResolutions(everUnder rootID: String, dueBefore: CalendarDate) async throws -> [ResolutionFact]

    /// Stores a new token, audited in the same transaction (never the token or its hash); its id
    /// is assigned when empty. Names are unique.
    func createToken(_ token: TokenRecord) async throws -> TokenRecord
    /// Every token, revoked and expired ones included, by creation.
    func tokens() async throws -> [TokenRecord]
    /// The token with this hash.
    func token(hash: String) async throws -> TokenRecord?
    /// Revokes the token with this id or name from `atMs` on, audited in the same transaction.
    func revokeToken(idOrName: String, atMs: Int64) async throws -> TokenRecord

    /// Appends entries to the audit log, chained after the last one, in one transaction; `seq`,
    /// `prev_hash` and `hash` are assigned. Every mutation is audited by the store itself, in
    /// the mutation's transaction; this is for the rest (denials, reports, failed logins).
    func appendAudit(_ entries: [AuditEntry]) async throws
    /// Audit entries matching the query, in order.
    func auditEntries(_ query: AuditQuery) async throws -> [AuditEntry]
    /// For each entry of layout 2 that covers changes, the hash of those changes as the change
    /// log holds them now (`ChangeDigest`), by entry position; a position the log no longer
    /// holds gives "missing change N" instead of a hash.
    func auditedChangeDigests(_ entries: [AuditEntry]) async throws -> [Int64: String]
    /// How many change-log entries there are from position `first` through `last`.
    func changeCount(from first: Int64, through last: Int64) async throws -> Int64

    /// The kept counts of every cell ever under `rootID` for the months from `from` through
    /// `through` (`CellMonthCounts`), by cell and month; months without a meeting have no row.
    func cellMonthCounts(
        everUnder rootID: String,
        from: CalendarDate,
        through: CalendarDate
    ) async throws
        -> [CellMonthCounts]
    /// The same counts of every cell and month recomputed from the meetings and their
    /// attendance, ignoring the kept ones: what a check compares them with.
    func recountedCellMonths() async throws -> [CellMonthCounts]

    /// The changes after cursor `after`, oldest first, at most `limit`.
    func changes(after: Int64, limit: Int) async throws -> [ChangeEvent]
    /// Signals every committed change, for followers of the change feed.
    var changeSignal: ChangeSignal { get }

    // MARK: Bulk import

    /// Applies one batch of an import in one transaction, with the import's checkpoint, its
    /// rejections and its effects (what undo reverses): a batch number at or below the last
    /// committed one changes nothing. Every reference a row makes (units, members, meetings) is
    /// resolved inside the transaction, so a row may name a record an earlier row of the same
    /// batch created. With `context.validateOnly` (a dry run) everything is checked and rolled
    /// back. An undone import refuses further batches (`failedPrecondition`).
    func importBatch(_ batch: ImportBatchInput, context: MutationContext) async throws -> ImportBatchOutcome
    /// The checkpoint of an import, or nil when no batch of it was committed.
    func importCheckpoint(importID: String) async throws -> ImportCheckpoint?
    /// The first `limit` rows refused in the committed batches of an import, by row number (then
    /// in the order they were refused), and how many were refused in all.
    func importRejections(importID: String, limit: Int) async throws -> (first: [RowRejection], total: Int64)
    /// The rows refused in the committed batches of an import after `after` (nil: from the
    /// first), by row number then in the order they were refused, at most `limit`; `next` is
    /// where the next page starts when more follow. Messages are cut at 2,000 characters.
    func importRejections(
        importID: String,
        after: RejectionPosition?,
        limit: Int
    ) async throws -> (rows: [RowRejection], next: RejectionPosition?)
    /// Undoes an import in one transaction: what it created is voided, what it changed is
    /// restored to its state before the import as a new revision, each change audited; a record
    /// changed since the import is left alone and reported. The checkpoint is marked undone
    /// (no more batches); undoing again changes nothing. With `context.validateOnly` it reports
    /// and rolls back.
    func undoImport(importID: String, context: MutationContext) async throws -> UndoImportResponse
}

extension Store {
    /// Every row refused in the committed batches of an import, by row number (then in the
    /// order they were refused).
    public func importRejections(importID: String) async throws -> [RowRejection] {
        try await importRejections(importID: importID, limit: Int.max).first
    }
}

/// Where a page of an import's refused rows ends: the last row's number and the order in which
/// it was refused among that row's refusals.
public struct RejectionPosition: Hashable, Sendable {
    /// The file's row number.
    public var row: Int64
    /// The refusal's order in the import.
    public var seq: Int64

    /// A position after the refusal `seq` of row `row`.
    public init(row: Int64, seq: Int64) {
        self.row = row
        self.seq = seq
    }

    /// The position as a page token.
    public var pageToken: String { PageToken.make(sortKey: String(row), id: String(seq)) }

    /// The position a page token continues after; nil for a token that is not one.
    public init?(pageToken: String) {
        guard let (row, seq) = PageToken.parse(pageToken), let row = Int64(row), let seq = Int64(seq) else {
            return nil
        }
        self.init(row: row, seq: seq)
    }
}

/// A batch of an import as the store applies it: the wire rows the service checked, and the
/// rows it already refused.
public struct ImportBatchInput: Sendable {
    /// The import's id, chosen by the client.
    public var importID: String
    /// The batch's number, from 1.
    public var batchNumber: Int64
    /// The kind of record every row carries.
    public var entity: ImportEntityKind
    /// What to do with a row matching a stored record.
    public var onConflict: ImportConflictPolicy
    /// The rows the store applies, in file order; references are still as the file wrote them.
    public var rows: [ImportRow]
    /// Rows of the batch already refused before the store (wrong record kind, invalid values):
    /// counted as read and rejected, and kept with the import's rejections.
    public var refused: [RowRejection]
    /// The units the caller may write to (with everything under them); nil for no limit. A row
    /// touching a unit outside is refused as `out_of_scope`.
    public var writableUnits: Set<String>?

    /// Creates a batch.
    public init(
        importID: String,
        batchNumber: Int64,
        entity: ImportEntityKind,
        onConflict: ImportConflictPolicy,
        rows: [ImportRow],
        refused: [RowRejection] = [],
        writableUnits: Set<String>? = nil
    ) {
        self.importID = importID
        self.batchNumber = batchNumber
        self.entity = entity
        self.onConflict = onConflict
        self.rows = rows
        self.refused = refused
        self.writableUnits = writableUnits
    }
}

/// What a batch did.
public struct ImportBatchOutcome: Sendable {
    /// The import's checkpoint after the batch (for a dry run, as it would be).
    public var checkpoint: ImportCheckpoint
    /// The counts of this batch alone.
    public var counts: ImportCounts
    /// Rows the batch refused, including the batch's `refused`.
    public var rejections: [RowRejection]
    /// True when the batch number was already committed and nothing changed.
    public var alreadyCommitted: Bool

    /// Creates an outcome.
    public init(
        checkpoint: ImportCheckpoint,
        counts: ImportCounts,
        rejections: [RowRejection],
        alreadyCommitted: Bool
    ) {
        self.checkpoint = checkpoint
        self.counts = counts
        self.rejections = rejections
        self.alreadyCommitted = alreadyCommitted
    }
}

/// Which meetings a list returns.
public struct MeetingQuery: Hashable, Sendable {
    /// Only meetings of this cell.
    public var cellID: String?
    /// Only meetings of cells in this subtree (today's tree).
    public var subtreeOf: String?
    /// Held on or after this date.
    public var from: CalendarDate?
    /// Held before this date.
    public var to: CalendarDate?
    /// Only meetings of this kind.
    public var kind: MeetingKind?
    /// Include voided meetings.
    public var includeVoided: Bool
    /// Page size (at most 1,000).
    public var pageSize: Int
    /// Token from the previous page.
    public var pageToken: String

    /// Creates a query; the default lists every meeting.
    public init(
        cellID: String? = nil,
        subtreeOf: String? = nil,
        from: CalendarDate? = nil,
        to: CalendarDate? = nil,
        kind: MeetingKind? = nil,
        includeVoided: Bool = false,
        pageSize: Int = 100,
        pageToken: String = ""
    ) {
        self.cellID = cellID
        self.subtreeOf = subtreeOf
        self.from = from
        self.to = to
        self.kind = kind
        self.includeVoided = includeVoided
        self.pageSize = pageSize
        self.pageToken = pageToken
    }
}

/// Which members a list returns.
public struct MemberQuery: Hashable, Sendable {
    /// Only members of this cell.
    public var cellID: String?
    /// Only members of cells in this subtree (today's tree).
    public var subtreeOf: String?
    /// Only members with one of these statuses; empty for any.
    public var statuses: [MemberStatus]
    /// Words that must each start a word of the name, diacritics and case ignored.
    public var nameQuery: String
    /// Include voided members.
    public var includeVoided: Bool
    /// With `cellID`: also members of other cells temporarily attached to it on the date.
    public var includeAttached: Bool
    /// Read cells and statuses as they were on this date (today's when nil): a member matches
    /// the cell filters through their cell history, and the status filter by their status then.
    public var asOf: CalendarDate?
    /// Page size (at most 1,000).
    public var pageSize: Int
    /// Token from the previous page.
    public var pageToken: String

    /// Creates a query; the default lists every member.
    public init(
        cellID: String? = nil,
        subtreeOf: String? = nil,
        statuses: [MemberStatus] = [],
        nameQuery: String = "",
        includeVoided: Bool = false,
        includeAttached: Bool = false,
        asOf: CalendarDate? = nil,
        pageSize: Int = 100,
        pageToken: String = ""
    ) {
        self.cellID = cellID
        self.subtreeOf = subtreeOf
        self.statuses = statuses
        self.nameQuery = nameQuery
        self.includeVoided = includeVoided
        self.includeAttached = includeAttached
        self.asOf = asOf
        self.pageSize = pageSize
        self.pageToken = pageToken
    }
}

/// Which resolutions a list returns.
public struct ResolutionQuery: Hashable, Sendable {
    /// Only resolutions of meetings of cells in this subtree.
    public var subtreeOf: String?
    /// Only resolutions with one of these statuses; empty for any.
    public var statuses: [ResolutionStatus]
    /// Only resolutions due before this date.
    public var dueBefore: CalendarDate?
    /// Page size (at most 1,000).
    public var pageSize: Int
    /// Token from the previous page.
    public var pageToken: String

    /// Creates a query; the default lists every resolution of a meeting that is not voided.
    public init(
        subtreeOf: String? = nil,
        statuses: [ResolutionStatus] = [],
        dueBefore: CalendarDate? = nil,
        pageSize: Int = 100,
        pageToken: String = ""
    ) {
        self.subtreeOf = subtreeOf
        self.statuses = statuses
        self.dueBefore = dueBefore
        self.pageSize = pageSize
        self.pageToken = pageToken
    }
}
