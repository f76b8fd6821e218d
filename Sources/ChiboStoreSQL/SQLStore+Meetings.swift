import ChiboCodec
import ChiboDomain
import ChiboModel
import ChiboStore
import Foundation

extension SQLStore {
    /// Records a meeting (see `Store.recordMeeting`).
    public func recordMeeting(
        _ meeting: Meeting,
        partialAttendance: Bool,
        context: MutationContext
    ) async throws
        -> Meeting
    {
        try await mutate(operation: "meeting.record", context: context) { db, context in
            try Self.insertMeeting(
                db,
                meeting,
                partialAttendance: partialAttendance,
                context: context,
                write: !context.validateOnly
            )
        }
    }

    /// Records a meeting inside a transaction: the checks of `Store.recordMeeting` against the
    /// tree and the membership of the day, then (with `write`) the meeting with its attendance,
    /// resolutions and per-meeting counts, and its logged change. Shared by Meetings.Record and
    /// imports.
    static func insertMeeting(
        _ db: any SQLDatabase,
        _ meeting: Meeting,
        partialAttendance: Bool,
        context: MutationContext,
        write: Bool
    ) throws -> Meeting {
        var meeting = meeting
        // A new id is unique by construction (time and randomness); only a given one is checked.
        if meeting.id.isEmpty {
            meeting.id = RecordID.make("mt")
        } else if try exists(db, table: "meeting", id: meeting.id) {
            throw StoreError.alreadyExists(entity: "meeting", key: meeting.id)
        }
        try checkAgainstStoredData(db, &meeting, partialAttendance: partialAttendance)
        prepareResolutions(&meeting, previous: [], context: context)
        meeting.meta = RecordMeta(
            revision: 1,
            createdAtMs: context.nowMs,
            updatedAtMs: context.nowMs,
            updatedBy: context.actor
        )
        guard write else { return meeting }
        try writeMeeting(db, meeting, insert: true)
        try logChange(
            db,
            context: context,
            entity: "meeting",
            id: meeting.id,
            revision: 1,
            change: "record",
            record: meeting
        )
        return meeting
    }

    /// Amends a meeting (see `Store.amendMeeting`).
    public func amendMeeting(_ meeting: Meeting, mask: [String], context: MutationContext) async throws -> Meeting {
        try await mutate(operation: "meeting.amend", context: context) { db, context in
            guard var stored = try Self.loadMeeting(db, id: meeting.id, revision: nil) else {
                throw StoreError.notFound(entity: "meeting", id: meeting.id)
            }
            try Self.requireCurrent(
                stored.meta,
                entity: "meeting",
                id: meeting.id,
                revision: meeting.meta?.revision ?? 0
            )
            let previousResolutions = stored.resolutions
            for path in mask {
                switch path {
                case "start_minute": stored.startMinute = meeting.startMinute
                case "end_minute": stored.endMinute = meeting.endMinute
                case "kind": stored.kind = meeting.kind
                case "topic": stored.topic = meeting.topic
                case "place": stored.place = meeting.place
                case "agenda": stored.agenda = meeting.agenda
                case "chair_member_id": stored.chairMemberId = meeting.chairMemberId
                case "recorder_member_id": stored.recorderMemberId = meeting.recorderMemberId
                case "guests": stored.guests = meeting.guests
                case "attendance": stored.attendance = meeting.attendance
                case "contributions": stored.contributions = meeting.contributions
                case "minutes": stored.minutes = meeting.minutes
                case "resolutions": stored.resolutions = meeting.resolutions
                case "minutes_approved": stored.minutesApproved = meeting.minutesApproved
                case "quality_score": stored.quality = meeting.quality
                default: throw StoreError.failedPrecondition("field \(path) cannot be changed by an amendment")
                }
            }
            return try Self.saveAmendedMeeting(
                db,
                stored,
                previousResolutions: previousResolutions,
                partialAttendance: false,
                context: context,
                write: !context.validateOnly
            )
        }
    }

