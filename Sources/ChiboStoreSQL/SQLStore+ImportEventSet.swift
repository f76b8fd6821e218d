import ChiboDomain
import ChiboModel
import ChiboStore
import Foundation

/// The set path of a status-event batch: new events checked in memory and written together.
///
/// An event changes its member: the lifecycle decides the member's status from its events, and
/// each event is a revision with its change logged. The row path reads the member, appends
/// one event and writes the member back, about fifteen statements a row; here a batch's
/// members are read in two queries, each member's new events are applied in memory in file
/// order by the same function (`appendStatusEvent`, not writing), and the batch writes each
/// member's last revision, the new events, the change log's entries (the revisions between
/// in full, as `supersede` would have moved them), the undo effects and the claims, a few
/// multi-row statements in all.
///
/// A row naming an event the member has stored (same kind and date) is skipped and claims it
/// for the import under `skip`, and is refused as `already_exists` under `fail`, as `matched`
/// does; a roster's import makes the admission events a status-event file then repeats, so
/// these are most of such a file's rows. A member goes to the row path whole — every row
/// naming it, in file order — when two rows name one event, or a row names a stored event
/// under `update` (the row path merges it). A batch with a row that
/// names its member by name alone goes to the row path whole, since which member a name means
/// is found among a cell's members, which this path does not read.
extension SQLStore {
    /// A status-event row whose member was found: the event as it will be appended.
    private struct EventCandidate {
        let row: ImportRow
        let number: Int32
        let memberID: String
        var event: StatusEvent
    }

    /// An event the set path applied: the member before it and after it.
    private struct AppliedEvent {
        let number: Int32
        let before: Member
        let after: Member
        let eventID: String
    }

