import ChiboDomain
import ChiboModel

/// Turns one CSV row into a record, recording problems in the context instead. Each returns
/// nil when the row has a problem.
enum RowMappers {
    /// The mapper of a one-row-one-record entity.
    static func mapper(for entity: ImportEntity) -> ((inout RowContext) -> ImportRecord?)? {
        switch entity {
        case .orgUnits: orgUnit
        case .members: member
        case .statusEvents: statusEvent
        case .resolutions: resolution
        case .evaluations: evaluation
        case .meetings: nil
        }
    }

    static func orgUnit(_ row: inout RowContext) -> ImportRecord? {
        var unit = OrgUnit()
        unit.code = row.required("code", "the unit's code")
        unit.name = row.required("name", "the unit's name")
        unit.kind = row.choice("kind", Vocabularies.orgUnitKind, required: true) ?? .unspecified
        if let day = row.integer("meeting_day", in: 1...31) { unit.meetingDay = Int32(day) }
        unit.valid = validity(&row, from: "valid_from", to: "valid_to")
        unit.note = row.text("note")
        let parent = UnitRef(codeOrName: row.text("parent"))
        guard row.problems.isEmpty else { return nil }
        return .orgUnit(ImportedOrgUnit(unit: unit, parent: parent))
    }

    private static func validity(_ row: inout RowContext, from: String, to: String) -> DateRange? {
        let start = row.date(from)
        let end = row.date(to)
        if let start, let end, DateKeys.key(end)! <= DateKeys.key(start)! {
            row.fail(to, .conflictingValues, "is not after \(row.layout.header(from))")
        }
        return start == nil && end == nil ? nil : DateRange(from: start, to: end)
    }

    static func member(_ row: inout RowContext) -> ImportRecord? {
        var member = Member()
        let key = row.memberRef()
        member.partyCardNumber = key.partyCardNumber
        member.citizenId = key.citizenId
        if key.naturalKey == nil { failNoKey(&row) }
        member.familyName = row.text("family_name")
        member.middleName = row.text("middle_name")
        member.givenName = row.text("given_name")
        member.fullName = row.text("full_name")
        if member.fullName.isEmpty {
            member.fullName = [member.familyName, member.middleName, member.givenName].filter { !$0.isEmpty }
                .joined(separator: " ")
        }
        if member.fullName.isEmpty {
            row.fail(
                row.has("full_name") ? "full_name" : "given_name",
                .missingRequired,
                "is empty; the name is required"
            )
        }
        member.gender = row.choice("gender", Vocabularies.gender) ?? .unspecified
        member.birthDate = row.date("birth_date")
        member.ethnicity = row.text("ethnicity")
        member.homePlace = row.text("home_place")
        member.phone = row.text("phone")
        member.admittedOn = row.date("admitted_on")
        member.officialOn = row.date("official_on")
        if let admitted = member.admittedOn, let official = member.officialOn,
            DateKeys.key(official)! < DateKeys.key(admitted)!
        {
            row.fail("official_on", .conflictingValues, "is before \(row.layout.header("admitted_on"))")
        }
        member.note = row.text("note")
        let cell = row.cellRef()
        guard row.problems.isEmpty else { return nil }
        return .member(ImportedMember(member: member, cell: cell))
    }

    private static func failNoKey(_ row: inout RowContext) {
        let field = row.has("party_card_number") ? "party_card_number" : "citizen_id"
        row.fail(
            field,
            .missingRequired,
            "is empty; a party card number or a citizen ID is required (it finds the member again on the next "
                + "import, so nobody is added twice)"
        )
    }

    static func statusEvent(_ row: inout RowContext) -> ImportRecord? {
        let member = row.memberRef()
        if member.naturalKey == nil { failNoKey(&row) }
        var event = StatusEvent()
        event.kind = row.choice("kind", Vocabularies.statusEventKind, required: true) ?? .unspecified
        event.effectiveOn = row.date("effective_on", required: true)
        event.decisionRef = row.text("decision_ref")
        event.place = row.text("place")
        if event.kind == .workingAway, event.place.isEmpty {
            row.fail(
                "place",
                .missingRequired,
                "is empty; a working-away event needs the place where the member works"
                    + (row.has("place") ? "" : " (add a column \"Nơi làm việc\")")
            )
        }
        event.expectedReturnOn = row.date("expected_return_on")
        event.note = row.text("note")
        let otherUnit = UnitRef(codeOrName: row.text("other_unit"))
        guard row.problems.isEmpty else { return nil }
        return .statusEvent(ImportedStatusEvent(member: member, event: event, otherUnit: otherUnit))
    }

