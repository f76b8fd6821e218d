import ChiboModel

/// A reference to an org unit as the file writes it, for the server to resolve. A file may name
/// a unit by code (`Mã chi bộ`), by name (`Tên chi bộ`), or in one column that holds either
/// (`Chi bộ`); the server tries the code first, then the name, and reports which it used.
public struct UnitRef: Hashable, Sendable, CustomStringConvertible {
    /// The unit's code, from a column that holds codes only.
    public var code: String
    /// The unit's name, from a column that holds names only.
    public var name: String
    /// A code or a name, from a column that may hold either.
    public var codeOrName: String

    /// Creates a reference; every part may be empty.
    public init(code: String = "", name: String = "", codeOrName: String = "") {
        self.code = code
        self.name = name
        self.codeOrName = codeOrName
    }

    /// True when the file named no unit.
    public var isEmpty: Bool { code.isEmpty && name.isEmpty && codeOrName.isEmpty }

    /// The parts present, as `code=…`, `name=…`, `code_or_name=…`.
    public var description: String {
        var parts: [String] = []
        if !code.isEmpty { parts.append("code=\(code)") }
        if !name.isEmpty { parts.append("name=\(name)") }
        if !codeOrName.isEmpty { parts.append("code_or_name=\(codeOrName)") }
        return parts.joined(separator: " ")
    }
}

/// A reference to a member as the file writes it. The natural key is the party card number,
/// else the citizen ID; a name alone is kept for the server to match within a cell (and to
/// report when it cannot).
public struct MemberRef: Hashable, Sendable, CustomStringConvertible {
    /// Party card number (`Số thẻ đảng viên`).
    public var partyCardNumber: String
    /// Citizen ID (`Số CCCD`).
    public var citizenId: String
    /// Full name as written (`Họ và tên`).
    public var fullName: String
    /// A party card number or a citizen ID, from a field that may hold either: the id fields of
    /// JSON Lines and protobuf records (`member_id`, `owner_member_id`, `subject_id`). The server
    /// tries it as a card number first.
    public var cardOrCitizenId: String

    /// Creates a reference; every part may be empty.
    public init(
        partyCardNumber: String = "",
        citizenId: String = "",
        fullName: String = "",
        cardOrCitizenId: String = ""
    ) {
        self.partyCardNumber = partyCardNumber
        self.citizenId = citizenId
        self.fullName = fullName
        self.cardOrCitizenId = cardOrCitizenId
    }

    /// The natural key: the party card number, else the citizen ID; nil when neither is given.
    public var naturalKey: NaturalKey? {
        if !partyCardNumber.isEmpty { return .partyCardNumber(partyCardNumber) }
        if !citizenId.isEmpty { return .citizenId(citizenId) }
        if !cardOrCitizenId.isEmpty { return .cardOrCitizenId(cardOrCitizenId) }
        return nil
    }

    /// True when the file named nobody.
    public var isEmpty: Bool { naturalKey == nil && fullName.isEmpty }

    /// The key, or the name when there is no key.
    public var description: String { naturalKey?.description ?? "name=\(fullName)" }

    /// A member's natural key.
    public enum NaturalKey: Hashable, Sendable, CustomStringConvertible {
        /// The party card number.
        case partyCardNumber(String)
        /// The citizen ID, used when there is no party card number.
        case citizenId(String)
        /// A card number or a citizen ID, from a field that may hold either.
        case cardOrCitizenId(String)

        /// `card=…`, `citizen_id=…` or `card_or_citizen_id=…`.
        public var description: String {
            switch self {
            case .partyCardNumber(let value): "card=\(value)"
            case .citizenId(let value): "citizen_id=\(value)"
            case .cardOrCitizenId(let value): "card_or_citizen_id=\(value)"
            }
        }
    }
}

/// A reference to a meeting: its key in the import (the `meeting_key` column), or the cell and
/// date it was held on.
public struct MeetingRef: Hashable, Sendable {
    /// The meeting key as written; empty when the file names the meeting by cell and date.
    public var key: String
    /// The cell that met.
    public var cell: UnitRef
    /// The date of the meeting.
    public var heldOn: CalendarDate?