    /// New status events: rows whose member, kind and date no stored event and no other row has.
    static func applyStatusEventSet(
        _ db: any SQLDatabase,
        _ rows: [ImportRow],
        _ application: inout ImportApplication
    ) throws -> ImportSetOutcome {
        var keys: [MemberKey] = []
        for row in rows {
            guard case .statusEvent? = row.record, let key = row.memberKey, !isEmpty(key) else { continue }
            if key.partyCardNumber.isEmpty && key.citizenId.isEmpty && key.cardOrCitizenId.isEmpty {
                return ImportSetOutcome(remaining: rows)
            }
            keys.append(key)
        }
        var outcome = ImportSetOutcome()
        let cards = try membersByCard(db, keys)
        let citizens = try membersByCitizen(db, keys)
        var stored: [String: Member] = [:]
        for member in cards.values { stored[member.id] = member }
        for members in citizens.values { for member in members { stored[member.id] = member } }
        // The checks the row path makes before it looks at the member's events, in its order;
        // none depends on what earlier rows of the batch applied.
        var references = BatchReferences()
        var candidates: [EventCandidate?] = []
        for row in rows {
            let number = row.rowNumbers.first ?? 0
            guard case .statusEvent(var event)? = row.record else {
                candidates.append(nil)
                continue
            }
            do {
                guard let key = row.memberKey, !isEmpty(key) else {
                    throw ImportRefusal(
                        "party_card_number",
                        "missing_key",
                        "the member: a party card number or a citizen ID"
                    )
                }
                var cellID: String?
                if !normalised(row.unitRef).isEmpty {
                    cellID = try references.unit(db, row.unitRef, field: "cell").id
                }
                let member = try resolveMember(
                    db,
                    key,
                    cellID: cellID,
                    field: "member",
                    cards: cards,
                    citizens: citizens
                )
                try references.requireScope(db, application, member.cellId, field: "member", "the member's cell")
                event.id = ""
                event.meta = nil
                event.otherUnitId = ""
                if !normalised(row.otherUnitRef).isEmpty {
                    event.otherUnitId = try references.unit(db, row.otherUnitRef, field: "other_unit").id
                }
                candidates.append(EventCandidate(row: row, number: number, memberID: member.id, event: event))
            } catch {
                candidates.append(nil)
                outcome.rejections.append(try rejection(error, row: number, labels: [:]))
            }
        }
        // Each row's event: new, or one the member has stored. A member whose rows name one
        // event twice, or (under `update`) a stored event, goes to the row path whole.
        let policy = application.batch.onConflict
        var storedEvents: [String: [String: StatusEvent]] = [:]
        var named: [String: Set<String>] = [:]
        var rowPathMembers = Set<String>()
        for candidate in candidates.compactMap({ $0 }) {
            let id = candidate.memberID
            if storedEvents[id] == nil {
                var events: [String: StatusEvent] = [:]
                for event in stored[id]?.events ?? [] where events[eventIdentity(event)] == nil {
                    events[eventIdentity(event)] = event
                }
                storedEvents[id] = events
            }
            let identity = eventIdentity(candidate.event)
            if named[id, default: []].insert(identity).inserted == false
                || storedEvents[id]?[identity] != nil && policy != .skip && policy != .fail
            {
                rowPathMembers.insert(id)
            }
        }
        // Stored events an earlier batch of this import already named.
        var keysOfStored: [String] = []
        for candidate in candidates.compactMap({ $0 }) where !rowPathMembers.contains(candidate.memberID) {
            if let event = storedEvents[candidate.memberID]?[eventIdentity(candidate.event)] {
                keysOfStored.append("status_event|\(event.id)")
            }
        }
        var claimedBefore: [String: Int32] = [:]
        if !keysOfStored.isEmpty {
            for row in try Self.rows(
                db,
                in: "SELECT natural_key, row FROM import_key WHERE import_id = ? AND natural_key IN",
                keysOfStored,
                leading: [application.batch.importID]
            ) {
                claimedBefore[row["natural_key"]] = row["row"]
            }
        }
        var current = stored
        var applied: [AppliedEvent] = []
        var claims = importKeyClaims()
        for (row, candidate) in zip(rows, candidates) {
            guard let candidate else {
                if case .statusEvent? = row.record {} else { outcome.remaining.append(row) }
                continue
            }
            if rowPathMembers.contains(candidate.memberID) {
                outcome.remaining.append(row)
                continue
            }
            guard let before = current[candidate.memberID] else {
                throw StoreError.unavailable("member \(candidate.memberID) was found and then not held")
            }
            do {
                if let event = storedEvents[candidate.memberID]?[eventIdentity(candidate.event)] {
                    // As `matched` does: the first row of the import naming it claims it and is
                    // skipped, or refused under `fail`.
                    let what = describeEvent(event.kind, on: DateKeys.key(event.effectiveOn) ?? "", of: before)
                    let key = "status_event|\(event.id)"
                    if let earlier = claimedBefore[key] {
                        throw ImportRefusal(
                            "",
                            "duplicate_in_import",
                            "\(what) is already in this import, at row \(earlier)"
                        )
                    }
                    if policy == .fail { throw ImportRefusal("", "already_exists", "\(what) already exists") }
                    claims.append([application.batch.importID, key, candidate.number])
                    outcome.skipped += 1
                    continue
                }
                let after = try appendStatusEvent(
                    db,
                    to: before,
                    candidate.event,
                    context: application.context,
                    write: false
                )
                try requireInScope(
                    db,
                    context: application.context,
                    entity: "member",
                    before: try before.serializedBytes(),
                    after: after
                )
                applied.append(
                    AppliedEvent(
                        number: candidate.number,
                        before: before,
                        after: after,
                        eventID: after.events.last?.id ?? ""
                    )
                )
                current[candidate.memberID] = after
            } catch {
                outcome.rejections.append(try rejection(error, row: candidate.number, labels: [:]))
            }
        }
        if !applied.isEmpty {
            try writeAppliedEvents(db, applied, &application)
            outcome.inserted = Int64(applied.count)
        }
        try claims.write(db)
        return outcome
    }

    /// What makes two events of one member the same event: kind and effective date.
    private static func eventIdentity(_ event: StatusEvent) -> String {
        "\(event.kind.rawValue)\u{1F}\(DateKeys.key(event.effectiveOn) ?? "")"
    }

