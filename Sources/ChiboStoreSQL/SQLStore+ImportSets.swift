import ChiboDomain
import ChiboModel
import ChiboStore
import Foundation

/// The set path of an import batch: new records checked together and written together.
///
/// A batch's rows are first classified. A row that creates a record no other row of the batch
/// and nothing stored already names (its card number, citizen ID, meeting key or cell, date,
/// kind and start time) is checked in memory, by the same checks the one-at-a-time services
/// use, against what a few queries per batch read (the units it names, the stored keys, each
/// cell's members); the rows that pass are written with multi-row statements per table, and
/// a row that fails is reported and left out: nothing of it was written, so no savepoint is
/// needed. The rest — rows that update, skip or conflict with a stored record, or share a key
/// with another row of the batch — go through the row path afterwards, in file order, with
/// the conflict policy, claims and savepoints as before. Outcomes do not depend on the path.
extension SQLStore {
    /// What the set path did with a batch: the rows it left to the row path (in file order),
    /// the rows it refused, how many records it created and how many rows it skipped.
    struct ImportSetOutcome {
        var remaining: [ImportRow] = []
        var rejections: [RowRejection] = []
        var inserted: Int64 = 0
        var skipped: Int64 = 0
    }

    /// What a batch looks up once: the units its rows name and whether the caller may write
    /// to each.
    struct BatchReferences {
        private var units: [String: Result<OrgUnit, ImportRefusal>] = [:]
        private var scope: [String: Bool] = [:]

        /// The unit `reference` names (see `resolveUnit`), read once per batch.
        mutating func unit(_ db: any SQLDatabase, _ reference: String, field: String) throws -> OrgUnit {
            let key = field + "\u{1F}" + normalised(reference)
            if let known = units[key] { return try known.get() }
            let result: Result<OrgUnit, ImportRefusal>
            do {
                result = .success(try resolveUnit(db, reference, field: field))
            } catch let refusal as ImportRefusal {
                result = .failure(refusal)
            }
            units[key] = result
            return try result.get()
        }

        /// Refuses as `requireScope` does, asking the store once per unit and batch.
        mutating func requireScope(
            _ db: any SQLDatabase,
            _ application: ImportApplication,
            _ unitID: String,
            field: String,
            _ what: String
        ) throws {
            let allowed = try scope[unitID] ?? inScope(db, unitID, application.batch.writableUnits)
            scope[unitID] = allowed
            if !allowed { throw ImportRefusal(field, "out_of_scope", "\(what) is \(outsideScope)") }
        }
    }

    /// Applies what the set path can of a batch (members, meetings and status events; other
    /// kinds go through the row path whole).
    static func applySet(
        _ db: any SQLDatabase,
        _ rows: [ImportRow],
        _ application: inout ImportApplication
    ) throws -> ImportSetOutcome {
        switch application.batch.entity {
        case .members: return try applyMemberSet(db, rows, &application)
        case .meetings: return try applyMeetingSet(db, rows, &application)
        case .statusEvents: return try applyStatusEventSet(db, rows, &application)
        default: return ImportSetOutcome(remaining: rows)
        }
    }

    /// A row's refusal: an `ImportRefusal` as thrown, a store error as the row path words it,
    /// with the ids in its message replaced by how the file named them.
    static func rejection(_ error: Error, row: Int32, labels: [String: String]) throws -> RowRejection {
        let refusal: ImportRefusal
        switch error {
        case let thrown as ImportRefusal: refusal = thrown
        case let store as StoreError:
            refusal = Self.refusal(for: store)
        default: throw error
        }
        var message = refusal.message
        if !(error is ImportRefusal) {
            for (id, label) in labels { message = message.replacingOccurrences(of: id, with: label) }
        }
        return RowRejection(row: row, field: refusal.field, code: refusal.code, message: message)
    }

    // MARK: Members

