import ChiboDomain
import ChiboModel
import ChiboStore

/// The attendance category is derived, never taken from a file (docs/DOMAIN.md, "Status and
/// category"): a meeting log that says a member was exempt while the member's status events say
/// official is stored with the derived category. This check finds such rows before the store
/// applies them, so that the import reports each one (row, field, the file's value, Chibo's)
/// instead of passing over it, or refuses the row under `strict`.
///
/// It reads only what the rows name, once per batch: the cells by code, the attendees by party
/// card number (an attendee named otherwise, or a cell the store does not know by code, is not
/// compared; the store's own checks judge the row as before).
struct ImportCategoryCheck {
    /// The cells the batch's rows name, by code (nil: no unit has the code).
    private var cells: [String: OrgUnit?] = [:]
    /// The members the batch's attendees name, by card number.
    private var members: [String: Member] = [:]

    /// Reads what the meetings rows of a batch name that gives a category: their cells by code
    /// and their attendees by card, in one read for the attendees. Cells outside `writable`
    /// (the caller's units; nil for no limit) are not compared: a warning names a member and
    /// their status, which a caller may learn of its own units only (the store refuses such a
    /// row as out of scope).
    static func reading(
        _ rows: [ImportRow],
        writable: Set<String>?,
        store: any Store
    ) async throws -> ImportCategoryCheck {
        var check = ImportCategoryCheck()
        var cards: [String] = []
        for row in rows {
            guard case .meeting(let meeting)? = row.record,
                meeting.attendance.contains(where: { $0.category != .unspecified }), !row.unitRef.isEmpty
            else { continue }
            if check.cells[row.unitRef] == nil {
                let cell = try await store.orgUnit(code: row.unitRef)
                let allowed = cell.map { writable?.contains($0.id) ?? true } ?? false
                check.cells[row.unitRef] = .some(allowed ? cell : nil)
            }
            guard case .some(.some) = check.cells[row.unitRef] else { continue }
            cards += row.attendees.map(card)
        }
        check.members = try await store.members(partyCardNumbers: cards)
        return check
    }

    /// The card number an attendee is named by, if any.
    private static func card(_ key: MemberKey) -> String {
        key.partyCardNumber.isEmpty ? key.cardOrCitizenId : key.partyCardNumber
    }

    /// The warnings of a meetings row, one per attendance record whose category the file gives
    /// and Chibo derives otherwise.
    func warnings(for row: ImportRow) -> [ImportWarning] {
        guard case .meeting(let meeting)? = row.record,
            meeting.attendance.contains(where: { $0.category != .unspecified }),
            let heldOn = DateKeys.key(meeting.heldOn),
            !row.unitRef.isEmpty, let cell = cells[row.unitRef] ?? nil
        else { return [] }
        let rows = row.attendanceRowNumbers.isEmpty ? row.rowNumbers : row.attendanceRowNumbers
        var warnings: [ImportWarning] = []
        for (index, record) in meeting.attendance.enumerated() where record.category != .unspecified {
            guard index < row.attendees.count else { break }
            let key = row.attendees[index]
            let card = Self.card(key)
            guard !card.isEmpty, let member = members[card],
                let expected = ExpectedAttendance.entry(for: member, cellID: cell.id, dateKey: heldOn),
                expected.category != record.category
            else { continue }
            let file = Self.name(record.category)
            let derived = Self.name(expected.category)
            warnings.append(
                ImportWarning(
                    row: index < rows.count ? rows[index] : rows.first ?? 0,
                    field: "category",
                    code: "category_differs",
                    fileValue: file,
                    chiboValue: derived,
                    message: "the file says \(member.fullName) (card \(card)) was \(file) on \(heldOn), but their "
                        + "status events make them \(derived) that day: stored as \(derived)"
                )
            )
        }
        return warnings
    }

    /// `exempt`, `working_away`…: the category's name without its prefix, lowercased.
    static func name(_ category: MemberCategory) -> String {
        (category.protoName ?? String(category.rawValue)).replacingOccurrences(of: "MEMBER_CATEGORY_", with: "")
            .lowercased()
    }
}
