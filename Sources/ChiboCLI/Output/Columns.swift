import ChiboModel

/// One column of a table or CSV file: a stable key (the CSV header), a header in each
/// language, and how to read the cell from a record.
public struct Column<Row>: Sendable {
    /// Stable key, lower_snake_case; the CSV header.
    public let key: String
    /// Header in English.
    public let en: String
    /// Header in Vietnamese.
    public let vi: String
    /// Whether the column holds numbers (aligned right in tables).
    public let numeric: Bool
    /// The cell of a record.
    public let value: @Sendable (Row, Presenter) -> TableCell
    /// The outputs that show the column: a table may join values a spreadsheet needs apart.
    public var shownIn: Shown = .everywhere

    /// Where a column is shown.
    public enum Shown: Sendable {
        /// Tables and CSV.
        case everywhere
        /// Tables only (a value joined for reading, such as "20/22" or "19:30–21:45").
        case table
        /// CSV only (one value a column, for spreadsheets).
        case data
    }

    /// The column shown only in the given outputs.
    public func only(_ shown: Shown) -> Column {
        var column = self
        column.shownIn = shown
        return column
    }

    /// Whether the column is shown in a table (`true`) or in CSV (`false`).
    public func isShown(inTable: Bool) -> Bool {
        switch shownIn {
        case .everywhere: true
        case .table: inTable
        case .data: !inTable
        }
    }

    /// Creates a column.
    public init(
        _ key: String,
        _ en: String,
        _ vi: String,
        numeric: Bool = false,
        _ value: @escaping @Sendable (Row, Presenter) -> TableCell
    ) {
        self.key = key
        self.en = en
        self.vi = vi
        self.numeric = numeric
        self.value = value
    }

    /// A plain text column.
    public static func text(
        _ key: String,
        _ en: String,
        _ vi: String,
        _ read: @escaping @Sendable (Row) -> String
    ) -> Column {
        Column(key, en, vi) { row, _ in TableCell(read(row)) }
    }

    /// A number column.
    public static func number(
        _ key: String,
        _ en: String,
        _ vi: String,
        _ read: @escaping @Sendable (Row) -> Int32
    ) -> Column {
        Column(key, en, vi, numeric: true) { row, _ in TableCell(String(read(row))) }
    }

    /// A date column (YYYY-MM-DD).
    public static func date(
        _ key: String,
        _ en: String,
        _ vi: String,
        _ read: @escaping @Sendable (Row) -> CalendarDate?
    ) -> Column {
        Column(key, en, vi) { row, presenter in TableCell(presenter.date(read(row))) }
    }

    /// The header in a language.
    public func header(_ language: Language) -> String { language == .vi ? vi : en }
}

/// The columns each kind of record is shown with.
public enum Columns {
    /// Org units: in a table the parent by its code and no internal id (CSV keeps both).
    public static func orgUnit(_ units: UnitNames) -> [Column<OrgUnit>] {
        [
            Column.text("id", "ID", "Mã ID") { $0.id }.only(.data),
            .text("code", "CODE", "KÝ HIỆU") { $0.code },
            .text("name", "NAME", "TÊN") { $0.name },
            Column("kind", "KIND", "LOẠI") { unit, p in TableCell(p.value(unit.kind.protoName, unit.kind.rawValue)) },
            Column.text("parent_id", "PARENT", "TRỰC THUỘC") { $0.parentId }.only(.data),
            .text("parent_code", "PARENT", "TRỰC THUỘC") { $0.parentId.isEmpty ? "" : units.code($0.parentId) },
            Column("meeting_day", "MEETS ON", "NGÀY SH", numeric: true) { unit, _ in
                TableCell(unit.meetingDay == 0 ? "" : String(unit.meetingDay))
            },
            .date("valid_from", "FROM", "TỪ NGÀY") { $0.valid?.from },
            Column("voided", "VOIDED", "ĐÃ HỦY") { unit, p in voided(unit.meta, p) },
        ]
    }

