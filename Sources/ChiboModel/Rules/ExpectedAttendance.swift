/// Who a cell's meeting on a given date must record attendance for, and in which category
/// (docs/DOMAIN.md, "Status and category"): every member of the cell still in the party that day,
/// whatever their status, plus members of other cells temporarily attached to it.
public enum ExpectedAttendance {
    /// One member a meeting must record, with the category frozen in the record.
    public struct Entry: Hashable, Sendable {
        /// The member.
        public var memberID: String
        /// The member's category on the meeting's date.
        public var category: MemberCategory
    }

    /// The entry for `member` at a meeting of `cellID` on `date`, or nil when the member is not
    /// expected there. `dateKey` is the meeting date as `YYYY-MM-DD`.
    public static func entry(for member: Member, cellID: String, dateKey: String) -> Entry? {
        let past = member.events.filter { event in
            guard let date = event.effectiveOn, let key = MemberLifecycle.key(date) else { return false }
            return key <= dateKey
        }
        guard let state = try? MemberLifecycle.replay(past), state.isMember else { return nil }
        if cell(of: member, dateKey: dateKey) == cellID {
            return Entry(memberID: member.id, category: category(for: state.status))
        }
        if state.status == .temporaryTransfer,
            let transfer = past.last(where: { $0.kind == .temporaryTransferOut }), transfer.otherUnitId == cellID
        {
            return Entry(memberID: member.id, category: .temporarilyAttached)
        }
        return nil
    }

    /// The cell a member belonged to on a date: the period of `cellHistory` holding the date,
    /// or `cellId` for a record without history.
    public static func cell(of member: Member, dateKey: String) -> String? {
        guard !member.cellHistory.isEmpty else { return member.cellId }
        let period = member.cellHistory.last { period in
            (period.valid?.from.flatMap(MemberLifecycle.key).map { $0 <= dateKey } ?? true)
                && (period.valid?.to.flatMap(MemberLifecycle.key).map { $0 > dateKey } ?? true)
        }
        return period?.cellId
    }

    /// The attendance category of a member of the cell with this status.
    public static func category(for status: MemberStatus) -> MemberCategory {
        switch status {
        case .probationary: .probationary
        case .exempt: .exempt
        case .workingAway: .workingAway
        case .temporaryTransfer: .temporaryTransfer
        default: .official
        }
    }
}
