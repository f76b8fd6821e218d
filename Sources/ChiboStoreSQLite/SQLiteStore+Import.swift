import ChiboModel
import ChiboStore
import Foundation
import GRDB

extension SQLiteStore {
    /// Applies one batch of a member import (see `Store.importMembers`).
    public func importMembers(
        _ batch: MemberImportBatch,
        context: MutationContext
    ) async throws
        -> ImportBatchOutcome
    {
        let outcome = try await pool.writeWithoutTransaction { db in
            var outcome: ImportBatchOutcome?
            try db.inTransaction(.immediate) {
                outcome = try Self.applyMemberBatch(db, batch, context: context)
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
        try await pool.read { db in try Self.loadCheckpoint(db, importID: importID) }
    }

    static func loadCheckpoint(_ db: Database, importID: String) throws -> ImportCheckpoint? {
        guard
            let row = try Row.fetchOne(
                db,
                sql: "SELECT * FROM import_checkpoint WHERE import_id = ?",
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
            updatedAtMs: row["updated_at_ms"]
        )
    }

    private static func applyMemberBatch(
        _ db: Database,
        _ batch: MemberImportBatch,
        context: MutationContext
    ) throws -> ImportBatchOutcome {
        var checkpoint =
            try loadCheckpoint(db, importID: batch.importID)
            ?? ImportCheckpoint(
                importId: batch.importID,
                entity: .members,
                counts: ImportCounts(),
                actor: context.actor
            )
        if checkpoint.entity != .members {
            throw StoreError.failedPrecondition("import \(batch.importID) is an import of \(checkpoint.entity)")
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
        for row in batch.rows {
            switch try importMember(db, row, batch, context: context) {
            case .inserted: counts.inserted += 1
            case .updated: counts.updated += 1
            case .skipped: counts.skipped += 1
            case .rejected(let rejection):
                counts.rejected += 1
                rejections.append(rejection)
            }
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
        try db.execute(
            sql: """
                INSERT INTO import_checkpoint (import_id, entity, last_batch, read_count, inserted_count, updated_count,
                    skipped_count, rejected_count, actor, updated_at_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(import_id) DO UPDATE SET last_batch = excluded.last_batch, read_count = excluded.read_count,
                    inserted_count = excluded.inserted_count, updated_count = excluded.updated_count,
                    skipped_count = excluded.skipped_count, rejected_count = excluded.rejected_count,
                    updated_at_ms = excluded.updated_at_ms
                """,
            arguments: [
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

    private enum RowOutcome {
        case inserted, updated, skipped
        case rejected(RowRejection)
    }

    /// Finds the stored member a row names: by card number, by citizen ID, refusing a row whose
    /// two keys name two different members.
    private static func importMember(
        _ db: Database,
        _ row: MemberImportRow,
        _ batch: MemberImportBatch,
        context: MutationContext
    ) throws -> RowOutcome {
        let incoming = row.member
        func reject(_ field: String, _ code: String, _ message: String) -> RowOutcome {
            .rejected(RowRejection(row: row.row, field: field, code: code, message: message))
        }
        let outOfScope = "outside the units your token may change"
        if let writable = batch.writableUnits, !writable.contains(incoming.cellId) {
            return reject("cell", "out_of_scope", "the cell is \(outOfScope)")
        }
        var byCard: String?
        if !incoming.partyCardNumber.isEmpty {
            byCard = try String.fetchOne(
                db,
                sql: "SELECT id FROM member WHERE party_card_number = ?",
                arguments: [incoming.partyCardNumber]
            )
        }
        var byCitizen: [String] = []
        if !incoming.citizenId.isEmpty {
            byCitizen = try String.fetchAll(
                db,
                sql: "SELECT id FROM member WHERE citizen_id = ? AND voided = 0",
                arguments: [incoming.citizenId]
            )
        }
        let matchID: String?
        if let byCard {
            if byCitizen.contains(where: { $0 != byCard }) {
                return reject(
                    "citizen_id",
                    "ambiguous_match",
                    "party card \(incoming.partyCardNumber) is one member's, citizen ID \(incoming.citizenId) another's"
                )
            }
            matchID = byCard
        } else if byCitizen.count > 1 {
            return reject("citizen_id", "ambiguous_match", "citizen ID \(incoming.citizenId) names several members")
        } else if let only = byCitizen.first {
            let stored = try loadMember(db, sql: "SELECT record FROM member WHERE id = ?", only)
            if let card = stored?.partyCardNumber, !card.isEmpty, !incoming.partyCardNumber.isEmpty {
                // The citizen ID is a member's with another card number.
                return reject(
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
            do {
                try insertImportedMember(db, incoming, context: context)
            } catch StoreError.failedPrecondition(let message) {
                return reject("", "invalid", message)
            }
            return .inserted
        }
        guard var stored = try loadMember(db, sql: "SELECT record FROM member WHERE id = ?", matchID) else {
            throw StoreError.notFound(entity: "member", id: matchID)
        }
        if let writable = batch.writableUnits, !writable.contains(stored.cellId) {
            return reject("", "out_of_scope", "the member this row names belongs to a cell \(outOfScope)")
        }
        if stored.meta?.voided == true {
            return reject("", "conflict", "the member \(matchID) this row names was voided")
        }
        switch batch.onConflict {
        case .skip: return .skipped
        case .fail: return reject("", "already_exists", "member \(matchID) already exists")
        default: break
        }
        let before = stored
        Self.mergeProfile(from: incoming, into: &stored)
        if stored == before { return .skipped }
        Self.bumpRevision(&stored.meta, context: context)
        try writeMember(db, stored, insert: false)
        try logChange(
            db,
            context: context,
            entity: "member",
            id: stored.id,
            revision: stored.meta?.revision ?? 0,
            change: "update",
            record: stored
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

    private static func insertImportedMember(_ db: Database, _ incoming: Member, context: MutationContext) throws {
        var member = incoming
        member.id = "m-" + UUID().uuidString.lowercased()
        try checkCell(db, member.cellId)
        fillNames(&member)
        member.cellHistory = member.cellId.isEmpty ? [] : [CellPeriod(cellId: member.cellId)]
        for index in member.events.indices {
            member.events[index].id = "ev-" + UUID().uuidString.lowercased()
        }
        do {
            member.status = try MemberLifecycle.replay(member.events).status
        } catch {
            throw StoreError.failedPrecondition(error.message)
        }
        member.meta = RecordMeta(
            revision: 1,
            createdAtMs: context.nowMs,
            updatedAtMs: context.nowMs,
            updatedBy: context.actor
        )
        try writeMember(db, member, insert: true)
        try logChange(
            db,
            context: context,
            entity: "member",
            id: member.id,
            revision: 1,
            change: "create",
            record: member
        )
    }
}