    /// Members: in a table the cell by its code and no internal id (CSV keeps both).
    public static func member(_ units: UnitNames) -> [Column<Member>] {
        [
            Column.text("id", "ID", "Mã ID") { $0.id }.only(.data),
            .text("party_card_number", "CARD NO.", "SỐ THẺ") { $0.partyCardNumber },
            .text("full_name", "NAME", "HỌ VÀ TÊN") { $0.fullName },
            Column("gender", "GENDER", "GIỚI TÍNH") { m, p in TableCell(p.value(m.gender.protoName, m.gender.rawValue))
            },
            .date("birth_date", "BORN", "NGÀY SINH") { $0.birthDate },
            Column.text("cell_id", "CELL", "CHI BỘ") { $0.cellId }.only(.data),
            .text("cell_code", "CELL", "CHI BỘ") { units.code($0.cellId) },
            Column("status", "STATUS", "TÌNH TRẠNG") { m, p in
                let label = p.value(m.status.protoName, m.status.rawValue)
                let alert = [.struckOff, .expelled, .deceased, .transferredOut].contains(m.status)
                return TableCell(label, alert ? .warning : .none)
            },
            .date("admitted_on", "ADMITTED", "NGÀY VÀO ĐẢNG") { $0.admittedOn },
            .text("revision", "REV", "PHIÊN BẢN") { String($0.meta?.revision ?? 0) },
            Column("voided", "VOIDED", "ĐÃ HỦY") { m, p in voided(m.meta, p) },
        ]
    }

    /// Status events of a member.
    public static let statusEvent: [Column<StatusEvent>] = [
        Column.text("id", "ID", "Mã ID") { $0.id }.only(.data),
        Column("kind", "EVENT", "SỰ KIỆN") { e, p in TableCell(p.value(e.kind.protoName, e.kind.rawValue)) },
        .date("effective_on", "ON", "NGÀY") { $0.effectiveOn },
        .text("decision_ref", "DECISION", "QUYẾT ĐỊNH") { $0.decisionRef },
        .text("place", "PLACE", "NƠI") { $0.place },
        .date("expected_return_on", "RETURN BY", "HẸN VỀ") { $0.expectedReturnOn },
        .text("note", "NOTE", "GHI CHÚ") { $0.note },
    ]

    /// Meetings: in a table the cell by its code and no internal id (CSV keeps both).
    public static func meeting(_ units: UnitNames) -> [Column<Meeting>] {
        [
            Column.text("id", "ID", "Mã ID") { $0.id }.only(.data),
            Column.text("cell_id", "CELL", "CHI BỘ") { $0.cellId }.only(.data),
            .text("cell_code", "CELL", "CHI BỘ") { units.code($0.cellId) },
            .date("held_on", "DATE", "NGÀY") { $0.heldOn },
            Column("kind", "KIND", "LOẠI") { m, p in TableCell(p.value(m.kind.protoName, m.kind.rawValue)) },
            Column("time", "TIME", "GIỜ") { m, p in
                TableCell(
                    m.startMinute == 0 && m.endMinute == 0
                        ? "" : p.time(m.startMinute, blankZero: false) + "–" + p.time(m.endMinute, blankZero: false)
                )
            }.only(.table),
            Column("start", "START", "BẮT ĐẦU") { m, p in
                TableCell(m.startMinute == 0 && m.endMinute == 0 ? "" : p.time(m.startMinute, blankZero: false))
            }.only(.data),
            Column("end", "END", "KẾT THÚC") { m, p in
                TableCell(m.startMinute == 0 && m.endMinute == 0 ? "" : p.time(m.endMinute, blankZero: false))
            }.only(.data),
            .text("topic", "TOPIC", "CHUYÊN ĐỀ") { $0.topic },
            Column("present", "PRESENT", "CÓ MẶT", numeric: true) { m, _ in
                let present = m.attendance.filter { $0.state == .present }.count
                return TableCell("\(present)/\(m.attendance.count)")
            }.only(.table),
            Column("present", "PRESENT", "CÓ MẶT", numeric: true) { m, _ in
                TableCell(String(m.attendance.filter { $0.state == .present }.count))
            }.only(.data),
            .number("expected", "EXPECTED", "PHẢI DỰ") { Int32($0.attendance.count) }.only(.data),
            Column("absent_unexcused", "UNEXCUSED", "VẮNG KLD", numeric: true) { m, _ in
                let count = m.attendance.filter { $0.state == .absentUnexcused }.count
                return TableCell(String(count), count > 0 ? .alert : .none)
            },
            .number("resolutions", "RESOLUTIONS", "NGHỊ QUYẾT") { Int32($0.resolutions.count) },
            .text("revision", "REV", "PHIÊN BẢN") { String($0.meta?.revision ?? 0) },
            Column("voided", "VOIDED", "ĐÃ HỦY") { m, p in voided(m.meta, p) },
        ]
    }

