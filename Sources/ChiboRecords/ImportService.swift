import ChiboDomain
import ChiboModel
import ChiboServer
import ChiboStore
import Foundation
import Metrics

/// Bulk import over the wire: `Import.Run` receives a header then batches of rows and commits
/// each batch in one transaction with a checkpoint; `Import.Status` returns the checkpoint so a
/// client can resume; `Import.Undo` reverses a whole import. Every entity can be imported: org
/// units, members, status events, meetings, resolutions and evaluations. The service checks
/// each row's values with the checks of the service that records it one at a time; the store
/// resolves the references and applies the row.
public struct ImportService: Sendable {
    let store: any Store
    let clock: RecordsClock

    /// The most rows a batch may carry.
    public static let maxRowsPerBatch = 5_000

    /// Creates the service over a store.
    public init(store: any Store, clock: RecordsClock = .system) {
        self.store = store
        self.clock = clock
    }

    /// Registers the service's methods.
    public func register(into registry: inout MethodRegistry) {
        let service = self
        registry.registerClientStreaming(.importRun) { (requests: RequestStream<RunImportRequest>, context) in
            try await service.run(requests, scope: context.identity?.scopeUnitID ?? "", caller: context.identity)
        }
        registry.registerUnary(.importStatus) { (request: GetImportStatusRequest, context) in
            try await service.status(request, caller: context.identity)
        }
        registry.registerUnary(.importUndo) { (request: UndoImportRequest, context) in
            try await service.undo(request, caller: context.identity)
        }
        registry.registerServerStreaming(.importListRejections) {
            (request: ListImportRejectionsRequest, stream: ResponseStream<RowRejection>, context) in
            try await service.listRejections(request, stream, caller: context.identity)
        }
    }

    /// A page of the rows an import refused, to the token that made it (or an admin), as
    /// `Import.Status` answers.
    func listRejections(
        _ request: ListImportRejectionsRequest,
        _ stream: ResponseStream<RowRejection>,
        caller: CallerIdentity?
    ) async throws -> PageEnd {
        var violations = Violations()
        if UUID(uuidString: request.importId) == nil { violations.add("import_id", "required: a UUID") }
        let (pageSize, token) = violations.page(request.page)
        let after = token.isEmpty ? nil : RejectionPosition(pageToken: token)
        if !token.isEmpty && after == nil && PageToken.parse(token) != nil {
            violations.add("page.page_token", "not a token of this list")
        }
        try violations.throwIfAny()
        _ = try await owned(request.importId, by: caller)
        let page = try await StoreErrors.mapping {
            try await store.importRejections(importID: request.importId, after: after, limit: pageSize)
        }
        for rejection in page.rows { try await stream.send(rejection) }
        return PageEnd(nextPageToken: page.next?.pageToken ?? "")
    }

    func status(_ request: GetImportStatusRequest, caller: CallerIdentity?) async throws -> ImportCheckpoint {
        guard UUID(uuidString: request.importId) != nil else {
            throw CallError.invalidArgument(field: "import_id", "required: a UUID")
        }
        return try await owned(request.importId, by: caller)
    }

    /// An import's checkpoint, if the caller's token made it: an import belongs to its token, and
    /// to any other token (an admin's aside) it is as if it did not exist (NOT_FOUND, the same
    /// answer as for an unknown id), so import ids reveal nothing.
    func owned(_ importID: String, by caller: CallerIdentity?) async throws -> ImportCheckpoint {
        let checkpoint = try await StoreErrors.mapping { try await store.importCheckpoint(importID: importID) }
        guard let checkpoint, Self.belongs(checkpoint, to: caller) else {
            throw CallError(.notFound, "no batch of import \(importID) was committed")
        }
        return checkpoint
    }

    /// Whether a caller may see and act on an import: the token that made it, or an admin.
    static func belongs(_ checkpoint: ImportCheckpoint, to caller: CallerIdentity?) -> Bool {
        guard let caller, caller.role != "admin" else { return true }
        return checkpoint.actor == caller.name
    }

