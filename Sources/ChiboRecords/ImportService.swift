import ChiboModel
import ChiboServer
import ChiboStore
import Foundation

/// Bulk import over the wire: `Import.Run` receives a header then batches of rows and commits
/// each batch in one transaction with a checkpoint; `Import.Status` returns the checkpoint so a
/// client can resume. Only members are imported so far.
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
            try await service.run(requests, scope: context.identity?.scopeUnitID ?? "")
        }
        registry.registerUnary(.importStatus) { (request: GetImportStatusRequest, _) in
            try await service.status(request)
        }
    }

    func status(_ request: GetImportStatusRequest) async throws -> ImportCheckpoint {
        guard UUID(uuidString: request.importId) != nil else {
            throw CallError.invalidArgument(field: "import_id", "required: a UUID")
        }
        guard
            let checkpoint = try await StoreErrors.mapping({
                try await store.importCheckpoint(importID: request.importId)
            })
        else { throw CallError(.notFound, "no batch of import \(request.importId) was committed") }
        return checkpoint
    }

    func run(_ requests: RequestStream<RunImportRequest>, scope: String) async throws -> RunImportResponse {
        var iterator = requests.makeAsyncIterator()
        guard case .header(let header)? = try await iterator.next()?.message else {
            throw CallError.invalidArgument(field: "header", "required: the first message is the import's header")
        }
        try Self.validate(header)
        let writable = try await writableUnits(scope: scope)
        var context = clock.mutationContext(nil)
        context.validateOnly = header.dryRun
        var response = RunImportResponse(dryRun: header.dryRun)
        var callCounts = ImportCounts()
        var checkpoint: ImportCheckpoint?
        var previous: Int64 = 0
        var units: [String: String?] = [:]
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
            var storeBatch = MemberImportBatch(
                importID: header.importId,
                batchNumber: batch.batchNumber,
                onConflict: header.onConflict,
                rows: [],
                writableUnits: writable
            )
            for row in batch.rows {
                let number = row.rowNumbers.first ?? 0
                switch try await prepare(row, units: &units) {
                case .success(let member): storeBatch.rows.append(MemberImportRow(row: number, member: member))
                case .failure(let refusal):
                    storeBatch.refused.append(
                        RowRejection(row: number, field: refusal.field, code: refusal.code, message: refusal.message)
                    )
                }
            }
            context.nowMs = clock.nowMs()
            let batchContext = context
            let outcome = try await StoreErrors.mapping {
                try await store.importMembers(storeBatch, context: batchContext)
            }
            if outcome.alreadyCommitted {
                response.skippedBatches.append(batch.batchNumber)
            } else {
                response.rejections += outcome.rejections
                Self.add(outcome.counts, to: &callCounts)
            }
            checkpoint = outcome.checkpoint
        }
        if header.dryRun {
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
        }
        return response
    }

    private static func validate(_ header: ImportHeader) throws {
        guard UUID(uuidString: header.importId) != nil else {
            throw CallError.invalidArgument(field: "header.import_id", "required: a UUID chosen by the client")
        }
        switch header.entity {
        case .members: break
        case .orgUnits: throw CallError(.unimplemented, "importing org units is not supported yet")
        default: throw CallError.invalidArgument(field: "header.entity", "required: members or org units")
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

    /// The member a row carries with its cell resolved, or why it is refused.
    private func prepare(_ row: ImportRow, units: inout [String: String?]) async throws -> Result<Member, Refusal> {
        guard case .member(var member)? = row.record else {
            return .failure(Refusal(field: "", code: "invalid", message: "the row carries no member"))
        }
        if member.partyCardNumber.isEmpty && member.citizenId.isEmpty {
            return .failure(
                Refusal(field: "party_card_number", code: "missing_key", message: "a party card number or a citizen ID")
            )
        }
        if row.unitRef.isEmpty {
            return .failure(Refusal(field: "cell", code: "missing_required", message: "the member's cell"))
        }
        let cellID: String?
        if let known = units[row.unitRef] {
            cellID = known
        } else {
            let unit = try await StoreErrors.mapping { try await store.orgUnit(code: row.unitRef) }
            cellID = unit?.id
            units[row.unitRef] = .some(unit?.id)
        }
        guard let cellID else {
            return .failure(
                Refusal(field: "cell", code: "unknown_unit", message: "no unit has the code \(row.unitRef)")
            )
        }
        member.id = ""
        member.meta = nil
        member.cellId = cellID
        member.cellHistory = []
        var violations = Violations()
        MemberService.validateProfile(member, prefix: "", into: &violations)
        for (index, event) in member.events.enumerated() {
            MemberService.validateEvent(event, prefix: "events[\(index)].", into: &violations)
        }
        if let first = violations.list.first {
            let message = violations.list.map { "\($0.field): \($0.description)" }.joined(separator: "; ")
            return .failure(Refusal(field: first.field, code: "invalid", message: message))
        }
        return .success(member)
    }

    private static func add(_ counts: ImportCounts, to total: inout ImportCounts) {
        total.read += counts.read
        total.inserted += counts.inserted
        total.updated += counts.updated
        total.skipped += counts.skipped
        total.rejected += counts.rejected
    }
}
