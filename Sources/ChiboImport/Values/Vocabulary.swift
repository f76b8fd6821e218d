import ChiboModel

/// The words a column of enum values accepts: the Vietnamese words a spreadsheet holds, matched
/// ignoring case, diacritics, spaces and punctuation, and the schema's enum names in full
/// (`GENDER_MALE`) or without their prefix (`male`).
struct Vocabulary<Value: Hashable & Sendable>: Sendable {
    /// The words shown in messages and documents, for example `Nam, Nữ`.
    let shown: [String]
    private let values: [String: Value]
    private let firstWords: [Value: String]

    /// Builds a vocabulary from `words` (as a person writes them) and the enum's named cases.
    init(words: [(String, Value)], cases: [(protoName: String, value: Value)], prefix: String) {
        var values: [String: Value] = [:]
        for (protoName, value) in cases where !protoName.hasSuffix("_UNSPECIFIED") {
            values[TextNormalization.key(protoName)] = value
            if protoName.hasPrefix(prefix) {
                values[TextNormalization.key(String(protoName.dropFirst(prefix.count)))] = value
            }
        }
        for (word, value) in words {
            values[TextNormalization.key(word)] = value
        }
        self.values = values
        var firstWords: [Value: String] = [:]
        for (word, value) in words where firstWords[value] == nil { firstWords[value] = word }
        self.firstWords = firstWords
        var shown: [String] = []
        for (word, _) in words where !shown.contains(word) && shown.count < 12 { shown.append(word) }
        self.shown = shown
    }

    /// The value for a key made by `TextNormalization.key`.
    func value(forKey key: String) -> Value? { values[key] }

    /// The first word listed for a value: what a spreadsheet would hold; nil when none is.
    func word(for value: Value) -> String? { firstWords[value] }
}

/// Every vocabulary of the import.
enum Vocabularies {
    /// Gender: Nam, Nữ.
    static let gender = Vocabulary<Gender>(
        words: [("Nam", .male), ("Nữ", .female), ("M", .male), ("F", .female)],
        cases: Gender.allCases.compactMap { value in value.protoName.map { ($0, value) } },
        prefix: "GENDER_"
    )

    /// Org unit kinds: tỉnh, huyện, xã, chi bộ, tổ đảng.
    static let orgUnitKind = Vocabulary<OrgUnitKind>(
        words: [
            ("Chi bộ", .cell), ("Tổ đảng", .partyGroup), ("Đảng bộ xã", .commune), ("Đảng bộ cơ sở", .commune),
            ("Đảng ủy xã", .commune), ("Xã", .commune), ("Phường", .commune), ("Thị trấn", .commune),
            ("Đảng bộ huyện", .district), ("Huyện", .district), ("Huyện ủy", .district),
            ("Đảng bộ tỉnh", .province), ("Tỉnh", .province), ("Tỉnh ủy", .province),
        ],
        cases: OrgUnitKind.allCases.compactMap { value in value.protoName.map { ($0, value) } },
        prefix: "ORG_UNIT_KIND_"
    )

    /// Meeting kinds: thường kỳ, chuyên đề, thường kỳ và chuyên đề, bất thường.
    static let meetingKind = Vocabulary<MeetingKind>(
        words: [
            ("thường kỳ", .regular), ("định kỳ", .regular), ("sinh hoạt thường kỳ", .regular),
            ("sinh hoạt định kỳ", .regular), ("chuyên đề", .thematic), ("sinh hoạt chuyên đề", .thematic),
            ("thường kỳ và chuyên đề", .combined), ("thường kỳ kết hợp chuyên đề", .combined),
            ("định kỳ và chuyên đề", .combined), ("kết hợp", .combined), ("bất thường", .extraordinary),
            ("sinh hoạt bất thường", .extraordinary), ("đột xuất", .extraordinary),
        ],
        cases: MeetingKind.allCases.compactMap { value in value.protoName.map { ($0, value) } },
        prefix: "MEETING_KIND_"
    )

