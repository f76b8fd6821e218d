import ChiboModel

/// What an org-changes row does to the tree.
public enum OrgChangeKind: String, Hashable, Sendable {
    /// Units merged into one (hợp nhất, sáp nhập): into an existing unit, or a new one.
    case merge
    /// A unit split into new ones (chia tách).
    case split
    /// A unit moved under another parent (chuyển trực thuộc).
    case move
}

extension Vocabularies {
    /// Org changes: hợp nhất, sáp nhập, chia tách, chuyển.
    static let orgChangeKind = Vocabulary<OrgChangeKind>(
        words: [
            ("hợp nhất", .merge), ("sáp nhập", .merge), ("merge", .merge), ("chia tách", .split), ("tách", .split),
            ("split", .split), ("chuyển", .move), ("điều chuyển", .move), ("chuyển trực thuộc", .move),
            ("move", .move),
        ],
        cases: [],
        prefix: ""
    )
}

extension ImportColumns {
    /// The columns of an org-changes file (`chibo-import FILE --entity org_changes`): one row per
    /// unit merged, per new unit of a split, per unit moved.
    public static let orgChanges: [ImportColumn] = [
        ImportColumn(
            field: "change",
            labels: ["Thay đổi", "Loại thay đổi", "Hình thức", "Nội dung thay đổi"],
            type: "one of: " + Vocabularies.orgChangeKind.shown.joined(separator: ", "),
            requirement: .required,
            example: "hợp nhất",
            meaning: "What happens to the unit"
        ),
        ImportColumn(
            field: "unit",
            labels: ["Đơn vị", "Mã đơn vị", "Tổ chức", "Mã tổ chức"],
            type: "unit code",
            requirement: .required,
            example: "MB-BO",
            meaning: "The unit merged or moved; for a split, the code of the new unit"
        ),
        ImportColumn(
            field: "merged_into",
            labels: ["Hợp nhất vào", "Sáp nhập vào", "Hợp nhất thành"],
            type: "unit code",
            requirement: .requiredFor("a merge"),
            example: "CM-BOPH",
            meaning: "What the merged units become: an existing unit's code, or a new unit's (give its name)"
        ),
        ImportColumn(
            field: "split_from",
            labels: ["Tách từ", "Chia tách từ", "Đơn vị cũ"],
            type: "unit code",
            requirement: .requiredFor("a split"),
            example: "MB-BO",
            meaning: "The unit split"
        ),
        ImportColumn(
            field: "moved_to",
            labels: ["Chuyển về", "Chuyển đến", "Trực thuộc mới", "Cấp trên mới"],
            type: "unit code",
            requirement: .requiredFor("a move"),
            example: "CM",
            meaning: "The new parent"
        ),
        ImportColumn(
            field: "effective_on",
            labels: ["Ngày hiệu lực", "Từ ngày", "Ngày"],
            type: "date",
            requirement: .required,
            example: "01/07/2025",
            meaning: "The day the change takes effect"
        ),
        ImportColumn(
            field: "name",
            labels: ["Tên đơn vị mới", "Tên mới"],
            type: "text",
            requirement: .optional,
            example: "Chi bộ bản Bó - Phiêng",
            meaning: "The name of a new unit (a merge into a new unit, each new unit of a split)"
        ),
        ImportColumn(
            field: "kind",
            labels: ["Loại", "Cấp", "Loại đơn vị"],
            type: "as an org unit's kind",
            requirement: .optional,
            example: "Chi bộ",
            meaning: "The kind of a new unit; by default the kind of the unit it comes from"
        ),
        ImportColumn(
            field: "members",
            labels: ["Đảng viên chuyển sang", "Đảng viên"],
            type: "party card numbers, separated by ; , or spaces",
            requirement: .optional,
            example: "01012345; 01012346",
            meaning: "For a split: the members of the split cell who go to this new unit"
        ),
        ImportColumn(
            field: "note",
            labels: ["Ghi chú", "Số quyết định"],
            type: "text",
            requirement: .optional,
            example: "QĐ 125-QĐ/TU",
            meaning: "A note"
        ),
    ]
}