    /// Attendance records of one meeting, members by party-card number in a table (`cards`:
    /// member id to card; CSV keeps the id too).
    public static func attendance(_ cards: [String: String]) -> [Column<AttendanceRecord>] {
        [
            Column.text("member_id", "MEMBER", "ĐẢNG VIÊN") { $0.memberId }.only(.data),
            .text("party_card_number", "CARD NO.", "SỐ THẺ") { cards[$0.memberId] ?? "" },
            .text("full_name", "NAME", "HỌ VÀ TÊN") { $0.fullName },
            Column("state", "ATTENDANCE", "ĐIỂM DANH") { r, p in
                let emphasis: TableCell.Emphasis =
                    switch r.state {
                    case .absentUnexcused: .alert
                    case .absentExcused, .notRecorded: .warning
                    default: .none
                    }
                return TableCell(p.value(r.state.protoName, r.state.rawValue), emphasis)
            },
            .text("reason", "REASON", "LÝ DO") { $0.reason },
            Column("category", "CATEGORY", "DIỆN") { r, p in
                TableCell(p.value(r.category.protoName, r.category.rawValue))
            },
            Column("spoke", "SPOKE", "PHÁT BIỂU") { r, p in
                TableCell(r.spoke ? p.text(p.raw ? "true" : "yes", p.raw ? "true" : "có") : (p.raw ? "false" : ""))
            },
        ]
    }

    /// Resolutions.
    public static let resolution: [Column<Resolution>] = [
        Column.text("id", "ID", "Mã ID") { $0.id }.only(.data),
        Column.text("meeting_id", "MEETING", "CUỘC HỌP") { $0.meetingId }.only(.data),
        .text("text", "TASK", "NỘI DUNG") { $0.text },
        .text("owner", "OWNER", "PHỤ TRÁCH") { $0.ownerName.isEmpty ? $0.ownerMemberId : $0.ownerName },
        .date("due_on", "DUE", "HẠN") { $0.dueOn },
        Column("status", "STATUS", "TIẾN ĐỘ") { r, p in TableCell(p.value(r.status.protoName, r.status.rawValue)) },
        .date("closed_on", "CLOSED", "NGÀY XONG") { $0.closedOn },
        .text("revision", "REV", "PHIÊN BẢN") { String($0.meta?.revision ?? 0) },
    ]

    /// Change feed entries.
    public static let change: [Column<ChangeEvent>] = [
        .text("seq", "SEQ", "SỐ") { String($0.seq) },
        Column("at", "AT", "LÚC") { e, _ in TableCell(Timestamps.iso(milliseconds: e.atMs)) },
        .text("entity", "ENTITY", "LOẠI") { $0.entity },
        .text("entity_id", "ID", "Mã ID") { $0.entityId },
        .text("revision", "REV", "PHIÊN BẢN") { String($0.revision) },
        .text("change", "CHANGE", "THAY ĐỔI") { $0.change },
        .text("actor", "BY", "NGƯỜI SỬA") { $0.actor },
    ]

    /// The revisions of one record: when, who, what.
    public static let revision: [Column<ChangeEvent>] = [
        .text("revision", "REV", "PHIÊN BẢN") { String($0.revision) },
        Column("at", "AT (UTC)", "LÚC (UTC)") { e, _ in TableCell(Timestamps.iso(milliseconds: e.atMs)) },
        .text("actor", "BY", "NGƯỜI SỬA") { $0.actor },
        .text("change", "CHANGE", "THAY ĐỔI") { $0.change },
        Column("voided", "VOIDED", "ĐÃ HỦY") { e, p in
            switch e.record {
            case .member(let member)?: voided(member.meta, p)
            case .meeting(let meeting)?: voided(meeting.meta, p)
            case .orgUnit(let unit)?: voided(unit.meta, p)
            default: TableCell("")
            }
        },
        .text("seq", "SEQ", "SỐ") { String($0.seq) },
    ]