    func undo(_ request: UndoImportRequest, caller: CallerIdentity?) async throws -> UndoImportResponse {
        guard UUID(uuidString: request.importId) != nil else {
            throw CallError.invalidArgument(field: "import_id", "required: a UUID")
        }
        // An officer undoes only the imports their own token made (another's is NOT_FOUND); an
        // admin any. The store checks every record the undo touches against the caller's scope.
        _ = try await owned(request.importId, by: caller)
        var context = clock.mutationContext(nil)
        context.validateOnly = request.dryRun
        let mutation = context
        return try await StoreErrors.mapping {
            try await store.undoImport(importID: request.importId, context: mutation)
        }
    }

    func run(
        _ requests: RequestStream<RunImportRequest>,
        scope: String,
        caller: CallerIdentity? = nil
    ) async throws -> RunImportResponse {
        var iterator = requests.makeAsyncIterator()
        guard case .header(let header)? = try await iterator.next()?.message else {
            throw CallError.invalidArgument(field: "header", "required: the first message is the import's header")
        }
        try Self.validate(header)
        if let stored = try await StoreErrors.mapping({ try await store.importCheckpoint(importID: header.importId) }) {
            // Another token's import cannot be appended to (the store checks again per batch).
            if stored.actor != (caller?.name ?? stored.actor) {
                throw CallError(
                    .notFound,
                    "no import \(header.importId) of this token; start a new import with a new id"
                )
            }
            if stored.undoneAtMs != 0 {
                throw CallError(
                    .failedPrecondition,
                    "import \(header.importId) was undone and takes no more batches; start a new import"
                )
            }
            if stored.entity != header.entity {
                throw CallError(
                    .failedPrecondition,
                    "import \(header.importId) is an import of \(stored.entity), not \(header.entity)"
                )
            }
        }
        let writable = try await writableUnits(scope: scope)
        var context = clock.mutationContext(nil)
        context.validateOnly = header.dryRun
        var response = RunImportResponse(dryRun: header.dryRun)
        var callCounts = ImportCounts()
        var checkpoint: ImportCheckpoint?
        var previous: Int64 = 0
        var bands = ScoreBandCache()
        var listed = ListedRows()
        while let request = try await iterator.next() {
            guard case .batch(let batch)? = request.message else {
                throw CallError.invalidArgument(field: "header", "sent once, before the batches")
            }
            guard batch.batchNumber > previous else {
                throw CallError.invalidArgument(
                    field: "batch.batch_number",
                    "batch numbers start at 1 and increase (got \(batch.batchNumber) after \(previous))"
                )
            }
            guard batch.rows.count <= Self.maxRowsPerBatch else {
                throw CallError.invalidArgument(field: "batch.rows", "at most \(Self.maxRowsPerBatch) rows a batch")
            }
            previous = batch.batchNumber
            var storeBatch = ImportBatchInput(
                importID: header.importId,
                batchNumber: batch.batchNumber,
                entity: header.entity,
                onConflict: header.onConflict,
                rows: [],
                writableUnits: writable
            )
            let categories =
                header.entity == .meetings
                ? try await StoreErrors.mapping {
                    try await ImportCategoryCheck.reading(batch.rows, writable: writable, store: store)
                }
                : nil
            for row in batch.rows {
                let warnings = categories?.warnings(for: row) ?? []
                if header.strict, let first = warnings.first {
                    storeBatch.refused.append(
                        RowRejection(
                            row: row.rowNumbers.first ?? 0,
                            field: first.field,
                            code: first.code,
                            message: first.message + " (refused: strict)"
                        )
                    )
                    continue
                }
                for warning in warnings { listed.add(warning, to: &response) }
                if let refusal = try await check(row, entity: header.entity, bands: &bands) {
                    storeBatch.refused.append(
                        RowRejection(
                            row: row.rowNumbers.first ?? 0,
                            field: refusal.field,
                            code: refusal.code,
                            message: refusal.message
                        )
                    )
                } else {
                    storeBatch.rows.append(Self.withAdmissionEvents(row))
                }
            }
            context.nowMs = clock.nowMs()
            let batchContext = context
            let input = storeBatch
            let outcome = try await StoreErrors.mapping {
                try await store.importBatch(input, context: batchContext)
            }
            if outcome.alreadyCommitted {
                response.skippedBatches.append(batch.batchNumber)
            } else {
                if header.dryRun {
                    for rejection in outcome.rejections { listed.add(rejection, to: &response) }
                }
                Self.add(outcome.counts, to: &callCounts)
                if !header.dryRun { Self.count(outcome.counts, entity: header.entity) }
            }
            checkpoint = outcome.checkpoint
        }
        if header.dryRun {
            response.rejections = Self.inRowOrder(response.rejections)
            response.checkpoint = ImportCheckpoint(
                importId: header.importId,
                entity: header.entity,
                lastBatch: previous,
                counts: callCounts,
                actor: context.actor,
                updatedAtMs: context.nowMs
            )
        } else {
            let stored = try await StoreErrors.mapping { try await store.importCheckpoint(importID: header.importId) }
            response.checkpoint =
                stored ?? checkpoint
                ?? ImportCheckpoint(importId: header.importId, entity: header.entity, counts: ImportCounts())
            let (first, total) = try await StoreErrors.mapping {
                try await store.importRejections(importID: header.importId, limit: ListedRows.maxRejections)
            }
            for rejection in first { listed.add(rejection, to: &response) }
            response.rejectionsNotListed += total - Int64(first.count)
        }
        return response
    }

