import ChiboDomain
import ChiboModel
import ChiboStore
import Foundation

extension SQLStore {
    /// Applies one batch of an import (see `Store.importBatch`).
    public func importBatch(_ batch: ImportBatchInput, context: MutationContext) async throws -> ImportBatchOutcome {
        let outcome = try await engine.writeWithoutTransaction { db in
            var outcome: ImportBatchOutcome?
            try db.inTransaction {
                outcome = try Self.applyBatch(db, batch, context: context)
                // The batch's one audit entry: the import, the batch and every change it made.
                let counts = outcome?.counts ?? ImportCounts()
                try Self.auditPendingChanges(
                    db,
                    entity: "import",
                    entityID: batch.importID,
                    detail: "batch \(batch.batchNumber) of \(batch.entity): \(counts.inserted) inserted, "
                        + "\(counts.updated) updated, \(counts.skipped) skipped, \(counts.rejected) rejected"
                )
                return context.validateOnly || outcome?.alreadyCommitted == true ? .rollback : .commit
            }
            guard let outcome else { throw StoreError.unavailable("the import batch did not run") }
            return outcome
        }
        if !context.validateOnly && !outcome.alreadyCommitted { changeSignal.notify() }
        return outcome
    }

    /// The checkpoint of an import (see `Store.importCheckpoint`).
    public func importCheckpoint(importID: String) async throws -> ImportCheckpoint? {
        try await engine.read { db in try Self.loadCheckpoint(db, importID: importID) }
    }