    static func resolution(_ row: inout RowContext) -> ImportRecord? {
        let meeting = MeetingRef(key: row.text("meeting_key"), cell: row.cellRef(), heldOn: row.date("held_on"))
        if meeting.key.isEmpty, meeting.cell.isEmpty || meeting.heldOn == nil, row.problems.isEmpty {
            row.fail(
                row.has("meeting_key") ? "meeting_key" : "held_on",
                .missingRequired,
                "is empty; name the meeting by its key, or by its cell and date"
            )
        }
        var resolution = Resolution()
        resolution.text = row.required("text", "what the resolution decides")
        let owner = row.memberNameOrKey("owner")
        resolution.ownerName = owner.fullName
        resolution.dueOn = row.date("due_on")
        resolution.status = row.choice("status", Vocabularies.resolutionStatus) ?? .unspecified
        resolution.closedOn = row.date("closed_on")
        resolution.note = row.text("note")
        guard row.problems.isEmpty else { return nil }
        return .resolution(ImportedResolution(meeting: meeting, resolution: resolution, owner: owner))
    }

    static func evaluation(_ row: inout RowContext) -> ImportRecord? {
        var evaluation = Evaluation()
        if let year = row.integer("year", in: 1930...2100, required: true) { evaluation.year = Int32(year) }
        let member = row.memberRef()
        let cell = row.cellRef()
        let unitColumn = UnitRef(codeOrName: row.text("unit"))
        let subject = row.choice("subject", Vocabularies.evaluationSubject) ?? (member.isEmpty ? .orgUnit : .member)
        evaluation.subject = subject
        var unit = UnitRef()
        if subject == .member {
            if member.isEmpty {
                row.fail("full_name", .missingRequired, "is empty; a member's evaluation names the member")
            }
        } else {
            unit = unitColumn.isEmpty ? cell : unitColumn
            if unit.isEmpty {
                row.fail(row.has("unit") ? "unit" : "cell", .missingRequired, "is empty; name the unit evaluated")
            }
        }
        let grade = row.choice("grade", Vocabularies.grade)
        let score = row.decimal("score", in: 0...100)
        switch (grade, score) {
        case (let grade?, nil): evaluation.result = .grade(grade)
        case (nil, let score?): evaluation.result = .score(score)
        case (_?, _?):
            row.fail("score", .conflictingValues, "is given with \(row.layout.header("grade")): give one of them")
        case (nil, nil):
            if row.problems.isEmpty {
                row.fail(
                    row.has("grade") ? "grade" : "score",
                    .missingRequired,
                    "is empty; a grade or a score is required"
                )
            }
        }
        evaluation.cleanAndStrong = row.boolean("clean_and_strong")
        evaluation.decisionRef = row.text("decision_ref")
        evaluation.note = row.text("note")
        guard row.problems.isEmpty else { return nil }
        return .evaluation(
            ImportedEvaluation(
                evaluation: evaluation,
                unit: unit,
                member: subject == .member ? member : MemberRef(),
                cell: subject == .member ? cell : UnitRef()
            )
        )
    }
}

/// The parts of a meeting row: the meeting's own columns, and one attendance record.
enum MeetingRowMapper {
    /// The fields of the meeting columns, in the catalog's order.
    static let meetingFields = ImportColumns.meeting.map(\.field)
    /// The fields that identify a meeting when there is no `meeting_key`.
    static let identifyingFields = ["meeting_key", "cell", "cell_code", "cell_name", "held_on", "kind", "start_time"]

    /// The meeting key of a row: `meeting_key`, else the identifying columns joined with `|`;
    /// nil when every identifying column is empty (the row continues the meeting above it, as
    /// rows under merged cells do).
    static func key(_ row: RowContext) -> String? {
        let explicit = row.text("meeting_key")
        if !explicit.isEmpty { return explicit }
        if row.has("meeting_key") { return nil }
        let parts = identifyingFields.dropFirst().map { row.text($0) }
        if parts.allSatisfy(\.isEmpty) { return nil }
        return parts.joined(separator: "|")
    }

