import ChiboModel

extension Session {
    /// Prints units with their parents by code.
    func show(units: [OrgUnit]) async throws(CLIFailure) {
        let names = try await unitNames(units.map(\.parentId) + units.map(\.id))
        printer.list(units, columns: Columns.orgUnit(names))
    }

    /// Prints one unit with its parent by code, and says so on standard error when it is voided.
    func show(unit: OrgUnit) async throws(CLIFailure) {
        let names = try await unitNames([unit.parentId, unit.id])
        printer.single(unit, columns: Columns.orgUnit(names))
        Voided.note(unit.meta, self)
    }

    /// Prints members with their cells by code.
    func show(members: [Member]) async throws(CLIFailure) {
        let units = try await unitNames(members.map(\.cellId))
        printer.list(members, columns: Columns.member(units))
    }

    /// Prints one member with its cell by code, and says so on standard error when it is voided.
    func show(member: Member) async throws(CLIFailure) {
        let units = try await unitNames([member.cellId])
        printer.single(member, columns: Columns.member(units))
        Voided.note(member.meta, self)
    }

    /// Prints meetings with their cells by code.
    func show(meetings: [Meeting]) async throws(CLIFailure) {
        let units = try await unitNames(meetings.map(\.cellId))
        printer.list(meetings, columns: Columns.meeting(units))
    }

    /// Prints one meeting with its cell by code, and says so on standard error when it is voided.
    func show(meeting: Meeting) async throws(CLIFailure) {
        let units = try await unitNames([meeting.cellId])
        printer.single(meeting, columns: Columns.meeting(units))
        Voided.note(meeting.meta, self)
    }
}

extension Session {
    /// The party-card numbers of a meeting's attendees, by member id, from one list of the cell
    /// on the meeting's day (a member the token cannot read has none).
    func cardNumbers(_ meeting: Meeting) async throws(CLIFailure) -> [String: String] {
        let members = try await list(
            .membersList,
            ListMembersRequest(
                cellId: meeting.cellId,
                asOf: meeting.heldOn,
                includeVoided: true,
                includeAttached: true
            ),
            as: Member.self
        )
        label(members)
        var cards: [String: String] = [:]
        for member in members { cards[member.id] = member.partyCardNumber }
        return cards
    }
}