    /// Attendance states: x / có mặt, P / vắng có lý do, KP / vắng không lý do.
    static let attendanceState = Vocabulary<AttendanceState>(
        words: [
            ("x", .present), ("có mặt", .present), ("có", .present), ("1", .present),
            ("P", .absentExcused), ("vắng có lý do", .absentExcused), ("có lý do", .absentExcused),
            ("vắng có phép", .absentExcused), ("có phép", .absentExcused), ("CP", .absentExcused),
            ("KP", .absentUnexcused), ("vắng không lý do", .absentUnexcused), ("không lý do", .absentUnexcused),
            ("vắng không phép", .absentUnexcused), ("không phép", .absentUnexcused),
            ("không rõ", .notRecorded), ("không ghi", .notRecorded),
        ],
        cases: AttendanceState.allCases.compactMap { value in value.protoName.map { ($0, value) } },
        prefix: "ATTENDANCE_STATE_"
    )

    /// A member's category on a meeting's date.
    static let memberCategory = Vocabulary<MemberCategory>(
        words: [
            ("chính thức", .official), ("đảng viên chính thức", .official), ("dự bị", .probationary),
            ("đảng viên dự bị", .probationary), ("sinh hoạt tạm thời", .temporarilyAttached),
            ("tạm thời", .temporarilyAttached), ("miễn sinh hoạt", .exempt), ("miễn công tác", .exempt),
            ("miễn công tác và sinh hoạt", .exempt), ("miễn", .exempt), ("đi làm ăn xa", .workingAway),
            ("làm ăn xa", .workingAway), ("tạm miễn sinh hoạt", .workingAway),
            ("chuyển sinh hoạt tạm thời", .temporaryTransfer), ("chuyển tạm thời", .temporaryTransfer),
        ],
        cases: MemberCategory.allCases.compactMap { value in value.protoName.map { ($0, value) } },
        prefix: "MEMBER_CATEGORY_"
    )

    /// Grades: HTXSNV, HTTNV, HTNV, KHTNV or the words in full.
    static let grade = Vocabulary<Grade>(
        words: [
            ("HTXSNV", .excellent), ("Hoàn thành xuất sắc nhiệm vụ", .excellent), ("Xuất sắc", .excellent),
            ("HTTNV", .good), ("Hoàn thành tốt nhiệm vụ", .good), ("Tốt", .good),
            ("HTNV", .completed), ("Hoàn thành nhiệm vụ", .completed), ("Hoàn thành", .completed),
            ("KHTNV", .notCompleted), ("Không hoàn thành nhiệm vụ", .notCompleted),
            ("Không hoàn thành", .notCompleted),
        ],
        cases: Grade.allCases.compactMap { value in value.protoName.map { ($0, value) } },
        prefix: "GRADE_"
    )

    /// What an evaluation is of: chi bộ (an org unit) or đảng viên (a member).
    static let evaluationSubject = Vocabulary<EvaluationSubject>(
        words: [
            ("chi bộ", .orgUnit), ("tổ chức", .orgUnit), ("tổ chức đảng", .orgUnit), ("đảng bộ", .orgUnit),
            ("đơn vị", .orgUnit), ("đảng viên", .member), ("cá nhân", .member),
        ],
        cases: EvaluationSubject.allCases.compactMap { value in value.protoName.map { ($0, value) } },
        prefix: "EVALUATION_SUBJECT_"
    )

    /// Status event kinds: kết nạp, công nhận chính thức, miễn sinh hoạt, đi làm ăn xa…
    static let statusEventKind = Vocabulary<StatusEventKind>(
        words: [
            ("kết nạp", .admitted), ("kết nạp đảng", .admitted), ("công nhận chính thức", .madeOfficial),
            ("chuyển chính thức", .madeOfficial), ("chính thức", .madeOfficial),
            ("miễn công tác và sinh hoạt", .exempted), ("miễn sinh hoạt", .exempted), ("miễn công tác", .exempted),
            ("thôi miễn sinh hoạt", .exemptionEnded), ("hết miễn sinh hoạt", .exemptionEnded),
            ("đi làm ăn xa", .workingAway), ("tạm miễn sinh hoạt", .workingAway), ("trở về", .returned),
            ("trở về sinh hoạt", .returned), ("chuyển sinh hoạt tạm thời", .temporaryTransferOut),
            ("chuyển tạm thời", .temporaryTransferOut), ("trở lại sau chuyển tạm thời", .temporaryTransferBack),
            ("chuyển sinh hoạt tạm thời trở về", .temporaryTransferBack),
            ("chuyển sinh hoạt chính thức", .permanentTransfer), ("chuyển đi", .permanentTransfer),
            ("chuyển đến", .transferredIn), ("chuyển sinh hoạt đến", .transferredIn), ("xóa tên", .struckOff),
            ("xoá tên", .struckOff), ("khai trừ", .expelled), ("từ trần", .deceased), ("qua đời", .deceased),
            ("từ trần qua đời", .deceased),
        ],
        cases: StatusEventKind.allCases.compactMap { value in value.protoName.map { ($0, value) } },
        prefix: "STATUS_EVENT_KIND_"
    )

