/// One column an entity's CSV file may have.
public struct ImportColumn: Hashable, Sendable {
    /// Whether a column must be present and filled.
    public enum Requirement: Hashable, Sendable, CustomStringConvertible {
        /// The column must be present and every row must fill it.
        case required
        /// The column may be left out, and its cells left empty.
        case optional
        /// At least one column of the named group must be present, and every row must fill at
        /// least one of them (for example `party_card_number or citizen_id`).
        case oneOf(String)
        /// The column may be left out, but rows of one kind must fill it (`for a working-away
        /// event`).
        case requiredFor(String)

        /// `required`, `optional`, `required: …` or `required for …`.
        public var description: String {
            switch self {
            case .required: "required"
            case .optional: "optional"
            case .oneOf(let group): "required: \(group)"
            case .requiredFor(let rows): "required for \(rows)"
            }
        }
    }

    /// The English name, the schema's field name where there is one (`full_name`).
    public var field: String
    /// The Vietnamese headers accepted (`Họ và tên`, `Họ tên`), matched ignoring case, spaces,
    /// punctuation and diacritics, as the English name is.
    public var labels: [String]
    /// What the cells hold, for a person (`date`, `text`, `Nam, Nữ`).
    public var type: String
    /// Whether the column is needed.
    public var requirement: Requirement
    /// An example value.
    public var example: String
    /// What the column means.
    public var meaning: String

    /// Creates a column description.
    public init(
        field: String,
        labels: [String],
        type: String,
        requirement: Requirement,
        example: String,
        meaning: String
    ) {
        self.field = field
        self.labels = labels
        self.type = type
        self.requirement = requirement
        self.example = example
        self.meaning = meaning
    }
}

extension ImportColumn {
    /// The same column with another requirement.
    func with(_ requirement: Requirement) -> ImportColumn {
        var column = self
        column.requirement = requirement
        return column
    }
}

/// The columns each entity's CSV files accept. docs/IMPORT.md lists the same (a test keeps them
/// in step).
public enum ImportColumns {
    /// The columns of a CSV file of `entity`. For meetings, the one-file form: the meeting's
    /// columns and the attendance columns on every row.
    public static func columns(for entity: ImportEntity) -> [ImportColumn] {
        switch entity {
        case .orgUnits: orgUnits
        case .members: members
        case .statusEvents: statusEvents
        case .meetings: meeting + attendance
        case .resolutions: resolutions
        case .evaluations: evaluations
        }
    }

    /// The meetings file of the two-file meeting form: one row per meeting, `meeting_key`
    /// required.
    public static var meetingsFile: [ImportColumn] {
        meeting.map { $0.field == "meeting_key" ? required($0) : $0 }
    }

    /// The attendance file of the two-file meeting form: `meeting_key` and the attendance
    /// columns.
    public static var attendanceFile: [ImportColumn] {
        [required(meeting[0])] + attendance
    }

    private static func required(_ column: ImportColumn) -> ImportColumn {
        column.with(.required)
    }

    private static func column(
        _ field: String,
        _ labels: [String],
        _ type: String,
        _ requirement: ImportColumn.Requirement = .optional,
        example: String,
        _ meaning: String
    ) -> ImportColumn {
        ImportColumn(
            field: field,
            labels: labels,
            type: type,
            requirement: requirement,
            example: example,
            meaning: meaning
        )
    }

    private static func words<Value>(_ vocabulary: Vocabulary<Value>) -> String {
        let list = "one of: " + vocabulary.shown.joined(separator: ", ")
        return Value.self == Bool.self ? list + ", or empty for no" : list + " (or the enum name)"
    }

    private static let memberKey = "party_card_number or citizen_id"

    private static let cellColumns = [
        column(
            "cell",
            ["Chi bộ", "Sinh hoạt tại chi bộ"],
            "unit code or name",
            example: "MB-BANBO",
            "The cell, by code or by name"
        ),
        column("cell_code", ["Mã chi bộ"], "unit code", example: "MB-BANBO", "The cell, by code"),
        column("cell_name", ["Tên chi bộ"], "unit name", example: "Chi bộ bản Bó", "The cell, by name"),
    ]

    private static func memberColumns(keyRequired: Bool, nameMeaning: String) -> [ImportColumn] {
        let key: ImportColumn.Requirement = keyRequired ? .oneOf(memberKey) : .oneOf("\(memberKey) or full_name")
        return [
            column(
                "party_card_number",
                ["Số thẻ đảng viên", "Số thẻ Đảng", "Số thẻ ĐV", "Số thẻ", "Thẻ đảng viên"],
                "text",
                key,
                example: "01012345",
                "Party card number: the member's natural key"
            ),
            column(
                "citizen_id",
                ["Số CCCD", "CCCD", "Căn cước công dân", "Số căn cước", "Số định danh", "Số CMND", "CMND"],
                "text",
                key,
                example: "014079001234",
                "Citizen ID: the natural key of a member without a card number"
            ),
            column(
                "full_name",
                ["Họ và tên", "Họ tên", "Tên đảng viên", "Họ và tên đảng viên"],
                "text",
                keyRequired ? .optional : key,
                example: "Tòng Văn Hạnh",
                nameMeaning
            ),
        ]
    }