    /// New members: rows whose card number and citizen ID no stored member and no other row
    /// of the batch has.
    private static func applyMemberSet(
        _ db: any SQLDatabase,
        _ rows: [ImportRow],
        _ application: inout ImportApplication
    ) throws -> ImportSetOutcome {
        var outcome = ImportSetOutcome()
        var cards: [String: Int] = [:]
        var citizens: [String: Int] = [:]
        for row in rows {
            guard case .member(let member)? = row.record else { continue }
            if !member.partyCardNumber.isEmpty { cards[member.partyCardNumber, default: 0] += 1 }
            if !member.citizenId.isEmpty { citizens[member.citizenId, default: 0] += 1 }
        }
        // The row path matches a card among all members, voided or not, and a citizen ID among
        // members not voided.
        let storedCards = try existingValues(
            db,
            sql: "SELECT party_card_number FROM member WHERE party_card_number IN",
            Array(cards.keys)
        )
        let storedCitizens = try existingValues(
            db,
            sql: "SELECT citizen_id FROM member WHERE voided = 0 AND citizen_id IN",
            Array(citizens.keys)
        )
        var references = BatchReferences()
        var accepted: [(member: Member, row: Int32)] = []
        for row in rows {
            let number = row.rowNumbers.first ?? 0
            guard case .member(var incoming)? = row.record else {
                outcome.remaining.append(row)
                continue
            }
            let card = incoming.partyCardNumber
            let citizen = incoming.citizenId
            if !card.isEmpty && (storedCards.contains(card) || cards[card, default: 0] > 1)
                || !citizen.isEmpty && (storedCitizens.contains(citizen) || citizens[citizen, default: 0] > 1)
            {
                outcome.remaining.append(row)
                continue
            }
            do {
                if card.isEmpty && citizen.isEmpty {
                    throw ImportRefusal("party_card_number", "missing_key", "a party card number or a citizen ID")
                }
                if normalised(row.unitRef).isEmpty {
                    throw ImportRefusal("cell", "missing_required", "the member's cell")
                }
                let cell = try references.unit(db, row.unitRef, field: "cell")
                incoming.id = ""
                incoming.meta = nil
                incoming.cellId = cell.id
                incoming.cellHistory = []
                try references.requireScope(db, application, cell.id, field: "cell", "the cell")
                try checkCell(cell, id: cell.id)
                let member = try prepareNewMember(incoming, context: application.context)
                try requireInScope(db, context: application.context, entity: "member", before: nil, after: member)
                accepted.append((member, number))
            } catch {
                outcome.rejections.append(try rejection(error, row: number, labels: [:]))
            }
        }
        guard !accepted.isEmpty else { return outcome }
        var members = RowSet(
            "member",
            [
                "party_card_number", "cell_id", "status", "name_key", "sort_key", "voided", "revision", "record",
                "citizen_id", "id", "no",
            ]
        )
        var periods = RowSet("member_cell", ["member_id", "cell_id", "valid_from", "valid_to"])
        var events = RowSet("member_event", ["id", "member_id", "kind", "effective_on", "other_unit_id", "record"])
        var records: [String: [UInt8]] = [:]
        var number = try nextNumber(db, table: "member")
        for (member, _) in accepted {
            let bytes = try member.serializedBytes()
            records[member.id] = bytes
            members.append([
                member.partyCardNumber.isEmpty ? nil : member.partyCardNumber,
                member.cellId.isEmpty ? nil : member.cellId, member.status.rawValue, SearchKeys.fold(member.fullName),
                sortKey(of: member), 0, 1, Data(bytes), member.citizenId.isEmpty ? nil : member.citizenId, member.id,
                number,
            ])
            number += 1
            for period in member.cellHistory {
                periods.append([
                    member.id, period.cellId, DateKeys.key(period.valid?.from), DateKeys.key(period.valid?.to),
                ])
            }
            for event in member.events {
                events.append([
                    event.id, member.id, event.kind.rawValue, DateKeys.key(event.effectiveOn) ?? "",
                    event.otherUnitId.isEmpty ? nil : event.otherUnitId, Data(try event.serializedBytes()),
                ])
            }
        }
        try members.write(db)
        try periods.write(db)
        try events.write(db)
        try logCreations(
            db,
            entity: "member",
            change: "create",
            accepted.map { ($0.member.id, $0.row) },
            records: records,
            &application
        )
        outcome.inserted = Int64(accepted.count)
        return outcome
    }