    /// Writes what the row path would have written for each applied event, member by member:
    /// the member's last revision and its new events; a change-log entry per revision (the
    /// entry of the version each member had before holding its bytes, as `supersede` leaves
    /// it, and the last revision's entry none, its row holding them); the undo effects, each
    /// naming the entry of the version before it; the pending audit; the claims.
    private static func writeAppliedEvents(
        _ db: any SQLDatabase,
        _ applied: [AppliedEvent],
        _ application: inout ImportApplication
    ) throws {
        let context = application.context
        var last: [String: Member] = [:]
        for event in applied { last[event.after.id] = event.after }
        let memberIDs = Array(last.keys)
        // The entry of each member's version before the batch, given its bytes.
        var previous: [String: Int64] = [:]
        for row in try rows(
            db,
            in: "SELECT entity_id, MAX(seq) AS seq FROM change_log WHERE entity = 'member' AND entity_id IN",
            memberIDs,
            suffix: "GROUP BY entity_id"
        ) {
            previous[row["entity_id"]] = row["seq"]
        }
        let previousSeqs = Array(previous.values)
        try execute(
            db,
            in: """
                UPDATE change_log SET record = (SELECT record FROM member WHERE id = change_log.entity_id)
                WHERE record IS NULL AND seq IN
                """,
            previousSeqs
        )
        var previousBytes: [Int64: Data] = [:]
        for row in try rows(db, in: "SELECT seq, record FROM change_log WHERE seq IN", previousSeqs) {
            previousBytes[row["seq"]] = row["record"]
        }
        try updateMembers(db, Array(last.values))
        var events = RowSet("member_event", ["id", "member_id", "kind", "effective_on", "other_unit_id", "record"])
        var changes: [BatchChange] = []
        for event in applied {
            let member = event.after
            guard let added = member.events.last else { continue }
            events.append([
                added.id, member.id, added.kind.rawValue, DateKeys.key(added.effectiveOn) ?? "",
                added.otherUnitId.isEmpty ? nil : added.otherUnitId, Data(try added.serializedBytes()),
            ])
            let revision = member.meta?.revision ?? 0
            let bytes = try member.serializedBytes()
            let isLast = last[member.id]?.meta?.revision == revision
            changes.append(
                BatchChange(id: member.id, revision: revision, record: bytes, kept: isLast ? nil : Data(bytes))
            )
        }
        try events.write(db)
        let positions = try logBatchChanges(
            db,
            entity: "member",
            change: "status_event",
            changes,
            context: context
        )
        var effects = importEffectRows()
        var claims = importKeyClaims()
        for event in applied {
            let id = event.after.id
            let beforeBytes = Data(try event.before.serializedBytes())
            let beforeRevision = event.before.meta?.revision ?? 0
            // The version before this event: an entry of this batch, or the member's last entry
            // before it when that entry holds the same bytes; else the effect keeps the bytes.
            var beforeSeq = positions[BatchChange.key(id, beforeRevision)]
            if beforeSeq == nil, let seq = previous[id], previousBytes[seq] == beforeBytes { beforeSeq = seq }
            effects.append([
                application.batch.importID, application.nextEffect, "member", id, "updated",
                beforeSeq == nil ? beforeBytes : nil, event.after.meta?.revision ?? 0, beforeSeq,
            ])
            application.nextEffect += 1
            claims.append([application.batch.importID, "status_event|\(event.eventID)", event.number])
        }
        try effects.write(db)
        try claims.write(db)
    }

    /// Writes each member's status, revision and record, as `writeMember` does for a member whose
    /// events alone changed: one statement per 100 members.
    private static func updateMembers(_ db: any SQLDatabase, _ members: [Member]) throws {
        let width = 4
        var start = 0
        while start < members.count {
            let chunk = members[start..<min(members.count, start + 100)]
            var values: [SQLValue] = []
            for member in chunk {
                values += [
                    member.id.sqlValue, member.status.rawValue.sqlValue, (member.meta?.revision ?? 1).sqlValue,
                    Data(try member.serializedBytes()).sqlValue,
                ]
            }
            let tuple = "(" + Array(repeating: "?", count: width).joined(separator: ", ") + ")"
            let tuples = Array(repeating: tuple, count: chunk.count).joined(separator: ", ")
            try db.execute(
                sql: """
                    UPDATE member SET status = v.column2, revision = v.column3, record = v.column4
                    FROM (VALUES \(tuples)) AS v WHERE member.id = v.column1
                    """,
                arguments: SQLArguments(values: values),
                cached: chunk.count == 100
            )
            start += chunk.count
        }
    }
}
