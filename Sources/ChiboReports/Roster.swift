import ChiboDomain
import ChiboModel
import ChiboStore

/// Members as they stood on a date: their state from the events up to that day and their cell
/// then. Computed once per report and shared by the census and the due lists.
public struct Roster: Sendable {
    /// One member on the date.
    public struct Entry: Sendable {
        /// The member's record.
        public var member: Member
        /// The events up to and including the date.
        public var past: [StatusEvent]
        /// The state those events lead to.
        public var state: MemberLifecycle.State
        /// The member's cell on the date, if any.
        public var cellID: String?
    }

    /// The members still in the party on the date, in the order given.
    public let entries: [Entry]
    /// The date.
    public let date: CalendarDate

    /// Replays every member's events up to `date`; members not (or no longer) in the party, or
    /// whose history does not replay, are left out.
    public init(members: [Member], on date: CalendarDate) {
        self.date = date
        let dateKey = DateKeys.key(date) ?? ""
        entries = members.compactMap { member in
            let past = member.events.filter { $0.effectiveOn.map { $0 <= date } ?? false }
            guard let state = try? MemberLifecycle.replay(past), state.isMember else { return nil }
            return Entry(
                member: member,
                past: past,
                state: state,
                cellID: ExpectedAttendance.cell(of: member, dateKey: dateKey)
            )
        }
    }
}
