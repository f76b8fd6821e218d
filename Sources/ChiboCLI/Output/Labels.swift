import ChiboCodec
import ChiboModel

/// The language of labels, headers and messages meant for people.
public enum Language: String, CaseIterable, Sendable {
    /// Vietnamese.
    case vi
    /// English.
    case en

    /// From `LC_ALL`, `LC_MESSAGES` or `LANG` (the first one set): Vietnamese for `vi…`,
    /// English otherwise.
    public static func fromEnvironment(_ environment: [String: String]) -> Language {
        for name in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let value = environment[name], !value.isEmpty {
                return value.lowercased().hasPrefix("vi") ? .vi : .en
            }
        }
        return .en
    }
}

/// Turns values into the text people read: localized enum labels, dates, percentages. In raw
/// mode (CSV and scripts) values stay stable: enums by schema name, rates as plain numbers.
public struct Presenter: Sendable {
    /// Language of labels.
    public var language: Language
    /// Stable machine-readable values instead of labels.
    public var raw: Bool

    /// Creates a presenter.
    public init(language: Language, raw: Bool) {
        self.language = language
        self.raw = raw
    }

    /// `en` or `vi` by language.
    public func text(_ en: String, _ vi: String) -> String { language == .vi ? vi : en }

    /// A calendar date as YYYY-MM-DD; empty when absent.
    public func date(_ date: CalendarDate?) -> String {
        guard let date, date != CalendarDate() else { return "" }
        return Self.isoDate(date)
    }

    /// YYYY-MM-DD.
    public static func isoDate(_ date: CalendarDate) -> String {
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let year = String(date.year)
        return String(repeating: "0", count: max(0, 4 - year.count)) + year + "-" + two(date.month) + "-"
            + two(date.day)
    }

    /// Minutes after midnight as HH:MM; empty for 0 when `blankZero`.
    public func time(_ minutes: Int32, blankZero: Bool = true) -> String {
        if minutes == 0 && blankZero { return "" }
        let hours = minutes / 60
        let rest = minutes % 60
        return (hours < 10 ? "0" : "") + "\(hours):" + (rest < 10 ? "0" : "") + "\(rest)"
    }

    /// Basis points as a percentage rounded to one decimal ("90.91" → "90.9%", "90.95" →
    /// "91.0%"), or exact as "92.50" in raw mode.
    public func percent(_ basisPoints: Int32) -> String {
        if raw {
            let whole = basisPoints / 100
            let fraction = abs(basisPoints % 100)
            return "\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
        }
        let tenths = Self.shownBp(basisPoints) / 10
        return "\(tenths / 10).\(abs(tenths % 10))%"
    }

    /// Basis points as `percent` shows them (rounded to a tenth of a percent), so that a colour
    /// judged against a threshold agrees with the number printed beside it.
    public static func shownBp(_ basisPoints: Int32) -> Int32 {
        basisPoints >= 0 ? (basisPoints + 5) / 10 * 10 : -((-basisPoints + 5) / 10 * 10)
    }

    /// An enum value: its label in the language, or its schema name in raw mode.
    public func value(_ protoName: String?, _ number: Int32) -> String {
        guard let protoName else { return String(number) }
        if number == 0 { return "" }
        if raw { return protoName }
        if let labels = Self.enumLabels[protoName] { return language == .vi ? labels.1 : labels.0 }
        return Self.shortName(protoName)
    }

    /// The value name without its enum prefix, lowercased with spaces: "MEETING_KIND_REGULAR" → "regular".
    static func shortName(_ protoName: String) -> String {
        for description in SchemaDescription.enums {
            let prefix = description.valuePrefix
            if !prefix.isEmpty && protoName.hasPrefix(prefix) {
                return protoName.dropFirst(prefix.count).lowercased().split(separator: "_").joined(separator: " ")
            }
        }
        return protoName.lowercased()
    }

