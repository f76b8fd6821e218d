import ChiboDomain
import ChiboModel
import ChiboStore
import Foundation

/// How each kind of record is imported: natural key, references, the conflict policy, and the
/// same checks and writes as the service that records it one at a time.
extension SQLStore {
    // MARK: Org units

    /// An org unit row: keyed by code; the parent is `unit_ref` (code, else unique name).
    static func importOrgUnit(
        _ db: any SQLDatabase,
        _ row: ImportRow,
        _ unit: OrgUnit,
        _ application: inout ImportApplication
    ) throws -> ImportRowOutcome {
        var incoming = unit
        incoming.code = normalised(incoming.code)
        if incoming.code.isEmpty { throw ImportRefusal("code", "missing_key", "the unit's code") }
        var parent: OrgUnit?
        if !normalised(row.unitRef).isEmpty {
            parent = try resolveUnit(db, row.unitRef, field: "parent")
        }
        if let parent {
            try requireScope(db, application, parent.id, field: "parent", "the parent unit")
        } else if application.batch.writableUnits != nil {
            throw ImportRefusal("parent", "out_of_scope", "a unit without a parent is \(outsideScope)")
        }
        guard
            let data = try Data.fetchOne(
                db.cachedStatement(sql: "SELECT record FROM org_unit WHERE code = ?"),
                arguments: [incoming.code]
            )
        else {
            incoming.id = ""
            incoming.meta = nil
            incoming.parentId = parent?.id ?? ""
            incoming.parentHistory = []
            let inserted = try insertOrgUnit(db, incoming, context: application.context, write: true)
            try recordEffect(db, &application, entity: "org_unit", id: inserted.id, before: nil, revision: 1)
            try claim(db, application, key: "org_unit|\(inserted.id)")
            return .inserted
        }
        let stored = try OrgUnit(serializedBytes: [UInt8](data))
        try requireScope(db, application, stored.id, field: "code", "the unit \(stored.code)")
        if stored.meta?.voided == true {
            throw ImportRefusal("code", "conflict", "the unit with code \(stored.code) was voided")
        }
        guard
            try matched(
                db,
                application,
                key: "org_unit|\(stored.id)",
                what: "unit \(stored.code)",
                field: "code",
                exists: "unit \(stored.code) already exists"
            )
        else { return .skipped }
        var merged = stored
        if !normalised(incoming.name).isEmpty { merged.name = incoming.name }
        if incoming.kind.rawValue != 0 { merged.kind = incoming.kind }
        if incoming.meetingDay != 0 { merged.meetingDay = incoming.meetingDay }
        if !incoming.note.isEmpty { merged.note = incoming.note }
        if let valid = incoming.valid, valid.from != nil || valid.to != nil { merged.valid = valid }
        if merged == stored { return .skipped }
        let saved = try saveOrgUnit(db, merged, change: "update", context: application.context, write: true)
        try recordEffect(
            db,
            &application,
            entity: "org_unit",
            id: saved.id,
            before: Data(try stored.serializedBytes()),
            revision: saved.meta?.revision ?? 0
        )
        return .updated
    }

    // MARK: Status events