    /// The first rows an import refused and their number (see `Store.importRejections`): the
    /// first page, and a count only when more follow.
    public func importRejections(importID: String, limit: Int) async throws -> (first: [RowRejection], total: Int64) {
        let page = try await importRejections(importID: importID, after: nil, limit: limit)
        guard page.next != nil else { return (page.rows, Int64(page.rows.count)) }
        let total = try await engine.read { db in
            try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT COUNT(*) FROM import_rejection WHERE import_id = ?"),
                arguments: [importID]
            ) ?? 0
        }
        return (page.rows, total)
    }

    /// A page of the rows an import refused (see `Store.importRejections(importID:after:limit:)`):
    /// a range of the index by import, row and order, one row more than the page to know
    /// whether another follows. A message quotes the file's value, which a row may make long:
    /// its first 2,000 characters are read, so a page's memory stays bounded.
    public func importRejections(
        importID: String,
        after: RejectionPosition?,
        limit: Int
    ) async throws -> (rows: [RowRejection], next: RejectionPosition?) {
        let start = after ?? RejectionPosition(row: Int64.min, seq: Int64.min)
        return try await engine.read { db in
            var rows = try SQLRow.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT row, seq, field, code, substr(message, 1, 2000) AS message FROM import_rejection
                        WHERE import_id = ? AND (row, seq) > (?, ?) ORDER BY row, seq LIMIT ?
                        """
                ),
                arguments: [importID, start.row, start.seq, min(Int64(clamping: limit), Int64.max - 1) + 1]
            )
            let more = rows.count > limit
            if more { rows.removeLast() }
            let next = more ? rows.last.map { RejectionPosition(row: $0["row"], seq: $0["seq"]) } : nil
            return (
                rows.map { RowRejection(row: $0["row"], field: $0["field"], code: $0["code"], message: $0["message"]) },
                next
            )
        }
    }

    static func loadCheckpoint(_ db: any SQLDatabase, importID: String) throws -> ImportCheckpoint? {
        guard
            let row = try SQLRow.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM import_checkpoint WHERE import_id = ?"),
                arguments: [importID]
            )
        else { return nil }
        return ImportCheckpoint(
            importId: row["import_id"],
            entity: ImportEntityKind(rawValue: row["entity"]),
            lastBatch: row["last_batch"],
            counts: ImportCounts(
                read: row["read_count"],
                inserted: row["inserted_count"],
                updated: row["updated_count"],
                skipped: row["skipped_count"],
                rejected: row["rejected_count"]
            ),
            actor: row["actor"],
            updatedAtMs: row["updated_at_ms"],
            undoneAtMs: row["undone_at_ms"]
        )
    }

    // MARK: The batch

    /// A batch being applied: what it is, who applies it, and the number of its next effect.
    struct ImportApplication {
        let batch: ImportBatchInput
        let context: MutationContext
        var nextEffect: Int64
        /// The row being applied.
        var row: Int32 = 0
        /// How the row's file names the records it resolved (a member id to its card number and
        /// name, a unit id to its code), so that a refusal worded by the shared checks in ids
        /// reads in the file's terms.
        var labels: [String: String] = [:]
    }

    /// What a row did.
    enum ImportRowOutcome {
        case inserted, updated, skipped
    }

    /// A row refused by the store: thrown by the entity's code, rolled back to the row's
    /// savepoint, and reported.
    struct ImportRefusal: Error {
        var field: String
        var code: String
        var message: String

        init(_ field: String, _ code: String, _ message: String) {
            self.field = field
            self.code = code
            self.message = message
        }
    }

    /// The phrase of every scope refusal.
    static let outsideScope = "outside the units your token may change"

    private static func applyBatch(
        _ db: any SQLDatabase,
        _ batch: ImportBatchInput,
        context: MutationContext
    ) throws -> ImportBatchOutcome {
        var checkpoint =
            try loadCheckpoint(db, importID: batch.importID)
            ?? ImportCheckpoint(
                importId: batch.importID,
                entity: batch.entity,
                counts: ImportCounts(),
                actor: context.actor
            )
        // An import belongs to the token that began it: another token's batch is refused as if
        // the import did not exist, whatever the service checked before.
        if checkpoint.actor != context.actor {
            throw StoreError.notFound(entity: "import of this token", id: batch.importID)
        }
        if checkpoint.entity != batch.entity {
            throw StoreError.failedPrecondition(
                "import \(batch.importID) is an import of \(checkpoint.entity), not \(batch.entity)"
            )
        }
        if checkpoint.undoneAtMs != 0 {
            throw StoreError.failedPrecondition(
                "import \(batch.importID) was undone and takes no more batches; start a new import"
            )
        }
        if batch.batchNumber <= checkpoint.lastBatch {
            return ImportBatchOutcome(
                checkpoint: checkpoint,
                counts: ImportCounts(),
                rejections: [],
                alreadyCommitted: true
            )
        }
        var counts = ImportCounts(
            read: Int64(batch.rows.count + batch.refused.count),
            rejected: Int64(batch.refused.count)
        )
        var rejections = batch.refused
        var application = ImportApplication(
            batch: batch,
            context: context,
            nextEffect: try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT COALESCE(MAX(seq), 0) + 1 FROM import_effect WHERE import_id = ?"),
                arguments: [batch.importID]
            ) ?? 1
        )
        // New records first, as sets; then, in file order, the rows that need the row path. A
        // set the database refuses as a whole (a value one backend cannot store, such as a NUL
        // in PostgreSQL's text) leaves nothing behind, and the whole batch takes the row path,
        // which refuses that row alone.
        var set = ImportSetOutcome(remaining: batch.rows)
        let firstEffect = application.nextEffect
        do {
            try db.inSavepoint {
                set = try applySet(db, batch.rows, &application)
                return .commit
            }
        } catch {
            set = ImportSetOutcome(remaining: batch.rows)
            application.nextEffect = firstEffect
        }
        counts.inserted += set.inserted
        counts.skipped += set.skipped
        counts.rejected += Int64(set.rejections.count)
        rejections += set.rejections
        for row in set.remaining {
            application.row = row.rowNumbers.first ?? 0
            application.labels = [:]
            var outcome = ImportRowOutcome.skipped
            do {
                try db.inSavepoint {
                    outcome = try applyRow(db, row, &application)
                    return .commit
                }
            } catch let refusal as ImportRefusal {
                counts.rejected += 1
                rejections.append(
                    RowRejection(
                        row: application.row,
                        field: refusal.field,
                        code: refusal.code,
                        message: refusal.message
                    )
                )
                continue
            } catch let error as StoreError {
                counts.rejected += 1
                rejections.append(try rejection(error, row: application.row, labels: application.labels))
                continue
            }
            switch outcome {
            case .inserted: counts.inserted += 1
            case .updated: counts.updated += 1
            case .skipped: counts.skipped += 1
            }
        }
        rejections.sort { $0.row < $1.row }
        var seq =
            try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT COALESCE(MAX(seq), 0) FROM import_rejection WHERE import_id = ?"),
                arguments: [batch.importID]
            ) ?? 0
        for rejection in rejections {
            seq += 1
            try db.cachedStatement(
                sql: """
                    INSERT INTO import_rejection (import_id, seq, batch, row, field, code, message)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                batch.importID, seq, batch.batchNumber, rejection.row, rejection.field, rejection.code,
                rejection.message,
            ]
            )
        }
        var total = checkpoint.counts ?? ImportCounts()
        total.read += counts.read
        total.inserted += counts.inserted
        total.updated += counts.updated
        total.skipped += counts.skipped
        total.rejected += counts.rejected
        checkpoint.counts = total
        checkpoint.lastBatch = batch.batchNumber
        checkpoint.updatedAtMs = context.nowMs
        try db.cachedStatement(
            sql: """
                INSERT INTO import_checkpoint (import_id, entity, last_batch, read_count, inserted_count, updated_count,
                    skipped_count, rejected_count, actor, updated_at_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(import_id) DO UPDATE SET last_batch = excluded.last_batch, read_count = excluded.read_count,
                    inserted_count = excluded.inserted_count, updated_count = excluded.updated_count,
                    skipped_count = excluded.skipped_count, rejected_count = excluded.rejected_count,
                    updated_at_ms = excluded.updated_at_ms
                """
        ).execute(arguments: [
            checkpoint.importId, checkpoint.entity.rawValue, checkpoint.lastBatch, total.read, total.inserted,
            total.updated, total.skipped, total.rejected, checkpoint.actor, checkpoint.updatedAtMs,
        ]
        )
        return ImportBatchOutcome(
            checkpoint: checkpoint,
            counts: counts,
            rejections: rejections,
            alreadyCommitted: false
        )
    }

    /// A store failure of one row as the row's rejection: a broken rule is `invalid` (with the
    /// first field concerned), an existing unique key `already_exists`.
    static func refusal(for error: StoreError) -> ImportRefusal {
        switch error {
        case .invalidRecord(let violations):
            let field = violations.first?.field ?? ""
            let short = field.split(separator: ".", maxSplits: 1).dropFirst().first.map(String.init) ?? field
            return ImportRefusal(short, "invalid", error.description)
        case .alreadyExists: return ImportRefusal("", "already_exists", error.description)
        case .staleRevision: return ImportRefusal("", "conflict", error.description)
        case .outsideScope: return ImportRefusal("", "out_of_scope", error.description)
        default: return ImportRefusal("", "invalid", error.description)
        }
    }

    private static func applyRow(
        _ db: any SQLDatabase,
        _ row: ImportRow,
        _ application: inout ImportApplication
    ) throws -> ImportRowOutcome {
        switch (application.batch.entity, row.record) {
        case (.members, .member(let member)?): return try importMember(db, row, member, &application)
        case (.orgUnits, .orgUnit(let unit)?): return try importOrgUnit(db, row, unit, &application)
        case (.statusEvents, .statusEvent(let event)?): return try importStatusEvent(db, row, event, &application)
        case (.meetings, .meeting(let meeting)?): return try importMeeting(db, row, meeting, &application)
        case (.resolutions, .resolution(let resolution)?):
            return try importResolution(db, row, resolution, &application)
        case (.evaluations, .evaluation(let evaluation)?):
            return try importEvaluation(db, row, evaluation, &application)
        default:
            throw ImportRefusal(
                "",
                "invalid",
                "the row does not carry a record of the import's kind (\(application.batch.entity))"
            )
        }
    }

    // MARK: Effects and keys

    /// Notes what the import did to a record, for undo: created, or updated from `before`; and
    /// the revision the import left. The record before is not copied: the effect names the
    /// change-log entry that holds it (the record's change before the import's, just logged),
    /// and keeps the bytes itself only when that entry does not hold exactly them.
    static func recordEffect(
        _ db: any SQLDatabase,
        _ application: inout ImportApplication,
        entity: String,
        id: String,
        before: Data?,
        revision: Int64
    ) throws {
        var beforeSeq: Int64?
        var kept = before
        if let before {
            beforeSeq = try Int64.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT seq FROM change_log WHERE entity = ? AND entity_id = ? ORDER BY seq DESC LIMIT 1 OFFSET 1
                        """
                ),
                arguments: [entity, id]
            )
            if let beforeSeq,
                try Data.fetchOne(
                    db.cachedStatement(
                        sql: "SELECT \(changeRecordColumn("c")) FROM change_log c WHERE c.seq = ?"
                    ),
                    arguments: [beforeSeq]
                ) == before
            {
                kept = nil
            }
        }
        try db.cachedStatement(
            sql: """
                INSERT INTO import_effect (import_id, seq, entity, record_id, effect, before, revision, before_seq)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            application.batch.importID, application.nextEffect, entity, id, before == nil ? "created" : "updated",
            kept, revision, kept == nil ? beforeSeq : nil,
        ]
        )
        application.nextEffect += 1
    }

    /// Refuses a row whose record an earlier row of the same import already applied.
    static func requireFirst(_ db: any SQLDatabase, _ application: ImportApplication, key: String, what: String) throws
    {
        if let earlier = try Int32.fetchOne(
            db.cachedStatement(sql: "SELECT row FROM import_key WHERE import_id = ? AND natural_key = ?"),
            arguments: [application.batch.importID, key]
        ) {
            throw ImportRefusal("", "duplicate_in_import", "\(what) is already in this import, at row \(earlier)")
        }
    }

    /// Notes that the row applied the record with this key.
    static func claim(_ db: any SQLDatabase, _ application: ImportApplication, key: String) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO import_key (import_id, natural_key, row) VALUES (?, ?, ?)
                ON CONFLICT DO NOTHING
                """
        )
        .execute(arguments: [application.batch.importID, key, application.row]
        )
    }

    // MARK: References

    /// Whether a unit lies within the writable units: one of them or under one of them in
    /// today's tree.
    static func inScope(_ db: any SQLDatabase, _ unitID: String, _ writable: Set<String>?) throws -> Bool {
        guard let writable else { return true }
        var current: String? = unitID
        var steps = 0
        while let id = current, !id.isEmpty, steps < 64 {
            if writable.contains(id) { return true }
            current = try String.fetchOne(
                db.cachedStatement(sql: "SELECT parent_id FROM org_unit WHERE id = ?"),
                arguments: [id]
            )
            steps += 1
        }
        return false
    }

    /// Refuses the row when the unit is outside the caller's scope.
    static func requireScope(
        _ db: any SQLDatabase,
        _ application: ImportApplication,
        _ unitID: String,
        field: String,
        _ what: String
    ) throws {
        if !(try inScope(db, unitID, application.batch.writableUnits)) {
            throw ImportRefusal(field, "out_of_scope", "\(what) is \(outsideScope)")
        }
    }

    /// The unit a file names: by code, else by its exact name among the units not voided
    /// (preferring units still in existence); unknown and ambiguous references are refused.
    static func resolveUnit(_ db: any SQLDatabase, _ reference: String, field: String) throws -> OrgUnit {
        let text = normalised(reference)
        if let data = try Data.fetchOne(
            db.cachedStatement(sql: "SELECT record FROM org_unit WHERE code = ?"),
            arguments: [text]
        ) {
            let unit = try OrgUnit(serializedBytes: [UInt8](data))
            if unit.meta?.voided == true {
                throw ImportRefusal(field, "unknown_unit", "the unit with code \(text) was voided")
            }
            return unit
        }
        let named = try Data.fetchAll(
            db.cachedStatement(sql: "SELECT record FROM org_unit WHERE name_key = ? AND voided = 0 ORDER BY id"),
            arguments: [SearchKeys.fold(text)]
        ).map { try OrgUnit(serializedBytes: [UInt8]($0)) }.filter { normalised($0.name) == text }
        let current = named.filter { $0.valid?.to == nil }
        let candidates = current.isEmpty ? named : current
        guard let first = candidates.first else {
            throw ImportRefusal(field, "unknown_unit", "no unit has the code or the name \(text)")
        }
        if candidates.count > 1 {
            throw ImportRefusal(
                field,
                "ambiguous_match",
                "\(candidates.count) units are named \(text) (\(candidates.map { $0.code.isEmpty ? $0.id : $0.code }.joined(separator: ", "))); give the code"
            )
        }
        return first
    }

    /// Text with its spaces trimmed and runs of spaces made one.
    static func normalised(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// A row that matched a stored record: claims the record for this import (a second row of
    /// the import naming it is `duplicate_in_import`) and applies the on-conflict policy: true
    /// when the row should update the record, false when it counts as skipped; under `fail` the
    /// row is refused as `already_exists` with `message` on `field`.
    static func matched(
        _ db: any SQLDatabase,
        _ application: ImportApplication,
        key: String,
        what: String,
        field: String,
        exists message: String
    ) throws -> Bool {
        try requireFirst(db, application, key: key, what: what)
        try claim(db, application, key: key)
        switch application.batch.onConflict {
        case .skip: return false
        case .fail: throw ImportRefusal(field, "already_exists", message)
        default: return true
        }
    }

    /// Whether a member key names anyone.
    static func isEmpty(_ key: MemberKey?) -> Bool {
        guard let key else { return true }
        return key.partyCardNumber.isEmpty && key.citizenId.isEmpty && key.cardOrCitizenId.isEmpty
            && normalised(key.fullName).isEmpty
    }

    /// How a member found reads in a message: the name, with the card number when there is one.
    static func label(of member: Member) -> String {
        member.partyCardNumber.isEmpty ? member.fullName : "\(member.fullName) (card \(member.partyCardNumber))"
    }

    /// How a member's event reads in a message: "the working_away event of 2024-01-01 of Lò
    /// Văn An (card 030001)", its kind as a file may write it.
    static func describeEvent(_ kind: StatusEventKind, on dateKey: String, of member: Member) -> String {
        let text = kind.description
        let prefix = "STATUS_EVENT_KIND_"
        let name = (text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text).lowercased()
        return "the \(name) event of \(dateKey) of \(label(of: member))"
    }

    /// How a member key reads in a message.
    static func describe(_ key: MemberKey) -> String {
        var parts: [String] = []
        if !key.partyCardNumber.isEmpty { parts.append("card \(key.partyCardNumber)") }
        if !key.citizenId.isEmpty { parts.append("citizen ID \(key.citizenId)") }
        if !key.cardOrCitizenId.isEmpty { parts.append("card or citizen ID \(key.cardOrCitizenId)") }
        if !key.fullName.isEmpty { parts.append(normalised(key.fullName)) }
        return parts.joined(separator: ", ")
    }

    /// The member a key names: by party card number, else citizen ID, else a value that may be
    /// either (tried as a card first), else the full name, unique among the members of `cellID`
    /// (its members on any date and those attached to it), or among all members without a cell.
    /// Throws `unknown_member` or `ambiguous_match` naming the member as written.
    /// `cards`, when given, holds every member found by the card numbers the row names (see
    /// `membersByCard`), and `citizens` every member found by its citizen IDs (see
    /// `membersByCitizen`), so each is not looked up again.
    static func resolveMember(
        _ db: any SQLDatabase,
        _ key: MemberKey,
        cellID: String?,
        field: String,
        cards: [String: Member]? = nil,
        citizens: [String: [Member]]? = nil
    ) throws -> Member {
        func byCard(_ card: String) throws -> Member? {
            if let cards { return cards[card] }
            return try loadMember(db, sql: "SELECT record FROM member WHERE party_card_number = ? AND voided = 0", card)
        }
        func byCitizen(_ citizen: String) throws -> Member? {
            let found =
                try citizens.map { $0[citizen] ?? [] }
                ?? Data.fetchAll(
                    db.cachedStatement(sql: "SELECT record FROM member WHERE citizen_id = ? AND voided = 0"),
                    arguments: [citizen]
                ).map { try Member(serializedBytes: [UInt8]($0)) }
            if found.count > 1 {
                throw ImportRefusal(field, "ambiguous_match", "citizen ID \(citizen) names \(found.count) members")
            }
            return found.first
        }
        if !key.partyCardNumber.isEmpty, let member = try byCard(key.partyCardNumber) { return member }
        if !key.citizenId.isEmpty, let member = try byCitizen(key.citizenId) { return member }
        if !key.cardOrCitizenId.isEmpty {
            if let member = try byCard(key.cardOrCitizenId) { return member }
            if let member = try byCitizen(key.cardOrCitizenId) { return member }
        }
        let name = normalised(key.fullName)
        let keyed = !key.partyCardNumber.isEmpty || !key.citizenId.isEmpty || !key.cardOrCitizenId.isEmpty
        guard !name.isEmpty, !keyed else {
            throw ImportRefusal(field, "unknown_member", "no member has \(describe(key))")
        }
        var sql = "SELECT record FROM member WHERE voided = 0 AND name_key = ?"
        var arguments: SQLArguments = [SearchKeys.fold(name)]
        if let cellID {
            sql += """
                 AND id IN (SELECT id FROM member WHERE cell_id = ?
                    UNION SELECT member_id FROM member_cell WHERE cell_id = ?
                    UNION SELECT member_id FROM member_event WHERE other_unit_id = ?)
                """
            arguments += [cellID, cellID, cellID]
        }
        let found = try Data.fetchAll(db, sql: sql + " ORDER BY id", arguments: arguments)
            .map { try Member(serializedBytes: [UInt8]($0)) }
            .filter { normalised($0.fullName) == name }
        let place = cellID.map { " in \($0)" } ?? ""
        guard let first = found.first else {
            throw ImportRefusal(field, "unknown_member", "no member named \(name)\(place)")
        }
        if found.count > 1 {
            throw ImportRefusal(
                field,
                "ambiguous_match",
                "\(found.count) members are named \(name)\(place); give a card number or a citizen ID"
            )
        }
        return first
    }

    /// The members (not voided) holding the card numbers the keys name, by card number: one
    /// query for a meeting's attendees instead of one per attendee.
    static func membersByCard(_ db: any SQLDatabase, _ keys: [MemberKey]) throws -> [String: Member] {
        try membersByCard(
            db,
            sql: "SELECT record FROM member WHERE voided = 0 AND party_card_number IN",
            keys.flatMap { [$0.partyCardNumber, $0.cardOrCitizenId] }
        )
    }

    /// The members (not voided) holding the citizen IDs the keys name, by citizen ID: several
    /// under one ID when the roster holds it twice, which `resolveMember` refuses as ambiguous.
    static func membersByCitizen(_ db: any SQLDatabase, _ keys: [MemberKey]) throws -> [String: [Member]] {
        var found: [String: [Member]] = [:]
        let citizens = Set(keys.flatMap { [$0.citizenId, $0.cardOrCitizenId] }.filter { !$0.isEmpty })
        for row in try rows(
            db,
            in: "SELECT record FROM member WHERE voided = 0 AND citizen_id IN",
            Array(citizens)
        ) {
            let member = try Member(serializedBytes: [UInt8](row["record"] as Data))
            found[member.citizenId, default: []].append(member)
        }
        return found
    }

    /// An optional member (a chair, a recorder, a resolution's owner): the member when the key
    /// names exactly one, else nil.
    static func optionalMember(
        _ db: any SQLDatabase,
        _ key: MemberKey?,
        cellID: String?,
        cards: [String: Member]? = nil
    ) throws -> Member? {
        guard let key, !isEmpty(key) else { return nil }
        do {
            return try resolveMember(db, key, cellID: cellID, field: "", cards: cards)
        } catch is ImportRefusal {
            return nil
        }
    }

    // MARK: Members

    /// A member row: found by party card number, else citizen ID, refusing a row whose two keys
    /// name two different members; inserted, or merged into the stored profile.
    static func importMember(
        _ db: any SQLDatabase,
        _ row: ImportRow,
        _ member: Member,
        _ application: inout ImportApplication
    ) throws -> ImportRowOutcome {
        var incoming = member
        if incoming.partyCardNumber.isEmpty && incoming.citizenId.isEmpty {
            throw ImportRefusal("party_card_number", "missing_key", "a party card number or a citizen ID")
        }
        if normalised(row.unitRef).isEmpty {
            throw ImportRefusal("cell", "missing_required", "the member's cell")
        }
        let cell = try resolveUnit(db, row.unitRef, field: "cell")
        incoming.id = ""
        incoming.meta = nil
        incoming.cellId = cell.id
        incoming.cellHistory = []
        try requireScope(db, application, cell.id, field: "cell", "the cell")
        var byCard: String?
        if !incoming.partyCardNumber.isEmpty {
            byCard = try String.fetchOne(
                db.cachedStatement(sql: "SELECT id FROM member WHERE party_card_number = ?"),
                arguments: [incoming.partyCardNumber]
            )
        }
        var byCitizen: [String] = []
        if !incoming.citizenId.isEmpty {
            byCitizen = try String.fetchAll(
                db.cachedStatement(sql: "SELECT id FROM member WHERE citizen_id = ? AND voided = 0"),
                arguments: [incoming.citizenId]
            )
        }
        let matchID: String?
        if let byCard {
            if byCitizen.contains(where: { $0 != byCard }) {
                throw ImportRefusal(
                    "citizen_id",
                    "ambiguous_match",
                    "party card \(incoming.partyCardNumber) is one member's, citizen ID \(incoming.citizenId) another's"
                )
            }
            matchID = byCard
        } else if byCitizen.count > 1 {
            throw ImportRefusal(
                "citizen_id",
                "ambiguous_match",
                "citizen ID \(incoming.citizenId) names several members"
            )
        } else if let only = byCitizen.first {
            let stored = try loadMember(db, sql: "SELECT record FROM member WHERE id = ?", only)
            if let card = stored?.partyCardNumber, !card.isEmpty, !incoming.partyCardNumber.isEmpty {
                // The citizen ID is a member's with another card number.
                throw ImportRefusal(
                    "party_card_number",
                    "ambiguous_match",
                    "citizen ID \(incoming.citizenId) is the member with party card \(card)"
                )
            }
            matchID = only
        } else {
            matchID = nil
        }
        guard let matchID else {
            let inserted = try insertMember(db, incoming, context: application.context, write: true)
            try recordEffect(db, &application, entity: "member", id: inserted.id, before: nil, revision: 1)
            try claim(db, application, key: "member|\(inserted.id)")
            return .inserted
        }
        guard let stored = try loadMember(db, sql: "SELECT record FROM member WHERE id = ?", matchID) else {
            throw StoreError.notFound(entity: "member", id: matchID)
        }
        try requireScope(db, application, stored.cellId, field: "", "the member this row names belongs to a cell that")
        if stored.meta?.voided == true {
            throw ImportRefusal("", "conflict", "the member \(matchID) this row names was voided")
        }
        try requireFirst(db, application, key: "member|\(matchID)", what: "this member")
        switch application.batch.onConflict {
        case .skip:
            try claim(db, application, key: "member|\(matchID)")
            return .skipped
        case .fail: throw ImportRefusal("", "already_exists", "member \(matchID) already exists")
        default: break
        }
        var merged = stored
        mergeProfile(from: incoming, into: &merged)
        try claim(db, application, key: "member|\(matchID)")
        if merged == stored { return .skipped }
        try checkPartyCard(db, merged.partyCardNumber, excluding: merged.id)
        let saved = try saveMember(db, merged, change: "update", context: application.context, write: true)
        try recordEffect(
            db,
            &application,
            entity: "member",
            id: saved.id,
            before: Data(try stored.serializedBytes()),
            revision: saved.meta?.revision ?? 0
        )
        return .updated
    }

    /// Copies the profile fields the row fills onto the stored member; the cell and the events
    /// stay as stored (a move is a transfer, not an import).
    private static func mergeProfile(from row: Member, into stored: inout Member) {
        if !row.partyCardNumber.isEmpty { stored.partyCardNumber = row.partyCardNumber }
        if !row.citizenId.isEmpty { stored.citizenId = row.citizenId }
        if !row.fullName.isEmpty && row.fullName != stored.fullName {
            stored.fullName = row.fullName
            (stored.familyName, stored.middleName, stored.givenName) = (row.familyName, row.middleName, row.givenName)
            fillNames(&stored)
        }
        if row.gender.rawValue != 0 { stored.gender = row.gender }
        if row.birthDate != nil { stored.birthDate = row.birthDate }
        if !row.ethnicity.isEmpty { stored.ethnicity = row.ethnicity }
        if !row.homePlace.isEmpty { stored.homePlace = row.homePlace }
        if !row.phone.isEmpty { stored.phone = row.phone }
        if row.admittedOn != nil { stored.admittedOn = row.admittedOn }
        if row.officialOn != nil { stored.officialOn = row.officialOn }
        if !row.note.isEmpty { stored.note = row.note }
    }
}