    static let orgUnits: [ImportColumn] = [
        column(
            "code",
            ["Mã", "Mã đơn vị", "Mã tổ chức", "Mã chi bộ", "Ký hiệu"],
            "text",
            .required,
            example: "MB-BANBO",
            "Unit code, unique among units of the same time: the natural key"
        ),
        column(
            "name",
            ["Tên", "Tên đơn vị", "Tên tổ chức", "Tên chi bộ"],
            "text",
            .required,
            example: "Chi bộ bản Bó",
            "Full name with diacritics"
        ),
        column(
            "kind",
            ["Loại", "Cấp", "Loại đơn vị", "Loại tổ chức"],
            words(Vocabularies.orgUnitKind),
            .required,
            example: "Chi bộ",
            "Level in the tree"
        ),
        column(
            "parent",
            ["Trực thuộc", "Đơn vị cấp trên", "Cấp trên", "Mã cấp trên"],
            "unit code or name",
            example: "MB",
            "The parent unit, by code or by name (resolved by the server)"
        ),
        column(
            "meeting_day",
            ["Ngày sinh hoạt định kỳ", "Ngày sinh hoạt", "Ngày họp"],
            "whole number 1–31",
            example: "3",
            "Day of the month of the regular meeting"
        ),
        column(
            "valid_from",
            ["Ngày thành lập", "Từ ngày", "Hiệu lực từ"],
            "date",
            example: "01/07/2025",
            "First day the unit exists"
        ),
        column(
            "valid_to",
            ["Ngày giải thể", "Đến ngày", "Hiệu lực đến"],
            "date",
            example: "",
            "First day the unit no longer exists"
        ),
        column("note", ["Ghi chú"], "text", example: "QĐ 125-QĐ/ĐU", "Free-text note"),
    ]

    static let members: [ImportColumn] =
        memberColumns(keyRequired: true, nameMeaning: "Full name with diacritics")
        .map { $0.field == "full_name" ? $0.with(.oneOf("full_name or given_name")) : $0 }
        + [
            column(
                "family_name",
                ["Họ"],
                "text",
                example: "Tòng",
                "Family name, when the roster splits the name (full_name is then made from the parts)"
            ),
            column("middle_name", ["Tên đệm", "Đệm"], "text", example: "Văn", "Middle name"),
            column("given_name", ["Tên"], "text", .oneOf("full_name or given_name"), example: "Hạnh", "Given name"),
            column("gender", ["Giới tính", "Nam/Nữ"], words(Vocabularies.gender), example: "Nam", "Gender"),
            column(
                "birth_date",
                ["Ngày sinh", "Ngày tháng năm sinh", "Sinh ngày"],
                "date",
                example: "30/04/1979",
                "Birth date"
            ),
            column("ethnicity", ["Dân tộc"], "text", example: "Thái", "Ethnicity"),
            column(
                "home_place",
                ["Quê quán", "Nguyên quán"],
                "text",
                example: "Mường Bằng, Mai Sơn, Sơn La",
                "Home place"
            ),
            column(
                "phone",
                ["Điện thoại", "Số điện thoại", "SĐT", "ĐT"],
                "text",
                example: "0912345678",
                "Phone number"
            ),
            column(
                "admitted_on",
                ["Ngày vào Đảng", "Ngày kết nạp", "Ngày vào Đảng Dự bị", "Ngày vào Đảng Ngày kết nạp"],
                "date",
                example: "19/05/2005",
                "Date admitted to the party"
            ),
            column(
                "official_on",
                ["Ngày chính thức", "Ngày công nhận chính thức", "Ngày vào Đảng Chính thức"],
                "date",
                example: "19/05/2006",
                "Date made an official member"
            ),
        ] + cellColumns + [
            column("note", ["Ghi chú"], "text", example: "", "Free-text note")
        ]