    /// A status event row: keyed by member, kind and effective date; a new event goes through
    /// the member lifecycle as Members.AddStatusEvent does.
    static func importStatusEvent(
        _ db: any SQLDatabase,
        _ row: ImportRow,
        _ event: StatusEvent,
        _ application: inout ImportApplication
    ) throws -> ImportRowOutcome {
        guard let key = row.memberKey, !isEmpty(key) else {
            throw ImportRefusal("party_card_number", "missing_key", "the member: a party card number or a citizen ID")
        }
        var cellID: String?
        if !normalised(row.unitRef).isEmpty { cellID = try resolveUnit(db, row.unitRef, field: "cell").id }
        let member = try resolveMember(db, key, cellID: cellID, field: "member")
        try requireScope(db, application, member.cellId, field: "member", "the member's cell")
        var incoming = event
        incoming.id = ""
        incoming.meta = nil
        incoming.otherUnitId = ""
        if !normalised(row.otherUnitRef).isEmpty {
            incoming.otherUnitId = try resolveUnit(db, row.otherUnitRef, field: "other_unit").id
        }
        let dateKey = DateKeys.key(incoming.effectiveOn) ?? ""
        guard
            let index = member.events.firstIndex(where: {
                $0.kind == incoming.kind && DateKeys.key($0.effectiveOn) == dateKey
            })
        else {
            let saved = try appendStatusEvent(db, to: member, incoming, context: application.context, write: true)
            try recordEffect(
                db,
                &application,
                entity: "member",
                id: saved.id,
                before: Data(try member.serializedBytes()),
                revision: saved.meta?.revision ?? 0
            )
            try claim(db, application, key: "status_event|\(saved.events.last?.id ?? "")")
            return .inserted
        }
        let stored = member.events[index]
        let what = describeEvent(incoming.kind, on: dateKey, of: member)
        guard
            try matched(
                db,
                application,
                key: "status_event|\(stored.id)",
                what: what,
                field: "",
                exists: "\(what) already exists"
            )
        else { return .skipped }
        var merged = stored
        if !incoming.decisionRef.isEmpty { merged.decisionRef = incoming.decisionRef }
        if !incoming.place.isEmpty { merged.place = incoming.place }
        if incoming.expectedReturnOn != nil { merged.expectedReturnOn = incoming.expectedReturnOn }
        if !incoming.otherUnitId.isEmpty { merged.otherUnitId = incoming.otherUnitId }
        if !incoming.note.isEmpty { merged.note = incoming.note }
        if merged == stored { return .skipped }
        bumpRevision(&merged.meta, context: application.context)
        var changed = member
        changed.events[index] = merged
        let saved = try saveMember(
            db,
            changed,
            change: "status_event_update",
            context: application.context,
            write: true
        )
        try recordEffect(
            db,
            &application,
            entity: "member",
            id: saved.id,
            before: Data(try member.serializedBytes()),
            revision: saved.meta?.revision ?? 0
        )
        return .updated
    }

    // MARK: Meetings