    /// The values among `values` that `sql` (one column, ending with `IN`) finds.
    private static func existingValues(
        _ db: any SQLDatabase,
        sql: String,
        _ values: [String]
    ) throws -> Set<String> {
        Set(try rows(db, in: sql, values).map { $0[0] as String })
    }

    // MARK: Meetings

    /// A meeting row the set path has classified: its cell and date resolved.
    private struct MeetingCandidate {
        let row: ImportRow
        let meeting: Meeting
        let cell: OrgUnit
        let heldOn: String
        let meetingKey: String

        /// What makes the meeting the same as another: cell, date, kind and start time.
        var identity: String {
            "\(cell.id)\u{1F}\(heldOn)\u{1F}\(meeting.kind.rawValue)\u{1F}\(meeting.startMinute)"
        }
    }

    /// New meetings: rows whose meeting key no stored mapping and no other row has, and whose
    /// cell, date, kind and start time no stored meeting (not voided) and no other row has.
    private static func applyMeetingSet(
        _ db: any SQLDatabase,
        _ rows: [ImportRow],
        _ application: inout ImportApplication
    ) throws -> ImportSetOutcome {
        var outcome = ImportSetOutcome()
        var references = BatchReferences()
        // First the checks the row path makes before it looks for a stored meeting, in its order.
        var candidates: [MeetingCandidate?] = []
        for row in rows {
            let number = row.rowNumbers.first ?? 0
            guard case .meeting(let meeting)? = row.record else {
                candidates.append(nil)
                continue
            }
            do {
                if normalised(row.unitRef).isEmpty {
                    throw ImportRefusal("cell", "missing_required", "the meeting's cell")
                }
                let cell = try references.unit(db, row.unitRef, field: "cell")
                try references.requireScope(db, application, cell.id, field: "cell", "the cell")
                guard let heldOn = DateKeys.key(meeting.heldOn) else {
                    throw ImportRefusal("held_on", "missing_required", "the meeting's date")
                }
                if row.attendees.count != meeting.attendance.count {
                    throw ImportRefusal(
                        "attendees",
                        "invalid",
                        "\(meeting.attendance.count) attendance records but \(row.attendees.count) attendees"
                    )
                }
                candidates.append(
                    MeetingCandidate(
                        row: row,
                        meeting: meeting,
                        cell: cell,
                        heldOn: heldOn,
                        meetingKey: normalised(row.meetingKey)
                    )
                )
            } catch {
                candidates.append(nil)
                outcome.rejections.append(try rejection(error, row: number, labels: [:]))
            }
        }
        let found = candidates.compactMap { $0 }
        let mappedKeys = try existingValues(
            db,
            sql: "SELECT meeting_key FROM import_meeting_key WHERE meeting_key IN",
            Array(Set(found.map(\.meetingKey).filter { !$0.isEmpty }))
        )
        let storedIdentities = try storedMeetingIdentities(db, found)
        var identities: [String: Int] = [:]
        var keys: [String: Int] = [:]
        for candidate in found {
            identities[candidate.identity, default: 0] += 1
            if !candidate.meetingKey.isEmpty { keys[candidate.meetingKey, default: 0] += 1 }
        }
        var attendees: [MemberKey] = []
        for candidate in found {
            attendees += candidate.row.attendees
            attendees += [candidate.row.chair, candidate.row.recorder].compactMap { $0 }
        }
        let cards = try membersByCard(db, attendees)
        var members: [String: [Member]] = [:]
        var accepted: [(meeting: Meeting, row: Int32, key: String)] = []
        for (row, candidate) in zip(rows, candidates) {
            guard let candidate else {
                if case .meeting? = row.record {} else { outcome.remaining.append(row) }
                continue
            }
            if mappedKeys.contains(candidate.meetingKey) || storedIdentities.contains(candidate.identity)
                || identities[candidate.identity, default: 0] > 1 || keys[candidate.meetingKey, default: 0] > 1
            {
                outcome.remaining.append(row)
                continue
            }
            var labels: [String: String] = [:]
            do {
                let cell = candidate.cell
                var incoming = candidate.meeting
                incoming.id = ""
                incoming.meta = nil
                incoming.cellId = cell.id
                var names: [String: String] = [:]
                labels[cell.id] = cell.code.isEmpty ? cell.name : cell.code
                for (index, key) in row.attendees.enumerated() {
                    let member = try resolveMember(db, key, cellID: cell.id, field: "attendees[\(index)]", cards: cards)
                    incoming.attendance[index].memberId = member.id
                    labels[member.id] = label(of: member)
                    if incoming.attendance[index].fullName.isEmpty {
                        incoming.attendance[index].fullName = member.fullName
                    }
                    names[normalised(member.fullName)] = member.id
                }
                incoming.chairMemberId = try optionalMember(db, row.chair, cellID: cell.id, cards: cards)?.id ?? ""
                incoming.recorderMemberId =
                    try optionalMember(db, row.recorder, cellID: cell.id, cards: cards)?.id ?? ""
                for index in incoming.guests.indices { incoming.guests[index].memberId = "" }
                for index in incoming.contributions.indices {
                    incoming.contributions[index].memberId =
                        names[normalised(incoming.contributions[index].speakerName)] ?? ""
                }
                for index in incoming.resolutions.indices {
                    incoming.resolutions[index].id = ""
                    incoming.resolutions[index].meetingId = ""
                    incoming.resolutions[index].meta = nil
                    incoming.resolutions[index].ownerMemberId = ""
                }
                // Recorded as Meetings.Record records it (`insertMeeting`), with the cell's
                // members read once per batch.
                incoming.id = RecordID.make("mt")
                if members[cell.id] == nil { members[cell.id] = try meetingCandidates(db, cellID: cell.id) }
                try checkMeeting(
                    &incoming,
                    cell: cell,
                    candidates: members[cell.id] ?? [],
                    partialAttendance: true,
                    memberExists: { try exists(db, table: "member", id: $0) }
                )
                prepareResolutions(&incoming, previous: [], context: application.context)
                incoming.meta = RecordMeta(
                    revision: 1,
                    createdAtMs: application.context.nowMs,
                    updatedAtMs: application.context.nowMs,
                    updatedBy: application.context.actor
                )
                try requireInScope(
                    db,
                    context: application.context,
                    entity: "meeting",
                    before: nil,
                    after: incoming
                )
                accepted.append((incoming, row.rowNumbers.first ?? 0, candidate.meetingKey))
            } catch {
                outcome.rejections.append(try rejection(error, row: row.rowNumbers.first ?? 0, labels: labels))
            }
        }
        guard !accepted.isEmpty else { return outcome }
        let records = try writeNewMeetings(db, accepted.map(\.meeting), keys: accepted.map(\.key), &application)
        try logCreations(
            db,
            entity: "meeting",
            change: "record",
            accepted.map { ($0.meeting.id, $0.row) },
            records: records,
            &application
        )
        outcome.inserted = Int64(accepted.count)
        return outcome
    }

