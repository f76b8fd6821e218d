/// The language of what a reject file or warnings file says to a person: Vietnamese or English.
public enum ReportLanguage: String, Sendable, CaseIterable {
    /// Vietnamese: the reason named in Vietnamese, then the detail.
    case vietnamese = "vi"
    /// English.
    case english = "en"

    /// Parses `vi` or `en` (also `vietnamese`, `english`, `tiếng việt`).
    public init?(name: String) {
        switch name.lowercased() {
        case "vi", "vie", "vietnamese", "tiếng việt", "tieng viet": self = .vietnamese
        case "en", "eng", "english": self = .english
        default: return nil
        }
    }

    /// The two columns a reject file adds: the column at fault and the reason.
    var rejectHeaders: [String] {
        switch self {
        case .vietnamese: ["Cột lỗi", "Lý do"]
        case .english: ["Column at fault", "Reason"]
        }
    }

    /// The columns of a warnings file.
    var warningHeaders: [String] {
        switch self {
        case .vietnamese: ["Dòng", "Cột", "Giá trị trong tệp", "Giá trị Chibo lưu", "Cảnh báo"]
        case .english: ["Row", "Column", "In the file", "Chibo holds", "Warning"]
        }
    }

    /// The reason for a refusal with `code` and the detail `message`.
    func reason(row: Int, code: String, message: String) -> String {
        switch self {
        case .english:
            return "row \(row): \(message) [\(code)]"
        case .vietnamese:
            let what = Self.vietnameseReasons[code] ?? "Dòng bị từ chối"
            return "Dòng \(row): \(what). Chi tiết: \(message) [\(code)]"
        }
    }

    /// What each refusal code means, in Vietnamese.
    static let vietnameseReasons: [String: String] = [
        "bad_date": "Ngày không hợp lệ (ghi dd/MM/yyyy)",
        "bad_time": "Giờ không hợp lệ (ghi 19:30 hoặc 19h30)",
        "bad_number": "Số không hợp lệ",
        "unknown_value": "Giá trị không thuộc danh mục của cột",
        "missing_required": "Thiếu giá trị bắt buộc",
        "conflicting_values": "Các giá trị mâu thuẫn nhau",
        "legacy_encoding": "Chữ gõ bằng bảng mã cũ (TCVN3/VNI), cần chuyển sang Unicode",
        "bad_encoding": "Ký tự không đọc được theo bảng mã của tệp",
        "extra_cells": "Có dữ liệu ngoài các cột có tiêu đề",
        "meeting_not_contiguous": "Các dòng của một cuộc họp không liền nhau",
        "meeting_rejected": "Cuộc họp bị từ chối vì một dòng khác của cuộc họp có lỗi",
        "unknown_meeting": "Không tìm thấy cuộc họp",
        "duplicate_key": "Mã bị trùng trong tệp",
        "too_many_rows": "Cuộc họp có quá nhiều dòng",
        "decode_failed": "Bản ghi không đọc được",
        "too_large": "Bản ghi quá lớn",
        "invalid": "Giá trị không hợp lệ",
        "missing_key": "Thiếu khóa nhận diện (số thẻ đảng viên, CCCD hoặc mã)",
        "unknown_unit": "Không tìm thấy tổ chức đảng (chi bộ, đảng bộ)",
        "unknown_member": "Không tìm thấy đảng viên",
        "ambiguous_match": "Tên hoặc mã khớp với nhiều bản ghi",
        "already_exists": "Bản ghi đã có",
        "duplicate_in_import": "Trùng với một dòng trước trong cùng lần nhập",
        "conflict": "Bản ghi đã bị hủy hoặc thuộc chi bộ khác",
        "out_of_scope": "Ngoài phạm vi được phân quyền",
        "warning": "Giá trị trong tệp khác với giá trị Chibo suy ra",
    ]
}
