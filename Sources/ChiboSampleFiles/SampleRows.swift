import ChiboImport
import ChiboModel

/// The CSV row(s) and the JSON Lines / protobuf message of each record, following
/// docs/IMPORT.md: CSV columns take their first Vietnamese header, enum values the first word
/// the importer lists, dates `dd/MM/yyyy`; messages name units by code, members by party card
/// number and meetings by key in their id fields.
enum SampleRows {
    /// The columns written for an entity, by field name, in order.
    static func fields(_ entity: SampleFileEntity) -> [String] {
        switch entity {
        case .orgUnits: ["code", "name", "kind", "parent", "meeting_day", "valid_from", "note"]
        case .members:
            [
                "full_name", "gender", "birth_date", "ethnicity", "home_place", "phone", "party_card_number",
                "citizen_id", "admitted_on", "official_on", "cell_code", "note",
            ]
        case .statusEvents:
            [
                "party_card_number", "full_name", "kind", "effective_on", "decision_ref", "place",
                "expected_return_on", "other_unit", "note",
            ]
        case .meetings:
            [
                "meeting_key", "cell_code", "held_on", "start_time", "end_time", "kind", "topic", "place", "chair",
                "recorder", "supervisor", "minutes", "minutes_approved", "quality_score", "party_card_number",
                "full_name", "state",
                "reason", "category", "spoke",
            ]
        case .resolutions: ["meeting_key", "text", "owner", "due_on", "status", "closed_on", "note"]
        case .evaluations:
            [
                "year", "subject", "unit", "party_card_number", "full_name", "cell_code", "grade", "score",
                "clean_and_strong", "decision_ref", "note",
            ]
        }
    }

    /// The header a spreadsheet would carry for a field: its first Vietnamese label.
    static func header(_ entity: SampleFileEntity, _ field: String) -> String {
        let importEntity = ImportEntity(rawValue: entity.rawValue) ?? .members
        let column = ImportColumns.columns(for: importEntity).first { $0.field == field }
        return column?.labels.first ?? field
    }