    /// The identities (see `MeetingCandidate.identity`) of the stored meetings, not voided,
    /// of the candidates' cells on their dates: one query per 200 cells.
    private static func storedMeetingIdentities(
        _ db: any SQLDatabase,
        _ candidates: [MeetingCandidate]
    ) throws -> Set<String> {
        var datesByCell: [String: Set<String>] = [:]
        for candidate in candidates { datesByCell[candidate.cell.id, default: []].insert(candidate.heldOn) }
        let cells = datesByCell.keys.sorted()
        var found = Set<String>()
        var start = 0
        while start < cells.count {
            let chunk = Array(cells[start..<min(cells.count, start + 200)])
            let dates = chunk.flatMap { datesByCell[$0] ?? [] }
            guard let first = dates.min(), let last = dates.max() else { break }
            let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
            var arguments = SQLArguments(values: chunk.map(\.sqlValue))
            arguments += [first, last]
            for row in try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT cell_id, held_on, kind, start_minute FROM meeting
                    WHERE voided = 0 AND cell_id IN (\(placeholders)) AND held_on >= ? AND held_on <= ?
                    """,
                arguments: arguments
            ) {
                let cell: String = row["cell_id"]
                let heldOn: String = row["held_on"]
                let kind: Int64 = row["kind"]
                let start: Int64 = row["start_minute"]
                found.insert("\(cell)\u{1F}\(heldOn)\u{1F}\(kind)\u{1F}\(start)")
            }
            start += chunk.count
        }
        return found
    }

    /// Writes new meetings as `writeMeeting` writes one (the record with its counts, its
    /// attendance and resolutions, the file's meeting keys), table by table, then recounts
    /// each cell and month they fall in once. Returns each meeting's record bytes by id.
    private static func writeNewMeetings(
        _ db: any SQLDatabase,
        _ meetings: [Meeting],
        keys: [String],
        _ application: inout ImportApplication
    ) throws -> [String: [UInt8]] {
        var records: [String: [UInt8]] = [:]
        var rows = RowSet(
            "meeting",
            [
                "cell_id", "held_on", "kind", "voided", "revision", "record", "id", "start_minute", "end_minute",
                "expected_count", "present_count", "excused_count", "unexcused_count", "not_recorded_count",
                "spoke_count", "supervisor_present", "no",
            ]
        )
        var attendance = attendanceRows()
        let members = try memberNumbers(db, meetings.flatMap { $0.attendance.map(\.memberId) })
        var number = try nextNumber(db, table: "meeting")
        var resolutions = RowSet(
            "resolution",
            ["id", "meeting_id", "owner_member_id", "due_on", "status", "revision", "record"]
        )
        var mapped = RowSet("import_meeting_key", ["meeting_key", "meeting_id", "import_id"])
        var months = Set<String>()
        var recounts: [(cell: String, heldOn: String)] = []
        for (meeting, key) in zip(meetings, keys) {
            let heldOn = DateKeys.key(meeting.heldOn) ?? ""
            let summary = MeetingSummary(of: meeting)
            let bytes = try meeting.serializedBytes()
            records[meeting.id] = bytes
            rows.append([
                meeting.cellId, heldOn, meeting.kind.rawValue, 0, 1, Data(bytes), meeting.id,
                summary.startMinute, summary.endMinute, summary.expected, summary.present, summary.absentExcused,
                summary.absentUnexcused, summary.notRecorded, summary.spoke, summary.supervisorPresent ? 1 : 0,
                number,
            ])
            try addAttendance(of: meeting, number: number, members: members, to: &attendance)
            number += 1
            for resolution in meeting.resolutions {
                resolutions.append([
                    resolution.id, meeting.id, resolution.ownerMemberId.isEmpty ? nil : resolution.ownerMemberId,
                    DateKeys.key(resolution.dueOn), resolution.status.rawValue, resolution.meta?.revision ?? 1,
                    Data(try resolution.serializedBytes()),
                ])
            }
            if !key.isEmpty { mapped.append([key, meeting.id, application.batch.importID]) }
            if months.insert("\(meeting.cellId)\u{1F}\(heldOn.prefix(7))").inserted {
                recounts.append((meeting.cellId, heldOn))
            }
        }
        try rows.write(db)
        try attendance.write(db)
        try resolutions.write(db)
        try mapped.write(db)
        for (cell, heldOn) in recounts { try recountCellMonth(db, cellID: cell, heldOn: heldOn) }
        return records
    }

    // MARK: Changes, effects and claims

    /// A change a batch logs: the record's id and revision after it, its bytes (for the audit),
    /// and the bytes the change log keeps (nil when the record's row holds them).
    struct BatchChange {
        let id: String
        let revision: Int64
        let record: [UInt8]
        let kept: Data?

        /// The key `logBatchChanges` returns positions by.
        var key: String { Self.key(id, revision) }

        /// The key of the change that left record `id` at `revision`.
        static func key(_ id: String, _ revision: Int64) -> String { "\(id)\u{1F}\(revision)" }
    }

    /// Logs a batch's changes of `entity` with multi-row statements, adds them to the batch's
    /// pending audit in the order of their positions (the order the audit's digest takes), and
    /// returns each change's position by `BatchChange.key`.
    static func logBatchChanges(
        _ db: any SQLDatabase,
        entity: String,
        change: String,
        _ changes: [BatchChange],
        context: MutationContext
    ) throws -> [String: Int64] {
        var rows = RowSet(
            "change_log",
            ["at_ms", "actor", "entity", "entity_id", "revision", "change", "record"],
            tail: "RETURNING seq, entity_id, revision"
        )
        for logged in changes {
            rows.append([context.nowMs, context.actor, entity, logged.id, logged.revision, change, logged.kept])
        }
        var positions: [String: Int64] = [:]
        try rows.write(db) { row in positions[BatchChange.key(row["entity_id"], row["revision"])] = row["seq"] }
        guard positions.count == changes.count else {
            throw StoreError.unavailable(
                "the change log returned \(positions.count) positions for \(changes.count) changes"
            )
        }
        for logged in changes.sorted(by: { positions[$0.key] ?? 0 < positions[$1.key] ?? 0 }) {
            addToPendingAudit(
                db,
                StoredChange(
                    seq: positions[logged.key] ?? 0,
                    atMs: context.nowMs,
                    actor: context.actor,
                    entity: entity,
                    entityID: logged.id,
                    revision: logged.revision,
                    change: change,
                    record: logged.record
                ),
                context: context
            )
        }
        return positions
    }

    /// The rows of a batch's undo effects (`import_effect`).
    static func importEffectRows() -> RowSet {
        RowSet(
            "import_effect",
            ["import_id", "seq", "entity", "record_id", "effect", "before", "revision", "before_seq"]
        )
    }

    /// The rows of a batch's claims (`import_key`): a key claimed twice keeps its first row.
    static func importKeyClaims() -> RowSet {
        RowSet("import_key", ["import_id", "natural_key", "row"], tail: "ON CONFLICT DO NOTHING")
    }

    /// Logs the creation of records just written (their rows hold exactly `records`, so the
    /// change log keeps no copy), adds them to the batch's pending audit, notes them as
    /// created for undo and claims them for the import: one multi-row statement per table.
    private static func logCreations(
        _ db: any SQLDatabase,
        entity: String,
        change: String,
        _ created: [(id: String, row: Int32)],
        records: [String: [UInt8]],
        _ application: inout ImportApplication
    ) throws {
        _ = try logBatchChanges(
            db,
            entity: entity,
            change: change,
            created.map { BatchChange(id: $0.id, revision: 1, record: records[$0.id] ?? [], kept: nil) },
            context: application.context
        )
        var effects = importEffectRows()
        var claims = importKeyClaims()
        for (id, row) in created {
            effects.append([application.batch.importID, application.nextEffect, entity, id, "created", nil, 1, nil])
            application.nextEffect += 1
            claims.append([application.batch.importID, "\(entity)|\(id)", row])
        }
        try effects.write(db)
        try claims.write(db)
    }
}