    /// Attendance report rows, units by code.
    public static func attendanceRow(_ units: UnitNames) -> [Column<AttendanceRow>] {
        [
            .text("unit_code", "UNIT", "ĐƠN VỊ") { units.code($0.unitId) },
            .text("unit_name", "NAME", "TÊN") { $0.unitName },
            Column("period", "PERIOD", "KỲ") { r, _ in TableCell(r.period.map(Periods.label) ?? "") },
            .number("meetings", "MEETINGS", "SỐ BUỔI") { $0.meetings },
            .number("expected", "EXPECTED", "PHẢI DỰ") { $0.expected },
            .number("present", "PRESENT", "CÓ MẶT") { $0.present },
            .number("absent_excused", "EXCUSED", "VẮNG CLD") { $0.absentExcused },
            Column("absent_unexcused", "UNEXCUSED", "VẮNG KLD", numeric: true) { r, _ in
                TableCell(String(r.absentUnexcused), r.absentUnexcused > 0 ? .alert : .none)
            },
            Column("rate", "RATE", "TỶ LỆ", numeric: true) { r, p in
                TableCell(r.expected == 0 ? "" : p.percent(r.rateBp))
            },
            .number("good_meetings", "GOOD", "ĐẠT") { $0.goodMeetings },
        ]
    }

    /// Report flags: the unit by code and name, the member by card number and name, never ids.
    public static func flag(_ units: UnitNames, _ members: MemberNames) -> [Column<Flag>] {
        [
            Column("kind", "FLAG", "CẢNH BÁO") { f, p in TableCell(p.value(f.kind.protoName, f.kind.rawValue), .alert)
            },
            .text("unit_code", "UNIT", "ĐƠN VỊ") { units.code($0.unitId) },
            Column.text("unit_name", "UNIT NAME", "TÊN ĐƠN VỊ") { units.name($0.unitId) }.only(.data),
            .text("party_card_number", "CARD NO.", "SỐ THẺ") { members.card($0.memberId) },
            Column.text("member_name", "MEMBER", "ĐẢNG VIÊN") { members.name($0.memberId) }.only(.data),
            Column("period", "PERIOD", "KỲ") { f, _ in TableCell(f.period.map(Periods.label) ?? "") },
            .date("on", "DATE", "NGÀY") { $0.on },
            .text("detail", "DETAIL", "CHI TIẾT") { $0.detail },
        ]
    }

    /// Participation report rows, units by code.
    public static func participationRow(_ units: UnitNames) -> [Column<ParticipationRow>] {
        [
            .text("unit_code", "UNIT", "ĐƠN VỊ") { units.code($0.unitId) },
            .text("unit_name", "NAME", "TÊN") { $0.unitName },
            .number("meetings", "MEETINGS", "SỐ BUỔI") { $0.meetings },
            .number("present", "PRESENT", "CÓ MẶT") { $0.present },
            .number("spoke", "SPOKE", "PHÁT BIỂU") { $0.spoke },
            Column("speaking_rate", "SPEAKING", "TỶ LỆ PB", numeric: true) { r, p in
                TableCell(p.percent(r.speakingRateBp))
            },
            .number("supervised_meetings", "SUPERVISED", "CÓ PHỤ TRÁCH") { $0.supervisedMeetings },
            .number("supervisor_attended", "ATTENDED", "PT DỰ") { $0.supervisorAttended },
            Column("supervision_coverage", "COVERAGE", "TỶ LỆ DỰ", numeric: true) { r, p in
                TableCell(p.percent(r.supervisionCoverageBp))
            },
        ]
    }

    /// Grading report rows, one per commune, by code.
    public static func gradingRow(_ units: UnitNames) -> [Column<GradingRow>] {
        var columns: [Column<GradingRow>] = [
            .text("unit_code", "UNIT", "ĐƠN VỊ") { units.code($0.unitId) },
            .number("year", "YEAR", "NĂM") { $0.year },
        ]
        for grade in [Grade.excellent, .good, .completed, .notCompleted] {
            let short = grade.protoName!.dropFirst("GRADE_".count).lowercased()
            let label = Presenter.enumLabels[grade.protoName!]!
            columns.append(
                .number("members_\(short)", "MEMBERS " + label.0.uppercased(), "ĐV " + label.1) { row in
                    row.members.first { $0.grade == grade }?.count ?? 0
                }
            )
        }
        for grade in [Grade.excellent, .good, .completed, .notCompleted] {
            let short = grade.protoName!.dropFirst("GRADE_".count).lowercased()
            let label = Presenter.enumLabels[grade.protoName!]!
            columns.append(
                .number("cells_\(short)", "CELLS " + label.0.uppercased(), "CB " + label.1) { row in
                    row.cells.first { $0.grade == grade }?.count ?? 0
                }
            )
        }
        columns.append(.number("clean_and_strong_cells", "CLEAN & STRONG", "TSVM") { $0.cleanAndStrongCells })
        columns.append(
            Column("violations", "CAPS BROKEN", "VƯỢT TỶ LỆ", numeric: true) { row, _ in
                TableCell(String(row.violations.count), row.violations.isEmpty ? .none : .alert)
            }
        )
        return columns
    }