    /// Resolution progress: chưa thực hiện, đang thực hiện, đã hoàn thành, hủy.
    static let resolutionStatus = Vocabulary<ResolutionStatus>(
        words: [
            ("chưa thực hiện", .open), ("chưa", .open), ("mới", .open), ("đang thực hiện", .inProgress),
            ("đang", .inProgress), ("đã hoàn thành", .done), ("hoàn thành", .done), ("xong", .done),
            ("đã thực hiện", .done), ("hủy", .cancelled), ("huỷ", .cancelled), ("đã hủy", .cancelled),
            ("bãi bỏ", .cancelled),
        ],
        cases: ResolutionStatus.allCases.compactMap { value in value.protoName.map { ($0, value) } },
        prefix: "RESOLUTION_STATUS_"
    )

    /// Yes or no: x, có, đạt, 1 / không, 0, or an empty cell for no.
    static let boolean = Vocabulary<Bool>(
        words: [
            ("x", true), ("có", true), ("đạt", true), ("1", true), ("yes", true), ("true", true), ("v", true),
            ("không", false), ("ko", false), ("0", false), ("no", false), ("false", false),
            ("không đạt", false),
        ],
        cases: [],
        prefix: ""
    )

    /// Marks that tick a box; turned into `x` before lookup, since they have no letters.
    static let tickMarks: Set<String> = ["✓", "✔", "☑", "•", "+"]
}

/// The words a spreadsheet holds for the schema's enum values, as the import reads them back:
/// for writing files that `ImportReader` accepts (sample data, exports). Each returns the first
/// word its column lists, or nil for a value no word names (`*_UNSPECIFIED`).
public enum ImportWords {
    /// `Nam`, `Nữ`.
    public static func gender(_ value: Gender) -> String? { Vocabularies.gender.word(for: value) }
    /// `Chi bộ`, `Đảng bộ xã`…
    public static func orgUnitKind(_ value: OrgUnitKind) -> String? { Vocabularies.orgUnitKind.word(for: value) }
    /// `thường kỳ`, `chuyên đề`…
    public static func meetingKind(_ value: MeetingKind) -> String? { Vocabularies.meetingKind.word(for: value) }
    /// `x`, `P`, `KP`…
    public static func attendanceState(_ value: AttendanceState) -> String? {
        Vocabularies.attendanceState.word(for: value)
    }
    /// `chính thức`, `dự bị`…
    public static func memberCategory(_ value: MemberCategory) -> String? {
        Vocabularies.memberCategory.word(for: value)
    }
    /// `HTXSNV`, `HTTNV`, `HTNV`, `KHTNV`.
    public static func grade(_ value: Grade) -> String? { Vocabularies.grade.word(for: value) }
    /// `chi bộ`, `đảng viên`.
    public static func evaluationSubject(_ value: EvaluationSubject) -> String? {
        Vocabularies.evaluationSubject.word(for: value)
    }
    /// `kết nạp`, `công nhận chính thức`, `đi làm ăn xa`…
    public static func statusEventKind(_ value: StatusEventKind) -> String? {
        Vocabularies.statusEventKind.word(for: value)
    }
    /// `chưa thực hiện`, `đang thực hiện`…
    public static func resolutionStatus(_ value: ResolutionStatus) -> String? {
        Vocabularies.resolutionStatus.word(for: value)
    }
}
