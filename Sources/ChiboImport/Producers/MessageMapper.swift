import ChiboCodec
import ChiboDomain
import ChiboModel

/// Why a JSON line or protobuf message did not become a record.
struct MessageFault: Error {
    var code: RowError.Code
    var field: String?
    /// Offset into the payload, when the codec gives one.
    var offset: Int?
    var message: String

    /// The row error, with the offset moved to the file (`offsetBase` is where the payload
    /// starts), or for JSON Lines left in the line (`offsetBase` 0).
    func rowError(file: String, row: Int, offsetBase: Int) -> RowError {
        RowError(
            file: file,
            row: row,
            column: field,
            offset: offset.map { offsetBase + $0 },
            code: code,
            message: message
        )
    }
}

/// Turns the messages of JSON Lines and delimited protobuf files into records. In these
/// formats each record is the entity's own schema message, and the fields that hold server
/// ids elsewhere hold natural keys as written: `parent_id`, `cell_id` and `other_unit_id` a
/// unit's code or name; `member_id`, `owner_member_id`, `chair_member_id`,
/// `recorder_member_id` and a member's `subject_id` a party card number or a citizen ID;
/// `Meeting.id` and `Resolution.meeting_id` the meeting key. A status event comes as a
/// `Member` holding the member's key fields and exactly one event in `events`.
enum MessageMapper {
    /// The bytes of one message.
    enum Payload {
        /// proto3 JSON, UTF-8 (already NFC).
        case json([UInt8])
        /// protobuf binary.
        case binary([UInt8])
    }

    private static func decode<Message: ProtoMessage>(
        _ type: Message.Type,
        _ payload: Payload
    ) throws(MessageFault) -> Message {
        do {
            switch payload {
            case .json(let bytes):
                return try Message(jsonUTF8: bytes, options: JSONDecodingOptions())
            case .binary(let bytes):
                let message = try Message(serializedBytes: bytes, limits: .default)
                // Normalise the text to NFC through the message's JSON, which the codec keeps
                // exact; only messages with non-ASCII text take this path.
                let json = message.jsonUTF8()
                guard json.contains(where: { $0 >= 0x80 }) else { return message }
                let text = TextNormalization.nfc(String(decoding: json, as: UTF8.self))
                return try Message(jsonUTF8: Array(text.utf8), options: JSONDecodingOptions())
            }
        } catch {
            let what =
                switch payload {
                case .json: "the line does not decode as \(Message.protoMessageName)"
                case .binary: "the message does not decode as \(Message.protoMessageName)"
                }
            throw MessageFault(
                code: .decodeFailed,
                field: error.field,
                offset: error.offset,
                message: "\(what): \(error.message)"
            )
        }
    }

    private static func missing(_ field: String, _ message: String) -> MessageFault {
        MessageFault(code: .missingRequired, field: field, message: message)
    }

    /// The record of one message of `entity`.
    static func record(entity: ImportEntity, payload: Payload) -> Result<ImportRecord, MessageFault> {
        Result { () throws(MessageFault) in
            switch entity {
            case .orgUnits: try orgUnit(decode(OrgUnit.self, payload))
            case .members: try member(decode(Member.self, payload))
            case .statusEvents: try statusEvent(decode(Member.self, payload))
            case .meetings: try meeting(decode(Meeting.self, payload))
            case .resolutions: try resolution(decode(Resolution.self, payload))
            case .evaluations: try evaluation(decode(Evaluation.self, payload))
            }
        }
    }

    private static func orgUnit(_ message: OrgUnit) throws(MessageFault) -> ImportRecord {
        var unit = message
        guard !unit.code.isEmpty else { throw missing("code", "code is empty; the unit's code is its key") }
        guard !unit.name.isEmpty else { throw missing("name", "name is empty") }
        let parent = UnitRef(codeOrName: unit.parentId)
        unit.parentId = ""
        return .orgUnit(ImportedOrgUnit(unit: unit, parent: parent))
    }

    private static func key(of member: Member) throws(MessageFault) -> MemberRef {
        let key = MemberRef(
            partyCardNumber: member.partyCardNumber,
            citizenId: member.citizenId,
            fullName: member.fullName
        )
        guard key.naturalKey != nil else {
            throw missing(
                "party_card_number",
                "party_card_number and citizen_id are empty; one is required (it finds the member again on the next "
                    + "import)"
            )
        }
        return key
    }