    static func date(_ date: CalendarDate?) -> String {
        guard let date else { return "" }
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : String(value) }
        return "\(two(date.day))/\(two(date.month))/\(date.year)"
    }

    static func time(_ minute: Int32) -> String {
        guard minute > 0 else { return "" }
        let hours = minute / 60
        let minutes = minute % 60
        return "\(hours < 10 ? "0" : "")\(hours):\(minutes < 10 ? "0" : "")\(minutes)"
    }

    static func orgUnit(_ unit: OrgUnit, keys: SampleKeys) -> (csv: [[String]], message: OrgUnit) {
        let parent = keys.code(unit.parentId)
        let row = [
            unit.code, unit.name, ImportWords.orgUnitKind(unit.kind) ?? "", parent,
            unit.meetingDay == 0 ? "" : String(unit.meetingDay), date(unit.valid?.from), unit.note,
        ]
        var message = OrgUnit(code: unit.code, name: unit.name, kind: unit.kind, parentId: parent)
        message.meetingDay = unit.meetingDay
        message.valid = unit.valid
        message.note = unit.note
        return ([row], message)
    }

    static func member(_ member: Member, keys: SampleKeys) -> (csv: [[String]], message: Member) {
        let cell = keys.code(member.cellId)
        let row = [
            member.fullName, ImportWords.gender(member.gender) ?? "", date(member.birthDate), member.ethnicity,
            member.homePlace, member.phone, member.partyCardNumber, member.citizenId, date(member.admittedOn),
            date(member.officialOn), cell, member.note,
        ]
        var message = member
        message.id = ""
        message.cellId = cell
        message.cellHistory = []
        message.positions = []
        message.events = []
        message.status = .unspecified
        message.meta = nil
        return ([row], message)
    }

    static func statusEvent(
        _ event: StatusEvent,
        of member: Member,
        keys: SampleKeys
    ) -> (
        csv: [[String]], message: Member
    ) {
        let other = keys.code(event.otherUnitId)
        let row = [
            member.partyCardNumber, member.fullName, ImportWords.statusEventKind(event.kind) ?? "",
            date(event.effectiveOn), event.decisionRef, event.place, date(event.expectedReturnOn), other, event.note,
        ]
        var copy = event
        copy.id = ""
        copy.otherUnitId = other
        copy.meta = nil
        let message = Member(
            partyCardNumber: member.partyCardNumber,
            citizenId: member.citizenId,
            fullName: member.fullName,
            events: [copy]
        )
        return ([row], message)
    }

    static func meeting(_ meeting: Meeting, keys: SampleKeys) -> (csv: [[String]], message: Meeting) {
        let cell = keys.code(meeting.cellId)
        let quality: String =
            if case .qualityScore(let score)? = meeting.quality { String(score) } else { "" }
        let shared = [
            meeting.id, cell, date(meeting.heldOn), time(meeting.startMinute), time(meeting.endMinute),
            ImportWords.meetingKind(meeting.kind) ?? "", meeting.topic, meeting.place,
            keys.card(meeting.chairMemberId), keys.card(meeting.recorderMemberId),
            meeting.guests.first(where: \.isSupervisor)?.fullName ?? "", meeting.minutes,
            meeting.minutesApproved ? "x" : "", quality,
        ]
        var said: [String: String] = [:]
        for contribution in meeting.contributions where !contribution.memberId.isEmpty {
            said[contribution.memberId] = contribution.summary
        }
        let rows = meeting.attendance.map { record in
            shared + [
                keys.card(record.memberId), record.fullName, ImportWords.attendanceState(record.state) ?? "",
                record.reason, ImportWords.memberCategory(record.category) ?? "",
                said[record.memberId] ?? (record.spoke ? "x" : ""),
            ]
        }
        var message = meeting
        message.cellId = cell
        message.chairMemberId = keys.card(meeting.chairMemberId)
        message.recorderMemberId = keys.card(meeting.recorderMemberId)
        for index in message.attendance.indices {
            message.attendance[index].memberId = keys.card(message.attendance[index].memberId)
        }
        for index in message.guests.indices { message.guests[index].memberId = "" }
        for index in message.contributions.indices {
            message.contributions[index].memberId = keys.card(message.contributions[index].memberId)
        }
        message.resolutions = []
        message.meta = nil
        return (rows, message)
    }

    static func resolution(
        _ resolution: Resolution,
        of meeting: Meeting,
        keys: SampleKeys
    ) -> (
        csv: [[String]], message: Resolution
    ) {
        let row = [
            meeting.id, resolution.text, resolution.ownerName, date(resolution.dueOn),
            ImportWords.resolutionStatus(resolution.status) ?? "", date(resolution.closedOn), resolution.note,
        ]
        var message = resolution
        message.id = ""
        message.meetingId = meeting.id
        message.ownerMemberId = keys.card(resolution.ownerMemberId)
        message.meta = nil
        return ([row], message)
    }

    static func evaluation(_ evaluation: Evaluation, keys: SampleKeys) -> (csv: [[String]], message: Evaluation) {
        let isMember = evaluation.subject == .member
        var grade = ""
        var score = ""
        switch evaluation.result {
        case .grade(let value)?: grade = ImportWords.grade(value) ?? ""
        case .score(let value)?: score = String(value)
        case nil: break
        }
        let row = [
            String(evaluation.year), ImportWords.evaluationSubject(evaluation.subject) ?? "",
            isMember ? "" : keys.code(evaluation.subjectId), isMember ? keys.card(evaluation.subjectId) : "", "",
            isMember ? keys.code(evaluation.cellId) : "", grade, score, evaluation.cleanAndStrong ? "x" : "",
            evaluation.decisionRef, evaluation.note,
        ]
        var message = evaluation
        message.id = ""
        message.subjectId = isMember ? keys.card(evaluation.subjectId) : keys.code(evaluation.subjectId)
        message.cellId = keys.code(evaluation.cellId)
        message.meta = nil
        return ([row], message)
    }
}