    /// Creates a reference.
    public init(key: String = "", cell: UnitRef = UnitRef(), heldOn: CalendarDate? = nil) {
        self.key = key
        self.cell = cell
        self.heldOn = heldOn
    }
}

/// An org unit read from a file. `unit.parentId` is empty: the parent is in `parent`.
public struct ImportedOrgUnit: Hashable, Sendable {
    /// The unit; its natural key is `code`.
    public var unit: OrgUnit
    /// The parent as written, for the server to resolve; empty for a root.
    public var parent: UnitRef

    /// Creates a record.
    public init(unit: OrgUnit, parent: UnitRef = UnitRef()) {
        self.unit = unit
        self.parent = parent
    }
}

/// A member read from a file. `member.cellId` is empty: the cell is in `cell`.
public struct ImportedMember: Hashable, Sendable {
    /// The member; the natural key is the party card number, else the citizen ID.
    public var member: Member
    /// The cell as written, for the server to resolve; empty when the file names none.
    public var cell: UnitRef

    /// Creates a record.
    public init(member: Member, cell: UnitRef = UnitRef()) {
        self.member = member
        self.cell = cell
    }

    /// The member's key fields as a reference.
    public var key: MemberRef {
        MemberRef(partyCardNumber: member.partyCardNumber, citizenId: member.citizenId, fullName: member.fullName)
    }
}

/// A status event read from a file, for the member named by `member`.
public struct ImportedStatusEvent: Hashable, Sendable {
    /// Whose event it is; `member.naturalKey` is never nil.
    public var member: MemberRef
    /// The event. `otherUnitId` is empty: the other unit is in `otherUnit`.
    public var event: StatusEvent
    /// The unit on the other side of a transfer, as written; often empty.
    public var otherUnit: UnitRef

    /// Creates a record.
    public init(member: MemberRef, event: StatusEvent, otherUnit: UnitRef = UnitRef()) {
        self.member = member
        self.event = event
        self.otherUnit = otherUnit
    }
}

/// A meeting read from a file, with its attendance. `meeting.cellId`, the attendance records'
/// `memberId` and the chair and recorder ids are empty: the references are beside them.
public struct ImportedMeeting: Hashable, Sendable {
    /// The meeting key: the `meeting_key` column, or when the file has none, the cell, date,
    /// kind and start time joined with `|`.
    public var key: String
    /// The cell as written.
    public var cell: UnitRef
    /// The meeting and its attendance records, in file order.
    public var meeting: Meeting
    /// Who each attendance record is for, in the same order as `meeting.attendance`.
    public var attendees: [MemberRef]
    /// The chair as written; often a name only.
    public var chair: MemberRef
    /// The recorder (secretary of the minutes) as written.
    public var recorder: MemberRef

    /// Creates a record.
    public init(
        key: String,
        cell: UnitRef,
        meeting: Meeting,
        attendees: [MemberRef],
        chair: MemberRef = MemberRef(),
        recorder: MemberRef = MemberRef()
    ) {
        self.key = key
        self.cell = cell
        self.meeting = meeting
        self.attendees = attendees
        self.chair = chair
        self.recorder = recorder
    }
}

/// A resolution read from a file, naming the meeting that adopted it.
public struct ImportedResolution: Hashable, Sendable {
    /// The meeting: a key, or a cell and a date.
    public var meeting: MeetingRef
    /// The resolution; `meetingId` and `ownerMemberId` are empty, `ownerName` is as written.
    public var resolution: Resolution
    /// The member responsible, as written (often a name only); empty when none is named.
    public var owner: MemberRef

    /// Creates a record.
    public init(meeting: MeetingRef, resolution: Resolution, owner: MemberRef = MemberRef()) {
        self.meeting = meeting
        self.resolution = resolution
        self.owner = owner
    }
}

/// A yearly evaluation read from a file. `evaluation.subjectId` and `cellId` are empty: the
/// subject is `unit` or `member` according to `evaluation.subject`.
public struct ImportedEvaluation: Hashable, Sendable {
    /// The evaluation.
    public var evaluation: Evaluation
    /// The unit evaluated, when `evaluation.subject` is an org unit.
    public var unit: UnitRef
    /// The member evaluated, when `evaluation.subject` is a member.
    public var member: MemberRef
    /// The member's cell, as written (members only).
    public var cell: UnitRef

