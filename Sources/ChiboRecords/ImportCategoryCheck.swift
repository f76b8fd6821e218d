import ChiboDomain
import ChiboModel
import ChiboStore

/// The attendance category is derived, never taken from a file (docs/DOMAIN.md, "Status and
/// category"): a meeting log that says a member was exempt while the member's status events say
/// official is stored with the derived category. This check finds such rows before the store
/// applies them, so that the import reports each one (row, field, the file's value, Chibo's)
/// instead of passing over it, or refuses the row under `strict`.
///
/// It reads only what the row names: the cell by code, each attendee by party card number (an
/// attendee named otherwise, or a cell the store does not know by code, is not compared; the
/// store's own checks judge the row as before).
enum ImportCategoryCheck {
    /// The warnings of a meetings row, one per attendance record whose category the file gives
    /// and Chibo derives otherwise.
    static func warnings(for row: ImportRow, store: any Store) async throws -> [ImportWarning] {
        guard case .meeting(let meeting)? = row.record,
            meeting.attendance.contains(where: { $0.category != .unspecified }),
            let heldOn = DateKeys.key(meeting.heldOn),
            !row.unitRef.isEmpty, let cell = try await store.orgUnit(code: row.unitRef)
        else { return [] }
        let rows = row.attendanceRowNumbers.isEmpty ? row.rowNumbers : row.attendanceRowNumbers
        var warnings: [ImportWarning] = []
        for (index, record) in meeting.attendance.enumerated() where record.category != .unspecified {
            guard index < row.attendees.count else { break }
            let key = row.attendees[index]
            let card = key.partyCardNumber.isEmpty ? key.cardOrCitizenId : key.partyCardNumber
            guard !card.isEmpty, let member = try await store.member(partyCardNumber: card),
                let expected = ExpectedAttendance.entry(for: member, cellID: cell.id, dateKey: heldOn),
                expected.category != record.category
            else { continue }
            let file = name(record.category)
            let derived = name(expected.category)
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