    static let statusEvents: [ImportColumn] =
        memberColumns(keyRequired: true, nameMeaning: "Full name, to check the key against") + [
            column(
                "kind",
                ["Loại", "Sự kiện", "Loại biến động", "Biến động", "Nội dung"],
                words(Vocabularies.statusEventKind),
                .required,
                example: "đi làm ăn xa",
                "What happened"
            ),
            column(
                "effective_on",
                ["Ngày", "Ngày hiệu lực", "Từ ngày", "Ngày biến động"],
                "date",
                .required,
                example: "01/03/2024",
                "The date it took effect"
            ),
            column(
                "decision_ref",
                ["Số quyết định", "Quyết định", "Số QĐ"],
                "text",
                example: "125-QĐ/ĐU",
                "Number of the decision behind it"
            ),
            column(
                "place",
                ["Nơi đến", "Nơi đi", "Nơi làm việc", "Địa điểm"],
                "text",
                .requiredFor("a working-away event"),
                example: "Bình Dương",
                "Where the member went or came from; where a member working away works"
            ),
            column(
                "expected_return_on",
                ["Ngày dự kiến trở về", "Dự kiến trở về", "Ngày về"],
                "date",
                example: "01/03/2025",
                "Expected return"
            ),
            column(
                "other_unit",
                ["Đơn vị chuyển đến", "Đơn vị chuyển đi", "Đơn vị khác"],
                "unit code or name",
                example: "",
                "The unit on the other side of a transfer, when in Chibo"
            ),
            column("note", ["Ghi chú", "Lý do"], "text", example: "", "Free-text note or reason"),
        ]

    static let meeting: [ImportColumn] =
        [
            column(
                "meeting_key",
                ["Mã cuộc họp", "Mã buổi sinh hoạt", "Mã sinh hoạt", "Số biên bản"],
                "text",
                example: "BANBO-2026-03",
                "Names the meeting within the import; without it, rows with the same cell, date, kind and start time form one meeting"
            )
        ] + cellColumns.map { $0.with(.oneOf("cell, cell_code or cell_name")) } + [
            column(
                "held_on",
                ["Ngày sinh hoạt", "Ngày họp", "Ngày"],
                "date",
                .required,
                example: "03/03/2026",
                "Date of the meeting"
            ),
            column(
                "start_time",
                ["Giờ bắt đầu", "Bắt đầu", "Từ giờ"],
                "time",
                example: "19:30",
                "Start time (Vietnam time)"
            ),
            column(
                "end_time",
                ["Giờ kết thúc", "Kết thúc", "Đến giờ"],
                "time",
                example: "21:30",
                "End time (Vietnam time)"
            ),
            column(
                "kind",
                ["Loại", "Loại sinh hoạt", "Hình thức", "Hình thức sinh hoạt"],
                words(Vocabularies.meetingKind),
                .required,
                example: "thường kỳ",
                "Regular, thematic, both, or extraordinary"
            ),
            column(
                "topic",
                ["Chủ đề", "Chuyên đề", "Nội dung chuyên đề"],
                "text",
                example: "Phát triển kinh tế hộ gia đình",
                "Topic (thematic meetings)"
            ),
            column(
                "place",
                ["Địa điểm", "Nơi họp"],
                "text",
                example: "Nhà văn hóa bản Bó",
                "Where the meeting was held"
            ),
            column(
                "chair",
                ["Chủ trì", "Chủ tọa", "Người chủ trì"],
                "member name or key",
                example: "Lò Văn Minh",
                "Who chaired"
            ),
            column(
                "recorder",
                ["Thư ký", "Người ghi biên bản"],
                "member name or key",
                example: "Quàng Thị Lan",
                "Who kept the minutes"
            ),
            column(
                "supervisor",
                ["Cấp ủy viên phụ trách dự", "Cấp ủy dự", "Đại biểu cấp ủy"],
                "text",
                example: "Cầm Văn Hùng",
                "The supervising committee member who attended, by name (a guest marked as the supervisor)"
            ),
            column(
                "minutes",
                ["Biên bản", "Kết luận", "Nội dung"],
                "text",
                example: "",
                "Minutes: conclusion and anything else"
            ),
            column(
                "minutes_approved",
                ["Thông qua biên bản", "Biên bản được thông qua"],
                words(Vocabularies.boolean),
                example: "x",
                "Whether the minutes were read back and approved"
            ),
            column(
                "quality_score",
                ["Điểm chất lượng", "Điểm"],
                "whole number 0–100",
                example: "",
                "Quality score from the upper level"
            ),
        ]