    /// The meeting without attendance, from the meeting columns.
    static func meeting(
        _ row: inout RowContext
    ) -> (meeting: Meeting, cell: UnitRef, chair: MemberRef, recorder: MemberRef) {
        var meeting = Meeting()
        let cell = row.cellRef()
        if cell.isEmpty {
            row.fail(
                row.has("cell") ? "cell" : row.has("cell_code") ? "cell_code" : "cell_name",
                .missingRequired,
                "is empty; the cell that met is required"
            )
        }
        meeting.heldOn = row.date("held_on", required: true)
        meeting.kind = row.choice("kind", Vocabularies.meetingKind, required: true) ?? .unspecified
        let start = row.time("start_time")
        let end = row.time("end_time")
        meeting.startMinute = start ?? 0
        meeting.endMinute = end ?? 0
        if let start, let end, end <= start {
            row.fail("end_time", .conflictingValues, "is not after \(row.layout.header("start_time"))")
        }
        meeting.topic = row.text("topic")
        meeting.place = row.text("place")
        meeting.minutes = row.text("minutes")
        meeting.minutesApproved = row.boolean("minutes_approved")
        if let score = row.integer("quality_score", in: 0...100) { meeting.quality = .qualityScore(Int32(score)) }
        let supervisor = row.text("supervisor")
        if !supervisor.isEmpty {
            meeting.guests = [Guest(fullName: supervisor, role: "Cấp ủy viên phụ trách", isSupervisor: true)]
        }
        let chair = row.memberNameOrKey("chair")
        let recorder = row.memberNameOrKey("recorder")
        return (meeting, cell, chair, recorder)
    }

    /// One attendance record, its member, and what they said when the `spoke` cell holds text.
    static func attendance(_ row: inout RowContext) -> (record: AttendanceRecord, member: MemberRef, said: String) {
        var record = AttendanceRecord()
        let member = row.memberRef()
        if member.isEmpty {
            row.fail(
                row.has("party_card_number") ? "party_card_number" : row.has("citizen_id") ? "citizen_id" : "full_name",
                .missingRequired,
                "is empty; each attendance row names a member"
            )
        }
        record.fullName = member.fullName
        var states: [(field: String, state: AttendanceState)] = []
        var reason = row.text("reason")
        if let state = row.choice("state", Vocabularies.attendanceState) { states.append(("state", state)) }
        let present = row.text("present")
        if !present.isEmpty {
            if let marked = row.lookup(present, Vocabularies.boolean) {
                if marked { states.append(("present", .present)) }
            } else if let state = row.lookup(present, Vocabularies.attendanceState) {
                states.append(("present", state))
            } else {
                row.fail("present", .unknownValue, "\"\(present)\" is not a mark (x) or an attendance word")
            }
        }
        let excused = row.text("absent_excused")
        if !excused.isEmpty {
            if let marked = row.lookup(excused, Vocabularies.boolean) {
                if marked { states.append(("absent_excused", .absentExcused)) }
            } else {
                states.append(("absent_excused", .absentExcused))
                if reason.isEmpty { reason = excused }
            }
        }
        let unexcused = row.text("absent_unexcused")
        if !unexcused.isEmpty {
            if let marked = row.lookup(unexcused, Vocabularies.boolean) {
                if marked { states.append(("absent_unexcused", .absentUnexcused)) }
            } else {
                row.fail("absent_unexcused", .unknownValue, "\"\(unexcused)\" is not a mark (x)")
            }
        }
        let distinct = states.reduce(into: [AttendanceState]()) { if !$0.contains($1.state) { $0.append($1.state) } }
        if distinct.count > 1 {
            let fields = states.map { row.layout.header($0.field) }.joined(separator: ", ")
            row.fail(states[1].field, .conflictingValues, "contradicts another mark: one of \(fields) only")
        } else if let state = distinct.first {
            record.state = state
        } else if row.problems.isEmpty {
            let field = ["state", "present", "absent_excused", "absent_unexcused"].first { row.has($0) } ?? "state"
            row.fail(field, .missingRequired, "is empty; mark the member present, absent with reason or absent without")
        }
        if record.state == .absentExcused {
            record.reason = reason
            if reason.isEmpty {
                row.fail(
                    row.has("reason") ? "reason" : "absent_excused",
                    .missingRequired,
                    "is empty; an excused absence needs its reason"
                )
            }
        }
        record.category = row.choice("category", Vocabularies.memberCategory) ?? .unspecified
        var said = ""
        let spoke = row.text("spoke")
        if !spoke.isEmpty {
            if let marked = row.lookup(spoke, Vocabularies.boolean) {
                record.spoke = marked
            } else {
                record.spoke = true
                said = spoke
            }
        }
        return (record, member, said)
    }
}