    /// Stores an amended meeting inside a transaction: the checks of `Store.amendMeeting`
    /// against the membership of the day, the resolutions' revisions, the next revision with its
    /// counts, and its logged change (with `write`). Shared by Meetings.Amend and imports.
    static func saveAmendedMeeting(
        _ db: any SQLDatabase,
        _ meeting: Meeting,
        previousResolutions: [Resolution],
        partialAttendance: Bool,
        context: MutationContext,
        write: Bool
    ) throws -> Meeting {
        var meeting = meeting
        try checkAgainstStoredData(db, &meeting, partialAttendance: partialAttendance)
        prepareResolutions(&meeting, previous: previousResolutions, context: context)
        bumpRevision(&meeting.meta, context: context)
        guard write else { return meeting }
        try writeMeeting(db, meeting, insert: false)
        try logChange(
            db,
            context: context,
            entity: "meeting",
            id: meeting.id,
            revision: meeting.meta?.revision ?? 0,
            change: "amend",
            record: meeting
        )
        return meeting
    }

    /// A meeting, current or at an earlier revision.
    public func meeting(id: String, revision: Int64?) async throws -> Meeting? {
        try await engine.read { db in try Self.loadMeeting(db, id: id, revision: revision) }
    }

    /// Meetings matching the query, by date then id.
    public func listMeetings(_ query: MeetingQuery) async throws -> Page<Meeting> {
        try await engine.read { db in
            var conditions: [String] = []
            var arguments: SQLArguments = []
            if let subtree = query.subtreeOf {
                arguments += [try Self.currentSubtreeIDs(db, rootID: subtree)]
                conditions.append(db.isOneOf("m.cell_id"))
            }
            if let cell = query.cellID {
                conditions.append("m.cell_id = ?")
                arguments += [cell]
            }
            if let from = DateKeys.key(query.from) {
                conditions.append("m.held_on >= ?")
                arguments += [from]
            }
            if let to = DateKeys.key(query.to) {
                conditions.append("m.held_on < ?")
                arguments += [to]
            }
            if let kind = query.kind {
                conditions.append("m.kind = ?")
                arguments += [kind.rawValue]
            }
            if !query.includeVoided { conditions.append("m.voided = 0") }
            if let after = PageToken.parse(query.pageToken) {
                conditions.append("(m.held_on > ? OR (m.held_on = ? AND m.id > ?))")
                arguments += [after.sortKey, after.sortKey, after.id]
            }
            let limit = max(1, min(query.pageSize, 1000))
            let rows = try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT m.id, m.held_on, m.record FROM meeting m
                    \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
                    ORDER BY m.held_on, m.id LIMIT \(limit + 1)
                    """,
                arguments: arguments
            )
            let meetings = try rows.prefix(limit).map { row in
                try Meeting(serializedBytes: [UInt8](row["record"] as Data))
            }
            var next = ""
            if rows.count > limit, let last = rows.prefix(limit).last {
                next = PageToken.make(sortKey: last["held_on"], id: last["id"])
            }
            return Page(records: meetings, nextPageToken: next)
        }
    }

    /// Gives new resolutions an id and a first revision, and keeps the revision of those that
    /// were already stored.
    static func prepareResolutions(_ meeting: inout Meeting, previous: [Resolution], context: MutationContext) {
        let known = Dictionary(previous.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for index in meeting.resolutions.indices {
            if meeting.resolutions[index].id.isEmpty {
                meeting.resolutions[index].id = RecordID.make("rs")
            }
            meeting.resolutions[index].meetingId = meeting.id
            if let stored = known[meeting.resolutions[index].id] {
                var changed = meeting.resolutions[index]
                changed.meta = stored.meta
                if changed != stored { bumpRevision(&changed.meta, context: context) }
                meeting.resolutions[index] = changed
            } else {
                meeting.resolutions[index].meta = RecordMeta(
                    revision: 1,
                    createdAtMs: context.nowMs,
                    updatedAtMs: context.nowMs,
                    updatedBy: context.actor
                )
            }
        }
    }

    /// Updates a resolution (see `Store.updateResolution`).
    public func updateResolution(
        _ resolution: Resolution,
        mask: [String],
        context: MutationContext
    ) async throws
        -> Resolution
    {
        try await mutate(operation: "resolution.update", context: context) { db, context in
            guard
                let meetingID = try String.fetchOne(
                    db.cachedStatement(sql: "SELECT meeting_id FROM resolution WHERE id = ?"),
                    arguments: [resolution.id]
                ),
                var meeting = try Self.loadMeeting(db, id: meetingID, revision: nil)
            else {
                throw StoreError.notFound(entity: "resolution", id: resolution.id)
            }
            if meeting.meta?.voided == true {
                throw StoreError.failedPrecondition("the meeting of resolution \(resolution.id) is voided")
            }
            guard let index = meeting.resolutions.firstIndex(where: { $0.id == resolution.id }) else {
                throw StoreError.notFound(entity: "resolution", id: resolution.id)
            }
            var stored = meeting.resolutions[index]
            let actual = stored.meta?.revision ?? 0
            let expected = resolution.meta?.revision ?? 0
            guard expected == actual else {
                throw StoreError.staleRevision(
                    entity: "resolution",
                    id: resolution.id,
                    expected: expected,
                    actual: actual
                )
            }
            for path in mask {
                switch path {
                case "status": stored.status = resolution.status
                case "due_on": stored.dueOn = resolution.dueOn
                case "owner_member_id":
                    if !resolution.ownerMemberId.isEmpty,
                        !(try Self.exists(db, table: "member", id: resolution.ownerMemberId))
                    {
                        throw StoreError.invalidRecord([
                            FieldViolation(
                                field: "resolution.owner_member_id",
                                description: "member \(resolution.ownerMemberId) does not exist"
                            )
                        ])
                    }
                    stored.ownerMemberId = resolution.ownerMemberId
                case "owner_name": stored.ownerName = resolution.ownerName
                case "closed_on": stored.closedOn = resolution.closedOn
                case "note": stored.note = resolution.note
                default: throw StoreError.failedPrecondition("field \(path) cannot be changed by an update")
                }
            }
            Self.bumpRevision(&stored.meta, context: context)
            meeting.resolutions[index] = stored
            guard !context.validateOnly else { return stored }
            // The meeting's record shows the resolution's current state; the meeting keeps its
            // revision (an amendment is a change to the minutes, this is the work that followed).
            let record = Data(try meeting.serializedBytes())
            try Self.supersede(db, entity: "meeting", id: meeting.id)
            try db.cachedStatement(sql: "UPDATE meeting SET record = ? WHERE id = ?").execute(arguments: [
                record, meeting.id,
            ])
            try db.cachedStatement(
                sql:
                    "UPDATE resolution SET owner_member_id = ?, due_on = ?, status = ?, revision = ?, record = ? WHERE id = ?"
            ).execute(arguments: [
                stored.ownerMemberId.isEmpty ? nil : stored.ownerMemberId, DateKeys.key(stored.dueOn),
                stored.status.rawValue, stored.meta?.revision ?? 1, Data(try stored.serializedBytes()), stored.id,
            ]
            )
            try Self.logChange(
                db,
                context: context,
                entity: "meeting",
                id: meeting.id,
                revision: meeting.meta?.revision ?? 0,
                change: "resolution_update",
                record: meeting
            )
            return stored
        }
    }

    /// The resolution with this id (see `Store.resolution(id:)`).
    public func resolution(id: String) async throws -> Resolution? {
        try await engine.read { db in
            try Data.fetchOne(db.cachedStatement(sql: "SELECT record FROM resolution WHERE id = ?"), arguments: [id])
                .map { try Resolution(serializedBytes: [UInt8]($0)) }
        }
    }

    /// Resolutions matching the query (see `Store.listResolutions`).
    public func listResolutions(_ query: ResolutionQuery) async throws -> Page<Resolution> {
        try await engine.read { db in
            var conditions = ["m.voided = 0"]
            var arguments: SQLArguments = []
            if let subtree = query.subtreeOf {
                arguments += [try Self.currentSubtreeIDs(db, rootID: subtree)]
                conditions.append(db.isOneOf("m.cell_id"))
            }
            if !query.statuses.isEmpty {
                conditions.append("r.status IN (\(query.statuses.map { _ in "?" }.joined(separator: ", ")))")
                for status in query.statuses { arguments += [status.rawValue] }
            }
            if let before = DateKeys.key(query.dueBefore) {
                conditions.append("r.due_on < ?")
                arguments += [before]
            }
            let dueKey = "COALESCE(r.due_on, '9999-12-31')"
            if let after = PageToken.parse(query.pageToken) {
                conditions.append("(\(dueKey) > ? OR (\(dueKey) = ? AND r.id > ?))")
                arguments += [after.sortKey, after.sortKey, after.id]
            }
            let limit = max(1, min(query.pageSize, 1000))
            let rows = try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT r.id, \(dueKey) AS due_key, r.record FROM resolution r JOIN meeting m ON m.id = r.meeting_id
                    WHERE \(conditions.joined(separator: " AND "))
                    ORDER BY due_key, r.id LIMIT \(limit + 1)
                    """,
                arguments: arguments
            )
            let resolutions = try rows.prefix(limit).map { row in
                try Resolution(serializedBytes: [UInt8](row["record"] as Data))
            }
            var next = ""
            if rows.count > limit, let last = rows.prefix(limit).last {
                next = PageToken.make(sortKey: last["due_key"], id: last["id"])
            }
            return Page(records: resolutions, nextPageToken: next)
        }
    }

    // MARK: Rules against stored data

    /// Checks a meeting against the org tree and the membership on its date, fixes each
    /// record's category, and fills members left out when the list is partial.
    static func checkAgainstStoredData(_ db: any SQLDatabase, _ meeting: inout Meeting, partialAttendance: Bool) throws
    {
        guard DateKeys.key(meeting.heldOn) != nil else {
            throw StoreError.invalidRecord([FieldViolation(field: "meeting.held_on", description: "required")])
        }
        guard let cell = try loadOrgUnit(db, id: meeting.cellId), cell.meta?.voided != true else {
            throw StoreError.invalidRecord([
                FieldViolation(field: "meeting.cell_id", description: "cell \(meeting.cellId) does not exist")
            ])
        }
        try checkMeeting(
            &meeting,
            cell: cell,
            candidates: try meetingCandidates(db, cellID: cell.id),
            partialAttendance: partialAttendance,
            memberExists: { try exists(db, table: "member", id: $0) }
        )
    }

    /// The members who may be expected at a meeting of the cell: its members, those attached
    /// to it and those who came to it or left it by an event. (One union of three indexed
    /// lookups: written with OR, PostgreSQL scans every member.)
    static func meetingCandidates(_ db: any SQLDatabase, cellID: String) throws -> [Member] {
        try Data.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT record FROM member WHERE voided = 0 AND id IN (
                        SELECT id FROM member WHERE cell_id = ?
                        UNION SELECT member_id FROM member_event WHERE other_unit_id = ?
                        UNION SELECT member_id FROM member_cell WHERE cell_id = ?)
                    """
            ),
            arguments: [cellID, cellID, cellID]
        ).map { try Member(serializedBytes: [UInt8]($0)) }
    }

    /// The checks of `checkAgainstStoredData` on what it read (`MeetingMembership`), refused
    /// together as an invalid record. An import checks a batch's meetings this way with each
    /// cell's candidates read once.
    static func checkMeeting(
        _ meeting: inout Meeting,
        cell: OrgUnit,
        candidates: [Member],
        partialAttendance: Bool,
        memberExists: (String) throws -> Bool
    ) throws {
        var violations = Violations()
        try MeetingMembership.check(
            &meeting,
            cell: cell,
            candidates: candidates,
            partialAttendance: partialAttendance,
            memberExists: memberExists,
            into: &violations
        )
        if !violations.list.isEmpty { throw StoreError.invalidRecord(violations.list) }
    }

    // MARK: Rows

    /// Stores a meeting's counts beside it (see `MeetingSummary`).
    public static func writeMeetingSummary(_ db: any SQLDatabase, _ summary: MeetingSummary) throws {
        try db.cachedStatement(
            sql: """
                UPDATE meeting SET start_minute = ?, end_minute = ?, expected_count = ?, present_count = ?,
                    excused_count = ?, unexcused_count = ?, not_recorded_count = ?, spoke_count = ?,
                    supervisor_present = ?
                WHERE id = ?
                """
        ).execute(arguments: [
            summary.startMinute, summary.endMinute, summary.expected, summary.present, summary.absentExcused,
            summary.absentUnexcused, summary.notRecorded, summary.spoke, summary.supervisorPresent ? 1 : 0,
            summary.id,
        ]
        )
    }

    static func loadMeeting(_ db: any SQLDatabase, id: String, revision: Int64?) throws -> Meeting? {
        let data: Data?
        if let revision {
            // A revision is the meeting as its change of that revision recorded it (a later
            // resolution update logs the meeting again at the same revision); revisions kept
            // from before the change log held every version are in meeting_revision.
            data =
                try Data.fetchOne(
                    db.cachedStatement(
                        sql: """
                            SELECT \(changeRecordColumn("c")) FROM change_log c
                            WHERE c.entity = 'meeting' AND c.entity_id = ? AND c.revision = ? ORDER BY c.seq LIMIT 1
                            """
                    ),
                    arguments: [id, revision]
                )
                ?? Data.fetchOne(
                    db.cachedStatement(
                        sql: "SELECT record FROM meeting_revision WHERE meeting_id = ? AND revision = ?"
                    ),
                    arguments: [id, revision]
                )
        } else {
            data = try Data.fetchOne(
                db.cachedStatement(sql: "SELECT record FROM meeting WHERE id = ?"),
                arguments: [id]
            )
        }
        return try data.map { try Meeting(serializedBytes: [UInt8]($0)) }
    }

    static func writeMeeting(_ db: any SQLDatabase, _ meeting: Meeting, insert: Bool) throws {
        let record = Data(try meeting.serializedBytes())
        let heldOn = DateKeys.key(meeting.heldOn) ?? ""
        // Where the meeting counted before, to recount that month too if it moves, and its number.
        let previous =
            insert
            ? nil
            : try SQLRow.fetchOne(
                db.cachedStatement(sql: "SELECT cell_id, held_on, no FROM meeting WHERE id = ?"),
                arguments: [meeting.id]
            ).map { (cell: $0["cell_id"] as String, heldOn: $0["held_on"] as String, number: $0["no"] as Int64) }
        let revision = meeting.meta?.revision ?? 1
        let arguments: SQLArguments = [
            meeting.cellId, heldOn, meeting.kind.rawValue, meeting.meta?.voided == true ? 1 : 0, revision, record,
            meeting.id,
        ]
        let number: Int64
        if insert {
            number = try nextNumber(db, table: "meeting")
            try db.cachedStatement(
                sql: """
                    INSERT INTO meeting (cell_id, held_on, kind, voided, revision, record, id, no)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(
                arguments: SQLArguments(values: arguments.values + [number.sqlValue])
            )
        } else {
            try supersede(db, entity: "meeting", id: meeting.id)
            try db.cachedStatement(
                sql:
                    "UPDATE meeting SET cell_id = ?, held_on = ?, kind = ?, voided = ?, revision = ?, record = ? WHERE id = ?"
            ).execute(
                arguments: arguments
            )
            guard let previous else { throw StoreError.notFound(entity: "meeting", id: meeting.id) }
            number = previous.number
        }
        try writeMeetingSummary(db, MeetingSummary(of: meeting))
        // A new meeting has no attendance or resolutions to replace.
        if !insert {
            try db.cachedStatement(sql: "DELETE FROM attendance WHERE meeting_no = ?").execute(arguments: [number])
        }
        var attendance = attendanceRows()
        try addAttendance(
            of: meeting,
            number: number,
            members: try memberNumbers(db, meeting.attendance.map(\.memberId)),
            to: &attendance
        )
        try attendance.write(db)
        if !insert {
            try db.cachedStatement(sql: "DELETE FROM resolution WHERE meeting_id = ?").execute(arguments: [meeting.id])
        }
        for resolution in meeting.resolutions {
            try db.cachedStatement(
                sql: """
                    INSERT INTO resolution (id, meeting_id, owner_member_id, due_on, status, revision, record)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                resolution.id, meeting.id, resolution.ownerMemberId.isEmpty ? nil : resolution.ownerMemberId,
                DateKeys.key(resolution.dueOn), resolution.status.rawValue, resolution.meta?.revision ?? 1,
                Data(try resolution.serializedBytes()),
            ]
            )
        }
        try recountCellMonth(db, cellID: meeting.cellId, heldOn: heldOn)
        if let previous, previous.cell != meeting.cellId || previous.heldOn.prefix(7) != heldOn.prefix(7) {
            try recountCellMonth(db, cellID: previous.cell, heldOn: previous.heldOn)
        }
    }
}