    /// A meeting row: keyed by the file's meeting key when it names a meeting, else by cell,
    /// date, kind and start time among meetings not voided; attendees, chair and recorder are
    /// resolved to members of the cell; recorded or amended as Meetings.Record and
    /// Meetings.Amend do (members the file leaves out are recorded as not recorded).
    static func importMeeting(
        _ db: any SQLDatabase,
        _ row: ImportRow,
        _ meeting: Meeting,
        _ application: inout ImportApplication
    ) throws -> ImportRowOutcome {
        if normalised(row.unitRef).isEmpty { throw ImportRefusal("cell", "missing_required", "the meeting's cell") }
        let cell = try resolveUnit(db, row.unitRef, field: "cell")
        try requireScope(db, application, cell.id, field: "cell", "the cell")
        guard let heldOn = DateKeys.key(meeting.heldOn) else {
            throw ImportRefusal("held_on", "missing_required", "the meeting's date")
        }
        var incoming = meeting
        incoming.id = ""
        incoming.meta = nil
        incoming.cellId = cell.id
        if row.attendees.count != incoming.attendance.count {
            throw ImportRefusal(
                "attendees",
                "invalid",
                "\(incoming.attendance.count) attendance records but \(row.attendees.count) attendees"
            )
        }
        var names: [String: String] = [:]
        application.labels[cell.id] = cell.code.isEmpty ? cell.name : cell.code
        let cards = try membersByCard(db, row.attendees)
        for (index, key) in row.attendees.enumerated() {
            let member = try resolveMember(db, key, cellID: cell.id, field: "attendees[\(index)]", cards: cards)
            incoming.attendance[index].memberId = member.id
            application.labels[member.id] = label(of: member)
            if incoming.attendance[index].fullName.isEmpty { incoming.attendance[index].fullName = member.fullName }
            names[normalised(member.fullName)] = member.id
        }
        incoming.chairMemberId = try optionalMember(db, row.chair, cellID: cell.id)?.id ?? ""
        incoming.recorderMemberId = try optionalMember(db, row.recorder, cellID: cell.id)?.id ?? ""
        for index in incoming.guests.indices { incoming.guests[index].memberId = "" }
        for index in incoming.contributions.indices {
            incoming.contributions[index].memberId = names[normalised(incoming.contributions[index].speakerName)] ?? ""
        }
        for index in incoming.resolutions.indices {
            incoming.resolutions[index].id = ""
            incoming.resolutions[index].meetingId = ""
            incoming.resolutions[index].meta = nil
            incoming.resolutions[index].ownerMemberId = ""
        }
        let meetingKey = normalised(row.meetingKey)
        var stored: Meeting?
        if !meetingKey.isEmpty, let mapped = try mappedMeeting(db, key: meetingKey) {
            if mapped.cellId != cell.id {
                throw ImportRefusal(
                    "meeting_key",
                    "conflict",
                    "meeting key \(meetingKey) names a meeting of another cell (\(mapped.cellId))"
                )
            }
            stored = mapped
        }
        if stored == nil {
            let ids = try String.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT id FROM meeting WHERE cell_id = ? AND held_on = ? AND kind = ? AND start_minute = ?
                            AND voided = 0 ORDER BY id
                        """
                ),
                arguments: [cell.id, heldOn, incoming.kind.rawValue, incoming.startMinute]
            )
            if ids.count > 1 {
                throw ImportRefusal(
                    "held_on",
                    "ambiguous_match",
                    "\(ids.count) meetings of \(cell.id) on \(heldOn) have this kind and start time; give a meeting key"
                )
            }
            stored = try ids.first.flatMap { try loadMeeting(db, id: $0, revision: nil) }
        }
        guard let stored else {
            let inserted = try insertMeeting(
                db,
                incoming,
                partialAttendance: true,
                context: application.context,
                write: true
            )
            try recordEffect(db, &application, entity: "meeting", id: inserted.id, before: nil, revision: 1)
            try claim(db, application, key: "meeting|\(inserted.id)")
            try map(db, application, key: meetingKey, to: inserted.id)
            return .inserted
        }
        let update = try matched(
            db,
            application,
            key: "meeting|\(stored.id)",
            what: "the meeting of \(cell.id) on \(heldOn)",
            field: "",
            exists: "meeting \(stored.id) already exists"
        )
        try map(db, application, key: meetingKey, to: stored.id)
        guard update else { return .skipped }
        var merged = stored
        if incoming.startMinute != 0 { merged.startMinute = incoming.startMinute }
        if incoming.endMinute != 0 { merged.endMinute = incoming.endMinute }
        if !incoming.topic.isEmpty { merged.topic = incoming.topic }
        if !incoming.place.isEmpty { merged.place = incoming.place }
        if !incoming.agenda.isEmpty { merged.agenda = incoming.agenda }
        if !incoming.chairMemberId.isEmpty { merged.chairMemberId = incoming.chairMemberId }
        if !incoming.recorderMemberId.isEmpty { merged.recorderMemberId = incoming.recorderMemberId }
        if !incoming.guests.isEmpty { merged.guests = incoming.guests }
        if !incoming.attendance.isEmpty { merged.attendance = incoming.attendance }
        if !incoming.contributions.isEmpty { merged.contributions = incoming.contributions }
        if !incoming.minutes.isEmpty { merged.minutes = incoming.minutes }
        if incoming.minutesApproved { merged.minutesApproved = true }
        if incoming.quality != nil { merged.quality = incoming.quality }
        var checked = merged
        try checkAgainstStoredData(db, &checked, partialAttendance: true)
        if checked == stored { return .skipped }
        let saved = try saveAmendedMeeting(
            db,
            merged,
            previousResolutions: stored.resolutions,
            partialAttendance: true,
            context: application.context,
            write: true
        )
        try recordEffect(
            db,
            &application,
            entity: "meeting",
            id: saved.id,
            before: Data(try stored.serializedBytes()),
            revision: saved.meta?.revision ?? 0
        )
        return .updated
    }

    /// The meeting (not voided) a file's meeting key names, if any.
    static func mappedMeeting(_ db: any SQLDatabase, key: String) throws -> Meeting? {
        guard
            let id = try String.fetchOne(
                db.cachedStatement(sql: "SELECT meeting_id FROM import_meeting_key WHERE meeting_key = ?"),
                arguments: [key]
            ),
            let meeting = try loadMeeting(db, id: id, revision: nil), meeting.meta?.voided != true
        else { return nil }
        return meeting
    }

    /// Remembers which meeting a file's key names, for later imports (resolutions).
    static func map(_ db: any SQLDatabase, _ application: ImportApplication, key: String, to meetingID: String) throws {
        guard !key.isEmpty else { return }
        try db.cachedStatement(
            sql: """
                INSERT INTO import_meeting_key (meeting_key, meeting_id, import_id) VALUES (?, ?, ?)
                ON CONFLICT(meeting_key) DO UPDATE SET meeting_id = excluded.meeting_id, import_id = excluded.import_id
                WHERE import_meeting_key.meeting_id <> excluded.meeting_id
                """
        ).execute(arguments: [key, meetingID, application.batch.importID]
        )
    }

    // MARK: Resolutions

    /// A resolution row: appended to its meeting (by meeting key, else by cell and date),
    /// keyed by meeting and text; the owner is resolved among the cell's members when possible.
    static func importResolution(
        _ db: any SQLDatabase,
        _ row: ImportRow,
        _ resolution: Resolution,
        _ application: inout ImportApplication
    ) throws -> ImportRowOutcome {
        let meetingKey = normalised(row.meetingKey)
        let stored: Meeting
        if !meetingKey.isEmpty {
            guard let found = try mappedMeeting(db, key: meetingKey) else {
                throw ImportRefusal("meeting_key", "unknown_meeting", "no meeting has the key \(meetingKey)")
            }
            stored = found
        } else {
            guard !normalised(row.unitRef).isEmpty, let heldOn = DateKeys.key(row.meetingHeldOn) else {
                throw ImportRefusal("meeting_key", "missing_key", "the meeting: its key, or its cell and date")
            }
            let cell = try resolveUnit(db, row.unitRef, field: "cell")
            let ids = try String.fetchAll(
                db.cachedStatement(
                    sql: "SELECT id FROM meeting WHERE cell_id = ? AND held_on = ? AND voided = 0 ORDER BY id"
                ),
                arguments: [cell.id, heldOn]
            )
            guard let first = ids.first, let found = try loadMeeting(db, id: first, revision: nil) else {
                throw ImportRefusal("held_on", "unknown_meeting", "\(cell.id) has no meeting on \(heldOn)")
            }
            if ids.count > 1 {
                throw ImportRefusal(
                    "held_on",
                    "ambiguous_match",
                    "\(cell.id) has \(ids.count) meetings on \(heldOn); give the meeting key"
                )
            }
            stored = found
        }
        try requireScope(db, application, stored.cellId, field: "cell", "the meeting's cell")
        var incoming = resolution
        incoming.id = ""
        incoming.meta = nil
        incoming.meetingId = stored.id
        if incoming.status.rawValue == 0 { incoming.status = .open }
        incoming.ownerMemberId = ""
        if let owner = try optionalMember(db, row.owner, cellID: stored.cellId) {
            incoming.ownerMemberId = owner.id
            if incoming.ownerName.isEmpty { incoming.ownerName = owner.fullName }
        } else if incoming.ownerName.isEmpty, let owner = row.owner {
            incoming.ownerName = normalised(owner.fullName)
        }
        let text = normalised(incoming.text)
        var meeting = stored
        guard let index = stored.resolutions.firstIndex(where: { normalised($0.text) == text }) else {
            meeting.resolutions.append(incoming)
            let saved = try saveAmendedMeeting(
                db,
                meeting,
                previousResolutions: stored.resolutions,
                partialAttendance: false,
                context: application.context,
                write: true
            )
            try recordEffect(
                db,
                &application,
                entity: "meeting",
                id: saved.id,
                before: Data(try stored.serializedBytes()),
                revision: saved.meta?.revision ?? 0
            )
            try claim(db, application, key: "resolution|\(saved.resolutions.last?.id ?? "")")
            return .inserted
        }
        let existing = stored.resolutions[index]
        let what = "the resolution \(existing.id) of meeting \(stored.id)"
        guard
            try matched(
                db,
                application,
                key: "resolution|\(existing.id)",
                what: what,
                field: "text",
                exists: "\(what) has this text already"
            )
        else { return .skipped }
        var merged = existing
        if !incoming.ownerMemberId.isEmpty { merged.ownerMemberId = incoming.ownerMemberId }
        if !incoming.ownerName.isEmpty { merged.ownerName = incoming.ownerName }
        if incoming.dueOn != nil { merged.dueOn = incoming.dueOn }
        if resolution.status.rawValue != 0 { merged.status = incoming.status }
        if incoming.closedOn != nil { merged.closedOn = incoming.closedOn }
        if !incoming.note.isEmpty { merged.note = incoming.note }
        if merged == existing { return .skipped }
        meeting.resolutions[index] = merged
        let saved = try saveAmendedMeeting(
            db,
            meeting,
            previousResolutions: stored.resolutions,
            partialAttendance: false,
            context: application.context,
            write: true
        )
        try recordEffect(
            db,
            &application,
            entity: "meeting",
            id: saved.id,
            before: Data(try stored.serializedBytes()),
            revision: saved.meta?.revision ?? 0
        )
        return .updated
    }

    // MARK: Evaluations

    /// An evaluation row: keyed by subject and year; the subject is the unit `unit_ref` or the
    /// member `member_key` (a member's row without a subject kind is a member's evaluation).
    static func importEvaluation(
        _ db: any SQLDatabase,
        _ row: ImportRow,
        _ evaluation: Evaluation,
        _ application: inout ImportApplication
    ) throws -> ImportRowOutcome {
        var incoming = evaluation
        incoming.id = ""
        incoming.meta = nil
        if incoming.subject.rawValue == 0 { incoming.subject = isEmpty(row.memberKey) ? .orgUnit : .member }
        var unit: OrgUnit?
        if !normalised(row.unitRef).isEmpty { unit = try resolveUnit(db, row.unitRef, field: "unit") }
        if incoming.subject == .member {
            guard let key = row.memberKey, !isEmpty(key) else {
                throw ImportRefusal("party_card_number", "missing_key", "the member evaluated")
            }
            let member = try resolveMember(db, key, cellID: unit?.id, field: "member")
            incoming.subjectId = member.id
            incoming.cellId = unit?.id ?? ""
            try requireScope(db, application, unit?.id ?? member.cellId, field: "member", "the member's cell")
        } else {
            guard let unit else { throw ImportRefusal("unit", "missing_required", "the unit evaluated") }
            incoming.subjectId = unit.id
            incoming.cellId = ""
            try requireScope(db, application, unit.id, field: "unit", "the unit")
        }
        guard
            let id = try String.fetchOne(
                db.cachedStatement(
                    sql: "SELECT id FROM evaluation WHERE voided = 0 AND subject = ? AND subject_id = ? AND year = ?"
                ),
                arguments: [incoming.subject.rawValue, incoming.subjectId, incoming.year]
            ), let stored = try loadEvaluation(db, id: id)
        else {
            let inserted = try insertEvaluation(db, incoming, context: application.context, write: true)
            try recordEffect(db, &application, entity: "evaluation", id: inserted.id, before: nil, revision: 1)
            try claim(db, application, key: "evaluation|\(inserted.id)")
            return .inserted
        }
        let what = "the \(incoming.year) evaluation of \(incoming.subjectId)"
        guard
            try matched(
                db,
                application,
                key: "evaluation|\(stored.id)",
                what: what,
                field: "year",
                exists: "\(what) already exists (\(stored.id))"
            )
        else { return .skipped }
        var merged = stored
        if incoming.result != nil { merged.result = incoming.result }
        if incoming.cleanAndStrong { merged.cleanAndStrong = true }
        if !incoming.cellId.isEmpty { merged.cellId = incoming.cellId }
        if !incoming.decisionRef.isEmpty { merged.decisionRef = incoming.decisionRef }
        if !incoming.note.isEmpty { merged.note = incoming.note }
        if merged == stored { return .skipped }
        let saved = try saveEvaluation(db, merged, change: "update", context: application.context, write: true)
        try recordEffect(
            db,
            &application,
            entity: "evaluation",
            id: saved.id,
            before: Data(try stored.serializedBytes()),
            revision: saved.meta?.revision ?? 0
        )
        return .updated
    }
}