    /// What a response lists of the rows refused and warned about: the first ones, up to a
    /// budget of bytes each, so that the response fits in a frame (4 MiB) and the call holds
    /// a bounded amount whatever the file; the others are counted.
    struct ListedRows {
        /// Rejections read from the store at most (about 2 MiB of the shortest).
        static let maxRejections = 20_000
        /// Bytes of rejections listed at most.
        static let rejectionBytes = 2 << 20
        /// Bytes of warnings listed at most.
        static let warningBytes = 1 << 20
        private var rejectionsSize = 0
        private var warningsSize = 0

        mutating func add(_ rejection: RowRejection, to response: inout RunImportResponse) {
            let size = 16 + rejection.field.utf8.count + rejection.code.utf8.count + rejection.message.utf8.count
            if rejectionsSize + size > Self.rejectionBytes {
                response.rejectionsNotListed += 1
            } else {
                rejectionsSize += size
                response.rejections.append(rejection)
            }
        }

        mutating func add(_ warning: ImportWarning, to response: inout RunImportResponse) {
            let size =
                16 + warning.field.utf8.count + warning.code.utf8.count + warning.message.utf8.count
                + warning.fileValue.utf8.count + warning.chiboValue.utf8.count
            if warningsSize + size > Self.warningBytes {
                response.warningsNotListed += 1
            } else {
                warningsSize += size
                response.warnings.append(warning)
            }
        }
    }

    /// Rejections by row number, keeping the order of those of one row.
    static func inRowOrder(_ rejections: [RowRejection]) -> [RowRejection] {
        rejections.enumerated().sorted { ($0.element.row, $0.offset) < ($1.element.row, $1.offset) }.map(\.element)
    }

    private static func validate(_ header: ImportHeader) throws {
        guard UUID(uuidString: header.importId) != nil else {
            throw CallError.invalidArgument(field: "header.import_id", "required: a UUID chosen by the client")
        }
        guard [.orgUnits, .members, .statusEvents, .meetings, .resolutions, .evaluations].contains(header.entity) else {
            throw CallError.invalidArgument(
                field: "header.entity",
                "required: org units, members, status events, meetings, resolutions or evaluations"
            )
        }
        guard [.skip, .update, .fail].contains(header.onConflict) else {
            throw CallError.invalidArgument(field: "header.on_conflict", "required: skip, update or fail")
        }
    }