    private static func member(_ message: Member) throws(MessageFault) -> ImportRecord {
        var member = message
        _ = try key(of: member)
        guard !member.fullName.isEmpty || !member.givenName.isEmpty else {
            throw missing("full_name", "full_name is empty")
        }
        let cell = UnitRef(codeOrName: member.cellId)
        member.cellId = ""
        return .member(ImportedMember(member: member, cell: cell))
    }

    private static func statusEvent(_ message: Member) throws(MessageFault) -> ImportRecord {
        let member = try key(of: message)
        guard message.events.count == 1, var event = message.events.first else {
            throw MessageFault(
                code: .conflictingValues,
                field: "events",
                message: "holds \(message.events.count) events; a status-event record holds exactly one"
            )
        }
        guard event.kind != .unspecified else { throw missing("events[0].kind", "events[0].kind is not set") }
        guard event.effectiveOn != nil else {
            throw missing("events[0].effective_on", "events[0].effective_on is not set")
        }
        let other = UnitRef(codeOrName: event.otherUnitId)
        event.otherUnitId = ""
        return .statusEvent(ImportedStatusEvent(member: member, event: event, otherUnit: other))
    }

    private static func meeting(_ message: Meeting) throws(MessageFault) -> ImportRecord {
        var meeting = message
        guard !meeting.cellId.isEmpty else {
            throw missing("cell_id", "cell_id is empty; name the cell by code or name")
        }
        guard let heldOn = meeting.heldOn else { throw missing("held_on", "held_on is not set") }
        let key =
            meeting.id.isEmpty
            ? [meeting.cellId, DateKeys.key(heldOn)!, meeting.kind.description, String(meeting.startMinute)]
                .joined(separator: "|")
            : meeting.id
        let attendees = meeting.attendance.map { MemberRef(fullName: $0.fullName, cardOrCitizenId: $0.memberId) }
        for index in meeting.attendance.indices { meeting.attendance[index].memberId = "" }
        let imported = ImportedMeeting(
            key: key,
            cell: UnitRef(codeOrName: meeting.cellId),
            meeting: meeting,
            attendees: attendees,
            chair: MemberRef(cardOrCitizenId: meeting.chairMemberId),
            recorder: MemberRef(cardOrCitizenId: meeting.recorderMemberId)
        )
        var cleared = imported
        cleared.meeting.id = ""
        cleared.meeting.cellId = ""
        cleared.meeting.chairMemberId = ""
        cleared.meeting.recorderMemberId = ""
        return .meeting(cleared)
    }

    private static func resolution(_ message: Resolution) throws(MessageFault) -> ImportRecord {
        var resolution = message
        guard !resolution.meetingId.isEmpty else {
            throw missing("meeting_id", "meeting_id is empty; give the meeting key")
        }
        guard !resolution.text.isEmpty else { throw missing("text", "text is empty") }
        let meeting = MeetingRef(key: resolution.meetingId)
        let owner = MemberRef(fullName: resolution.ownerName, cardOrCitizenId: resolution.ownerMemberId)
        resolution.meetingId = ""
        resolution.ownerMemberId = ""
        return .resolution(ImportedResolution(meeting: meeting, resolution: resolution, owner: owner))
    }

    private static func evaluation(_ message: Evaluation) throws(MessageFault) -> ImportRecord {
        var evaluation = message
        guard evaluation.subject == .orgUnit || evaluation.subject == .member else {
            throw missing("subject", "subject is not set")
        }
        guard !evaluation.subjectId.isEmpty else { throw missing("subject_id", "subject_id is empty") }
        guard evaluation.year != 0 else { throw missing("year", "year is not set") }
        guard evaluation.result != nil else { throw missing("grade", "neither grade nor score is set") }
        let subject = evaluation.subjectId
        let cell = UnitRef(codeOrName: evaluation.cellId)
        evaluation.subjectId = ""
        evaluation.cellId = ""
        if evaluation.subject == .member {
            return .evaluation(
                ImportedEvaluation(evaluation: evaluation, member: MemberRef(cardOrCitizenId: subject), cell: cell)
            )
        }
        return .evaluation(ImportedEvaluation(evaluation: evaluation, unit: UnitRef(codeOrName: subject)))
    }
}
