import ChiboModel
import Foundation

/// Today in Vietnam (UTC+7), the day a meeting date is judged "in the future" against.
enum Dates {
    /// Today's date in Vietnam.
    static var today: CalendarDate {
        CalendarDate(daysSince1970: Int((Date().timeIntervalSince1970 + 7 * 3600) / 86_400))
    }
}

/// The members of a cell on a meeting's day, read once, for naming attendees by card or name
/// without a call for each.
final class MeetingRoster {
    let session: Session
    let cellID: String
    let day: CalendarDate
    private var cached: [Member]?

    /// A roster of `cellID` on `day` (members temporarily attached to it included).
    init(session: Session, cellID: String, on day: CalendarDate) {
        self.session = session
        self.cellID = cellID
        self.day = day
    }

    /// The members, read on first use.
    func members() async throws(CLIFailure) -> [Member] {
        if let cached { return cached }
        let members = try await session.list(
            .membersList,
            ListMembersRequest(cellId: cellID, asOf: day, includeAttached: true),
            as: Member.self
        )
        cached = members
        session.label(members)
        return members
    }

    /// A member named by id, party-card number or name: first among the cell's members that day
    /// (a name typed without diacritics, unique in the cell), else through the server.
    func member(_ reference: String, option: String) async throws(CLIFailure) -> Member {
        let typed = reference.trimmingSpaces
        let members = try await members()
        if let member = members.first(where: { $0.id == typed || (!typed.isEmpty && $0.partyCardNumber == typed) }) {
            return member
        }
        let key = Folding.fold(typed)
        let named = members.filter { Folding.fold($0.fullName) == key }
        if named.count == 1 { return named[0] }
        return try await session.member(typed, cellID: cellID, option: option)
    }
}