    /// English and Vietnamese labels of the enum values people see in tables.
    static let enumLabels: [String: (String, String)] = [
        "MEMBER_STATUS_PROBATIONARY": ("probationary", "dự bị"),
        "MEMBER_STATUS_OFFICIAL": ("official", "chính thức"),
        "MEMBER_STATUS_EXEMPT": ("exempt", "miễn sinh hoạt"),
        "MEMBER_STATUS_WORKING_AWAY": ("working away", "đi làm ăn xa"),
        "MEMBER_STATUS_TEMPORARY_TRANSFER": ("temporary transfer", "chuyển sinh hoạt tạm thời"),
        "MEMBER_STATUS_TRANSFERRED_OUT": ("transferred out", "đã chuyển đi"),
        "MEMBER_STATUS_STRUCK_OFF": ("struck off", "xóa tên"),
        "MEMBER_STATUS_EXPELLED": ("expelled", "khai trừ"),
        "MEMBER_STATUS_DECEASED": ("deceased", "từ trần"),
        "ORG_UNIT_KIND_PROVINCE": ("province", "đảng bộ tỉnh"),
        "ORG_UNIT_KIND_DISTRICT": ("district", "đảng bộ huyện"),
        "ORG_UNIT_KIND_COMMUNE": ("commune", "đảng bộ xã"),
        "ORG_UNIT_KIND_CELL": ("cell", "chi bộ"),
        "ORG_UNIT_KIND_PARTY_GROUP": ("party group", "tổ đảng"),
        "MEETING_KIND_REGULAR": ("regular", "định kỳ"),
        "MEETING_KIND_THEMATIC": ("thematic", "chuyên đề"),
        "MEETING_KIND_COMBINED": ("regular + thematic", "định kỳ + chuyên đề"),
        "MEETING_KIND_EXTRAORDINARY": ("extraordinary", "bất thường"),
        "ATTENDANCE_STATE_PRESENT": ("present", "có mặt"),
        "ATTENDANCE_STATE_ABSENT_EXCUSED": ("absent, excused", "vắng có lý do"),
        "ATTENDANCE_STATE_ABSENT_UNEXCUSED": ("absent, unexcused", "vắng không lý do"),
        "ATTENDANCE_STATE_NOT_RECORDED": ("not recorded", "không ghi"),
        "MEMBER_CATEGORY_OFFICIAL": ("official", "chính thức"),
        "MEMBER_CATEGORY_PROBATIONARY": ("probationary", "dự bị"),
        "MEMBER_CATEGORY_TEMPORARILY_ATTACHED": ("temporarily attached", "sinh hoạt tạm thời"),
        "MEMBER_CATEGORY_EXEMPT": ("exempt", "miễn sinh hoạt"),
        "MEMBER_CATEGORY_WORKING_AWAY": ("working away", "đi làm ăn xa"),
        "MEMBER_CATEGORY_TEMPORARY_TRANSFER": ("temporary transfer", "chuyển tạm thời"),
        "RESOLUTION_STATUS_OPEN": ("open", "chưa thực hiện"),
        "RESOLUTION_STATUS_IN_PROGRESS": ("in progress", "đang thực hiện"),
        "RESOLUTION_STATUS_DONE": ("done", "hoàn thành"),
        "RESOLUTION_STATUS_CANCELLED": ("cancelled", "hủy bỏ"),
        "GRADE_EXCELLENT": ("excellent", "HTXSNV"),
        "GRADE_GOOD": ("good", "HTTNV"),
        "GRADE_COMPLETED": ("completed", "HTNV"),
        "GRADE_NOT_COMPLETED": ("not completed", "KHTNV"),
        "GENDER_MALE": ("male", "nam"),
        "GENDER_FEMALE": ("female", "nữ"),
        "STATUS_EVENT_KIND_ADMITTED": ("admitted", "kết nạp"),
        "STATUS_EVENT_KIND_MADE_OFFICIAL": ("made official", "công nhận chính thức"),
        "STATUS_EVENT_KIND_EXEMPTED": ("exempted", "miễn sinh hoạt"),
        "STATUS_EVENT_KIND_EXEMPTION_ENDED": ("exemption ended", "hết miễn sinh hoạt"),
        "STATUS_EVENT_KIND_WORKING_AWAY": ("working away", "đi làm ăn xa"),
        "STATUS_EVENT_KIND_RETURNED": ("returned", "trở về"),
        "STATUS_EVENT_KIND_TEMPORARY_TRANSFER_OUT": ("temporary transfer out", "chuyển sinh hoạt tạm thời"),
        "STATUS_EVENT_KIND_TEMPORARY_TRANSFER_BACK": ("back from temporary transfer", "trở lại sau chuyển tạm thời"),
        "STATUS_EVENT_KIND_PERMANENT_TRANSFER": ("permanent transfer", "chuyển sinh hoạt chính thức"),
        "STATUS_EVENT_KIND_STRUCK_OFF": ("struck off", "xóa tên"),
        "STATUS_EVENT_KIND_EXPELLED": ("expelled", "khai trừ"),
        "STATUS_EVENT_KIND_DECEASED": ("deceased", "từ trần"),
        "STATUS_EVENT_KIND_TRANSFERRED_IN": ("transferred in", "chuyển đến"),
        "PERIOD_KIND_MONTH": ("month", "tháng"),
        "PERIOD_KIND_QUARTER": ("quarter", "quý"),
        "PERIOD_KIND_YEAR": ("year", "năm"),
        "EVALUATION_SUBJECT_ORG_UNIT": ("org unit", "tổ chức đảng"),
        "EVALUATION_SUBJECT_MEMBER": ("member", "đảng viên"),
        "SERVING_STATUS_SERVING": ("serving", "đang phục vụ"),
        "SERVING_STATUS_NOT_SERVING": ("not serving", "không phục vụ"),
        "FLAG_KIND_MISSED_REGULAR_MEETING": ("no regular meeting", "thiếu sinh hoạt định kỳ"),
        "FLAG_KIND_MISSED_THEMATIC_MEETING": ("no thematic meeting", "thiếu sinh hoạt chuyên đề"),
        "FLAG_KIND_SHORT_MEETING": ("meeting too short", "họp không đủ thời gian"),
        "FLAG_KIND_OFF_DAY_MEETING": ("off the regular day", "họp không đúng ngày"),
        "FLAG_KIND_EXCUSED_ABSENCES_IN_ROW": ("excused absences in a row", "vắng có lý do nhiều kỳ liền"),
        "FLAG_KIND_UNEXCUSED_ABSENCE_MONTHS": ("unexcused absences", "vắng không lý do nhiều tháng"),
        "FLAG_KIND_PROBATION_OVERDUE": ("probation review overdue", "quá hạn xét chuyển chính thức"),
        "FLAG_KIND_RETURN_OVERDUE": ("return overdue", "quá hạn trở về"),
        "FLAG_KIND_RESOLUTION_OVERDUE": ("resolution overdue", "nghị quyết quá hạn"),
        "FLAG_KIND_GRADING_CAP_BROKEN": ("grading cap broken", "vượt tỷ lệ xếp loại"),
        "FLAG_KIND_ATTENDANCE_NOT_RECORDED": ("attendance not recorded", "không ghi điểm danh"),
        "FLAG_KIND_BADGE_ANNIVERSARY": ("party badge due", "xét tặng huy hiệu Đảng"),
        "FLAG_KIND_EXCELLENT_CELL_NO_MEMBER_GRADED": (
            "excellent cell, no member graded", "chi bộ xuất sắc chưa xếp loại đảng viên"
        ),
    ]
}