    /// The units a caller scoped to `scope` may write to (today's subtree); nil for no limit.
    private func writableUnits(scope: String) async throws -> Set<String>? {
        guard !scope.isEmpty else { return nil }
        var units: Set<String> = [scope]
        var token = ""
        repeat {
            let page = try await StoreErrors.mapping {
                try await store.listOrgUnits(OrgUnitQuery(subtreeOf: scope, pageSize: 1_000, pageToken: token))
            }
            units.formUnion(page.records.map(\.id))
            token = page.nextPageToken
        } while !token.isEmpty
        return units
    }

    /// A row refused before the store.
    struct Refusal: Error {
        var field: String
        var code: String
        var message: String
    }

    /// A roster row gives the dates of admission and of becoming official, not the events: a
    /// member row without events gets the events those dates mean (admitted, made official),
    /// so the member counts in their cell from the day of admission. A status-event file that
    /// lists the same events later finds them there and skips them.
    static func withAdmissionEvents(_ row: ImportRow) -> ImportRow {
        guard case .member(var member)? = row.record, member.events.isEmpty, let admitted = member.admittedOn else {
            return row
        }
        member.events = [StatusEvent(kind: .admitted, effectiveOn: admitted)]
        if let official = member.officialOn {
            member.events.append(StatusEvent(kind: .madeOfficial, effectiveOn: official))
        }
        var row = row
        row.record = .member(member)
        return row
    }

    /// Why a row is refused before the store, or nil when its values pass the domain's checks,
    /// the ones the service that records such a record one at a time runs. References (units,
    /// members, meetings) are left to the store: the checks used here are the ones of a record's
    /// values before its references are resolved.
    private func check(
        _ row: ImportRow,
        entity: ImportEntityKind,
        bands: inout ScoreBandCache
    ) async throws
        -> Refusal?
    {
        var violations = Violations()
        switch (entity, row.record) {
        case (.members, .member(let member)?):
            if member.partyCardNumber.isEmpty && member.citizenId.isEmpty {
                return Refusal(
                    field: "party_card_number",
                    code: "missing_key",
                    message: "a party card number or a citizen ID"
                )
            }
            if row.unitRef.isEmpty {
                return Refusal(field: "cell", code: "missing_required", message: "the member's cell")
            }
            MemberChecks.checkProfile(member, prefix: "", into: &violations)
            for (index, event) in member.events.enumerated() {
                MemberChecks.checkEvent(event, prefix: "events[\(index)].", into: &violations)
            }
        case (.orgUnits, .orgUnit(let unit)?):
            if unit.code.isEmpty { return Refusal(field: "code", code: "missing_key", message: "the unit's code") }
            OrgUnitChecks.checkFields(unit, prefix: "", into: &violations)
        case (.statusEvents, .statusEvent(let event)?):
            if row.memberKey.map(Self.isEmpty) ?? true {
                return Refusal(
                    field: "party_card_number",
                    code: "missing_key",
                    message: "the member: a party card number, a citizen ID or a name"
                )
            }
            MemberChecks.checkEvent(event, prefix: "", into: &violations)
        case (.meetings, .meeting(let meeting)?):
            if row.unitRef.isEmpty {
                return Refusal(field: "cell", code: "missing_required", message: "the meeting's cell")
            }
            if row.attendees.count != meeting.attendance.count {
                return Refusal(
                    field: "attendees",
                    code: "invalid",
                    message: "\(meeting.attendance.count) attendance records but \(row.attendees.count) attendees"
                )
            }
            for (index, attendee) in row.attendees.enumerated() where Self.isEmpty(attendee) {
                return Refusal(
                    field: "attendees[\(index)]",
                    code: "missing_key",
                    message: "attendance record \(index + 1) names no member"
                )
            }
            MeetingChecks.checkValues(meeting, prefix: "", into: &violations)
        case (.resolutions, .resolution(let resolution)?):
            if row.meetingKey.isEmpty && (row.unitRef.isEmpty || row.meetingHeldOn == nil) {
                return Refusal(
                    field: "meeting_key",
                    code: "missing_key",
                    message: "the meeting: its key, or its cell and date"
                )
            }
            violations.checkDate(row.meetingHeldOn, "meeting_held_on")
            // The path a resolution had when it was checked as its meeting's first resolution.
            ResolutionChecks.check(resolution, path: "resolutions[0]", into: &violations)
        case (.evaluations, .evaluation(var evaluation)?):
            let names = !(row.memberKey.map(Self.isEmpty) ?? true)
            if evaluation.subject.rawValue == 0 { evaluation.subject = names ? .member : .orgUnit }
            if evaluation.subject == .member && !names {
                return Refusal(field: "party_card_number", code: "missing_key", message: "the member evaluated")
            }
            if evaluation.subject == .orgUnit && row.unitRef.isEmpty {
                return Refusal(field: "unit", code: "missing_required", message: "the unit evaluated")
            }
            EvaluationChecks.checkValues(evaluation, prefix: "evaluation.", into: &violations)
            if violations.list.isEmpty {
                try await bands.check(
                    evaluation,
                    row: row,
                    service: EvaluationService(store: store, clock: clock),
                    into: &violations
                )
            }
        default:
            return Refusal(
                field: "",
                code: "invalid",
                message: "the row does not carry a record of the import's kind (\(entity))"
            )
        }
        guard let first = violations.list.first else { return nil }
        let message = violations.list.map { "\($0.field): \($0.description)" }.joined(separator: "; ")
        let field =
            first.field.hasPrefix("evaluation.") ? String(first.field.dropFirst("evaluation.".count)) : first.field
        return Refusal(field: field, code: "invalid", message: message)
    }