    /// Rule sets.
    public static let ruleSet: [Column<RuleSet>] = [
        .text("id", "ID", "Mã ID") { $0.id },
        .text("scope_unit_id", "SCOPE", "PHẠM VI") { $0.scopeUnitId },
        .date("effective_from", "FROM", "TỪ NGÀY") { $0.effectiveFrom },
        Column("good_attendance", "GOOD ATTENDANCE >", "ĐẠT KHI >", numeric: true) { r, p in
            TableCell(r.goodAttendanceBp == 0 ? "" : p.percent(r.goodAttendanceBp))
        },
        .number("thematic_every_months", "THEMATIC EVERY", "CHUYÊN ĐỀ MỖI") { $0.thematicEveryMonths },
        .number("min_meeting_minutes", "MIN MINUTES", "TỐI THIỂU PHÚT") { $0.minMeetingMinutes },
        Column("excellent_member_cap", "EXCELLENT CAP", "TRẦN XUẤT SẮC", numeric: true) { r, p in
            TableCell(r.excellentMemberCapBp == 0 ? "" : p.percent(r.excellentMemberCapBp))
        },
        .text("source", "SOURCE", "CĂN CỨ") { $0.source },
        Column("voided", "VOIDED", "ĐÃ HỦY") { r, p in voided(r.meta, p) },
    ]

    /// Yearly evaluations; `names` gives whose each is (a card number, a unit code) for tables.
    public static func evaluation(_ names: [String: String]) -> [Column<Evaluation>] {
        [
            Column.text("id", "ID", "Mã ID") { $0.id }.only(.data),
            Column("subject", "SUBJECT", "ĐỐI TƯỢNG") { e, p in
                TableCell(p.value(e.subject.protoName, e.subject.rawValue))
            },
            Column.text("subject_id", "OF", "CỦA") { $0.subjectId }.only(.data),
            .text("subject", "OF", "CỦA") { names[$0.subjectId] ?? $0.subjectId },
            .number("year", "YEAR", "NĂM") { $0.year },
            Column("result", "RESULT", "KẾT QUẢ") { e, p in
                switch e.result {
                case .grade(let grade)?: TableCell(p.value(grade.protoName, grade.rawValue))
                case .score(let score)?: TableCell(String(score))
                case nil: TableCell("")
                }
            },
            Column("clean_and_strong", "CLEAN & STRONG", "TSVM") { e, p in
                TableCell(e.cleanAndStrong ? (p.raw ? "true" : p.text("yes", "có")) : (p.raw ? "false" : ""))
            },
            .text("decision_ref", "DECISION", "QUYẾT ĐỊNH") { $0.decisionRef },
            .text("revision", "REV", "PHIÊN BẢN") { String($0.meta?.revision ?? 0) },
            Column("voided", "VOIDED", "ĐÃ HỦY") { e, p in voided(e.meta, p) },
        ]
    }

    static func voided(_ meta: RecordMeta?, _ presenter: Presenter) -> TableCell {
        guard let meta, meta.voided else { return TableCell(presenter.raw ? "false" : "") }
        if presenter.raw { return TableCell("true") }
        let reason = meta.voidReason.isEmpty ? "" : ": " + meta.voidReason
        return TableCell(presenter.text("VOIDED", "ĐÃ HỦY") + reason, .alert)
    }
}

/// Labels of report periods.
public enum Periods {
    /// "2026-03" for a month, "2026-Q1" for a quarter, "2026" for a year.
    public static func label(_ period: Period) -> String {
        switch period.kind {
        case .month: "\(period.year)-\(period.index < 10 ? "0" : "")\(period.index)"
        case .quarter: "\(period.year)-Q\(period.index)"
        default: "\(period.year)"
        }
    }
}

/// Unix-millisecond instants as text.
public enum Timestamps {
    /// UTC ISO 8601 with seconds, for example "2026-03-03T12:30:05Z".
    public static func iso(milliseconds: Int64) -> String {
        let seconds = milliseconds / 1000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let date = civil(fromDays: days)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(date.year)-\(two(date.month))-\(two(date.day))T\(two(secondOfDay / 3600)):"
            + "\(two(secondOfDay % 3600 / 60)):\(two(secondOfDay % 60))Z"
    }

    /// Howard Hinnant's days-from-civil inverse.
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