    /// Creates a record.
    public init(
        evaluation: Evaluation,
        unit: UnitRef = UnitRef(),
        member: MemberRef = MemberRef(),
        cell: UnitRef = UnitRef()
    ) {
        self.evaluation = evaluation
        self.unit = unit
        self.member = member
        self.cell = cell
    }
}

/// One typed record read from a file.
public enum ImportRecord: Hashable, Sendable {
    /// An org unit.
    case orgUnit(ImportedOrgUnit)
    /// A member.
    case member(ImportedMember)
    /// A member's status event.
    case statusEvent(ImportedStatusEvent)
    /// A meeting with its attendance.
    case meeting(ImportedMeeting)
    /// A resolution.
    case resolution(ImportedResolution)
    /// An evaluation.
    case evaluation(ImportedEvaluation)
}

/// A record and the rows it came from.
public struct ImportItem: Hashable, Sendable {
    /// The record.
    public var record: ImportRecord
    /// The rows of the main file it was read from, ascending: one for most records, every
    /// attendance row for a meeting read from one file (and its single row for a meeting of
    /// the two-file form).
    public var rows: [Int]
    /// For a meeting of the two-file form: its rows in the attendance file, ascending.
    public var attendanceRows: [Int]
    /// What the reader changed or noticed in the rows without refusing them (a cell typed in
    /// TCVN3 converted to Unicode).
    public var warnings: [RowWarning]

    /// Creates an item.
    public init(record: ImportRecord, rows: [Int], attendanceRows: [Int] = [], warnings: [RowWarning] = []) {
        self.record = record
        self.rows = rows
        self.attendanceRows = attendanceRows
        self.warnings = warnings
    }

    /// How many rows, in both files, the record accounts for.
    public var rowCount: Int { rows.count + attendanceRows.count }
}

/// What the reader yields, in file order.
public enum ImportEvent: Hashable, Sendable {
    /// A record.
    case item(ImportItem)
    /// A row that could not become a record.
    case error(RowError)
}

/// Counts kept while reading, so a preview and the import that follows can be checked to add
/// up: `rowsRead == rowsInRecords + errors`.
public struct ImportSummary: Hashable, Sendable, CustomStringConvertible {
    /// Data rows read, in both files of the two-file form; blank rows are not counted.
    public var rowsRead = 0
    /// Records yielded.
    public var records = 0
    /// Rows accounted for by the records yielded (a meeting counts all its rows).
    public var rowsInRecords = 0
    /// Row errors yielded.
    public var errors = 0
    /// Rows left out because every cell was empty.
    public var blankRows = 0

    /// Creates an empty summary.
    public init() {}

    /// True when every row read is in a record or an error. Always true once the reader is
    /// exhausted; a shortfall means rows are still buffered (a meeting not yet closed).
    public var isBalanced: Bool { rowsRead == rowsInRecords + errors }

    /// `N rows: R records (from K rows), E errors, B blank rows skipped`.
    public var description: String {
        "\(rowsRead) rows: \(records) records (from \(rowsInRecords) rows), \(errors) errors, \(blankRows) blank rows skipped"
    }
}

/// A row imported with a remark: a value converted, or a value in the file that disagrees with
/// what Chibo derives and stores. Written to the warnings file; `--strict` refuses such rows.
public struct RowWarning: Hashable, Sendable, CustomStringConvertible {
    /// The kind, for example `legacy_text_converted` or `category_differs`.
    public var code: String
    /// The file's row number.
    public var row: Int
    /// The column as the file's header names it.
    public var column: String
    /// The value as the file holds it.
    public var fileValue: String
    /// The value Chibo keeps.
    public var chiboValue: String
    /// What happened, for a person.
    public var message: String

    /// Creates a warning.
    public init(code: String, row: Int, column: String, fileValue: String, chiboValue: String, message: String) {
        self.code = code
        self.row = row
        self.column = column
        self.fileValue = fileValue
        self.chiboValue = chiboValue
        self.message = message
    }

    /// One line: `row N column: message [code]`.
    public var description: String { "row \(row) \(column): \(message) [\(code)]" }
}