    /// Whether a member key names nobody.
    static func isEmpty(_ key: MemberKey) -> Bool {
        key.partyCardNumber.isEmpty && key.citizenId.isEmpty && key.cardOrCitizenId.isEmpty
            && key.fullName.trimmingCharacters(in: .whitespaces).isEmpty
    }

    /// The score-band check of Evaluations.Create for scored rows, once per unit and year: the
    /// unit is found by code (a unit's row) or the member by card (a member's row); rows naming
    /// them otherwise are left to the store without this check.
    struct ScoreBandCache {
        var results: [String: [FieldViolation]] = [:]

        mutating func check(
            _ evaluation: Evaluation,
            row: ImportRow,
            service: EvaluationService,
            into violations: inout Violations
        ) async throws {
            guard case .score = evaluation.result else { return }
            var unitID = ""
            if evaluation.subject == .member {
                let card = row.memberKey?.partyCardNumber ?? ""
                if !card.isEmpty { unitID = try await service.store.member(partyCardNumber: card)?.cellId ?? "" }
            } else {
                unitID = try await service.store.orgUnit(code: row.unitRef)?.id ?? ""
            }
            guard !unitID.isEmpty else { return }
            let key = "\(unitID)|\(evaluation.year)"
            if results[key] == nil {
                var found = Violations()
                var probe = evaluation
                probe.subject = .orgUnit
                probe.subjectId = unitID
                try await service.checkScoreBands(probe, into: &found)
                results[key] = found.list
            }
            for violation in results[key] ?? [] { violations.add(violation.field, violation.description) }
        }
    }

    /// `chibo_import_rows_total{entity, outcome}`: rows of committed batches, by what they did.
    private static func count(_ counts: ImportCounts, entity: ImportEntityKind) {
        let name = entity.protoName.map { String($0.dropFirst("IMPORT_ENTITY_KIND_".count)).lowercased() } ?? "unknown"
        for (outcome, rows) in [
            ("inserted", counts.inserted), ("updated", counts.updated), ("skipped", counts.skipped),
            ("rejected", counts.rejected),
        ] where rows > 0 {
            Counter(label: "chibo_import_rows_total", dimensions: [("entity", name), ("outcome", outcome)])
                .increment(by: rows)
        }
    }

    private static func add(_ counts: ImportCounts, to total: inout ImportCounts) {
        total.read += counts.read
        total.inserted += counts.inserted
        total.updated += counts.updated
        total.skipped += counts.skipped
        total.rejected += counts.rejected
    }
}