    static let attendance: [ImportColumn] =
        memberColumns(keyRequired: false, nameMeaning: "The member's name as on the attendance list") + [
            column(
                "state",
                ["Điểm danh", "Tình trạng", "Tham dự", "Có mặt/Vắng"],
                words(Vocabularies.attendanceState),
                .oneOf("state, present, absent_excused or absent_unexcused"),
                example: "vắng có lý do",
                "Attendance in one column"
            ),
            column(
                "present",
                ["Có mặt"],
                "x or empty (or a state word)",
                .oneOf("state, present, absent_excused or absent_unexcused"),
                example: "x",
                "Marked when present"
            ),
            column(
                "absent_excused",
                ["Vắng có lý do", "Vắng có phép", "Có lý do"],
                "x or empty, or the reason",
                .oneOf("state, present, absent_excused or absent_unexcused"),
                example: "",
                "Marked when absent with a reason"
            ),
            column(
                "absent_unexcused",
                ["Vắng không lý do", "Vắng không phép", "Không lý do"],
                "x or empty",
                .oneOf("state, present, absent_excused or absent_unexcused"),
                example: "",
                "Marked when absent without a reason"
            ),
            column(
                "reason",
                ["Lý do", "Lý do vắng"],
                "text",
                example: "ốm",
                "Reason for an excused absence (required for one)"
            ),
            column(
                "category",
                ["Diện", "Loại đảng viên", "Đối tượng"],
                words(Vocabularies.memberCategory),
                example: "chính thức",
                "The member's category on the day"
            ),
            column(
                "spoke",
                ["Phát biểu", "Ý kiến", "Có phát biểu"],
                "x or empty, or what was said",
                example: "Đề nghị tăng cường tuần tra",
                "Whether the member spoke; text is kept as their contribution"
            ),
        ]

    static let resolutions: [ImportColumn] =
        [
            column(
                "meeting_key",
                ["Mã cuộc họp", "Mã buổi sinh hoạt", "Mã sinh hoạt", "Số biên bản"],
                "text",
                .oneOf("meeting_key, or a cell and held_on"),
                example: "BANBO-2026-03",
                "The meeting that adopted it, by its key"
            )
        ] + cellColumns.map { $0.with(.oneOf("meeting_key, or a cell and held_on")) } + [
            column(
                "held_on",
                ["Ngày sinh hoạt", "Ngày họp"],
                "date",
                .oneOf("meeting_key, or a cell and held_on"),
                example: "03/03/2026",
                "The date of the meeting that adopted it"
            ),
            column(
                "text",
                ["Nội dung", "Nội dung nghị quyết", "Nghị quyết", "Nhiệm vụ"],
                "text",
                .required,
                example: "Vận động 100% hộ đóng góp làm đường",
                "What is to be done"
            ),
            column(
                "owner",
                ["Người phụ trách", "Phụ trách", "Người thực hiện", "Đơn vị thực hiện"],
                "text",
                example: "Lò Văn Minh",
                "Who is responsible, as written"
            ),
            column("due_on", ["Thời hạn", "Hạn hoàn thành", "Hạn"], "date", example: "30/06/2026", "Deadline"),
            column(
                "status",
                ["Trạng thái", "Tình trạng", "Kết quả"],
                words(Vocabularies.resolutionStatus),
                example: "đang thực hiện",
                "Progress"
            ),
            column("closed_on", ["Ngày hoàn thành", "Ngày kết thúc"], "date", example: "", "Date done or cancelled"),
            column("note", ["Ghi chú"], "text", example: "", "Free-text progress note"),
        ]

    static let evaluations: [ImportColumn] =
        [
            column("year", ["Năm", "Năm đánh giá"], "whole number", .required, example: "2025", "The year evaluated"),
            column(
                "subject",
                ["Đối tượng", "Loại đối tượng"],
                words(Vocabularies.evaluationSubject),
                example: "đảng viên",
                "What is evaluated; without it, a row naming a member is a member's evaluation, else the unit's"
            ),
            column(
                "unit",
                ["Đơn vị", "Tổ chức đảng", "Mã đơn vị"],
                "unit code or name",
                example: "MB-BANBO",
                "The unit evaluated (else the cell columns name it)"
            ),
        ] + memberColumns(keyRequired: false, nameMeaning: "The member evaluated, by name").map { $0.with(.optional) }
        + cellColumns + [
            column(
                "grade",
                ["Xếp loại", "Kết quả xếp loại", "Mức xếp loại"],
                words(Vocabularies.grade),
                .oneOf("grade or score"),
                example: "HTTNV",
                "The grade"
            ),
            column(
                "score",
                ["Điểm", "Tổng điểm"],
                "number 0–100",
                .oneOf("grade or score"),
                example: "",
                "The score on the 100-point scale (from 2025)"
            ),
            column(
                "clean_and_strong",
                ["Trong sạch vững mạnh", "TSVM"],
                words(Vocabularies.boolean),
                example: "x",
                "Recognised as clean and strong (cells)"
            ),
            column(
                "decision_ref",
                ["Số quyết định", "Quyết định"],
                "text",
                example: "45-QĐ/ĐU",
                "Number of the decision approving it"
            ),
            column("note", ["Ghi chú"], "text", example: "", "Free-text note"),
        ]
}
