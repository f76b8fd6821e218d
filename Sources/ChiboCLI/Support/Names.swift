import ChiboCodec
import ChiboModel

/// What a person types for a record — a unit's code or name, a member's party-card number or
/// name, a cell and a date for a meeting — resolved to the ids the server speaks, through the
/// server's own reads and so within the token's scope. An unknown name is NOT_FOUND (exit 69)
/// with the closest names the token may read; a name that fits several records lists them
/// (exit 2). Ids keep working.
extension Session {
    /// The id of the unit named by id, by today's code (any case), or by its name (diacritics
    /// and case ignored: "ban bo" finds "Chi bộ bản Bó" when no other unit is so named).
    func unitID(_ reference: String, option: String = "--unit") async throws(CLIFailure) -> String {
        try await unit(reference, option: option).id
    }

    /// The unit named by id, code or name (see `unitID`).
    func unit(_ reference: String, option: String = "--unit") async throws(CLIFailure) -> OrgUnit {
        let typed = reference.trimmingSpaces
        guard !typed.isEmpty else { throw CLIFailure.usage("\(option) is empty: give a unit's code or name") }
        if let unit = try await found(.orgUnitsGet, GetOrgUnitRequest(id: typed), OrgUnitResponse.self)?.unit {
            return remember(unit)
        }
        for code in Set([typed, typed.uppercased()]) {
            if let unit = try await found(.orgUnitsGet, GetOrgUnitRequest(code: code), OrgUnitResponse.self)?.unit {
                return remember(unit)
            }
        }
        let units = try await readableUnits()
        let key = Folding.fold(typed)
        var matches = units.filter { Folding.fold($0.name) == key }
        if matches.isEmpty {
            // "ban bo" for "Chi bộ bản Bó": the name without the kind of unit it starts with.
            matches = units.filter { Folding.fold($0.name).hasSuffix(" " + key) }
        }
        if matches.count == 1 { return matches[0] }
        if matches.count > 1 {
            throw CLIFailure(
                exitCode: ExitCodes.usage,
                lines: ["error: \(option) \(typed) names \(matches.count) units; give one of their codes:"]
                    + matches.map { "  \($0.code)  \($0.name)" }
            )
        }
        let near = Folding.suggestions(for: typed, among: units.map(\.code) + units.map(\.name))
        var lines = ["error: NOT_FOUND: \(option): no unit has the code or name \(typed)"]
        if !near.isEmpty {
            let described = near.map { name in
                units.first { $0.code == name }.map { "\($0.code) (\($0.name))" } ?? name
            }
            lines.append("did you mean " + described.joined(separator: ", or ") + "?")
        }
        throw CLIFailure(exitCode: ExitCodes.forStatus(.notFound), lines: lines)
    }

    /// The id of a unit given by an option, or nil when the option was left out.
    func unitID(_ reference: String?, option: String) async throws(CLIFailure) -> String? {
        guard let reference else { return nil }
        return try await unit(reference, option: option).id
    }

    /// The member named by id, party-card number, or name (diacritics and case ignored;
    /// within `cellID` when given). Several members of that name are listed as candidates.
    func member(
        _ reference: String,
        cellID: String? = nil,
        option: String = "--member"
    ) async throws(CLIFailure)
        -> Member
    {
        let typed = reference.trimmingSpaces
        guard !typed.isEmpty else {
            throw CLIFailure.usage("\(option) is empty: give a member's party-card number or name")
        }
        if let member = try await found(.membersGet, GetMemberRequest(id: typed), MemberResponse.self)?.member {
            label([member])
            return member
        }
        let card = GetMemberRequest(partyCardNumber: typed)
        if let member = try await found(.membersGet, card, MemberResponse.self)?.member {
            label([member])
            return member
        }
        let matches = try await list(
            .membersList,
            ListMembersRequest(cellId: cellID ?? "", nameQuery: typed, includeAttached: cellID != nil),
            as: Member.self,
            limit: 50
        )
        label(matches)
        let key = Folding.fold(typed)
        let exact = matches.filter { Folding.fold($0.fullName) == key }
        if exact.count == 1 { return exact[0] }
        if exact.isEmpty && matches.count == 1 { return matches[0] }
        if matches.isEmpty {
            var place = ""
            if let cellID { place = " in " + (try await unitLabel(cellID)) }
            throw CLIFailure(
                exitCode: ExitCodes.forStatus(.notFound),
                lines: ["error: NOT_FOUND: \(option): no member has the party card or the name \(typed)\(place)"]
            )
        }
        let candidates = exact.isEmpty ? matches : exact
        var lines = [
            "error: \(option) \(typed) fits \(candidates.count)\(candidates.count == 50 ? " or more" : "") "
                + "members; give a party-card number\(cellID == nil ? " or --cell" : ""):"
        ]
        for member in candidates {
            let card = member.partyCardNumber.isEmpty ? "(no card)" : member.partyCardNumber
            let born = member.birthDate.map { " born \(Presenter.isoDate($0))" } ?? ""
            lines.append("  \(card)  \(member.fullName)  \(try await unitLabel(member.cellId))\(born)")
        }
        throw CLIFailure(exitCode: ExitCodes.usage, lines: lines)
    }

    /// The id of the member named by id, card or name (see `member`).
    func memberID(
        _ reference: String,
        cellID: String? = nil,
        option: String = "--member"
    ) async throws(CLIFailure)
        -> String
    {
        try await member(reference, cellID: cellID, option: option).id
    }

    /// The meeting a cell held on a day: exactly one, or NOT_FOUND, or the candidates when
    /// it held several that day.
    /// A voided meeting is found only when no other was held that day (or `includeVoided` is false).
    func meeting(cell: String, on day: String, includeVoided: Bool = false) async throws(CLIFailure) -> Meeting {
        let cellID = try await unitID(cell, option: "--cell")
        let date = try Values.date(day, option: "--on")
        let all = try await list(
            .meetingsList,
            ListMeetingsRequest(cellId: cellID, from: date, to: date.adding(days: 1), includeVoided: includeVoided),
            as: Meeting.self
        )
        let standing = all.filter { $0.meta?.voided != true }
        let meetings = standing.isEmpty ? all : standing
        let label = try await unitLabel(cellID)
        if meetings.count == 1 { return meetings[0] }
        if meetings.isEmpty {
            throw CLIFailure(
                exitCode: ExitCodes.forStatus(.notFound),
                lines: ["error: NOT_FOUND: \(label) held no meeting on \(Presenter.isoDate(date)) (--cell, --on)"]
            )
        }
        let presenter = Presenter(language: printer.language, raw: false)
        var lines = ["error: \(label) held \(meetings.count) meetings on \(Presenter.isoDate(date)); give its id:"]
        for meeting in meetings {
            let kind = presenter.value(meeting.kind.protoName, meeting.kind.rawValue)
            let time = presenter.time(meeting.startMinute)
            lines.append("  \(meeting.id)  \(kind) \(time) \(meeting.topic)".trimmingSpaces)
        }
        throw CLIFailure(exitCode: ExitCodes.usage, lines: lines)
    }

    /// "MB-BO (Chi bộ bản Bó)" for a unit id; the id itself when the unit cannot be read.
    func unitLabel(_ id: String) async throws(CLIFailure) -> String {
        guard !id.isEmpty else { return "" }
        guard let unit = try await knownUnit(id) else { return id }
        return unit.code.isEmpty ? unit.name : "\(unit.code) (\(unit.name))"
    }

    /// A unit by id, read once per run; nil when it does not exist or the token may not read it.
    func knownUnit(_ id: String) async throws(CLIFailure) -> OrgUnit? {
        if let unit = unitsByID[id] { return unit }
        guard let unit = try await found(.orgUnitsGet, GetOrgUnitRequest(id: id), OrgUnitResponse.self)?.unit
        else { return nil }
        return remember(unit)
    }

    /// The units of today's tree the token may read.
    func readableUnits() async throws(CLIFailure) -> [OrgUnit] {
        let units = try await list(.orgUnitsList, ListOrgUnitsRequest(), as: OrgUnit.self)
        for unit in units { _ = remember(unit) }
        return units
    }

    private func remember(_ unit: OrgUnit) -> OrgUnit {
        unitsByID[unit.id] = unit
        labels[unit.id] = unit.code.isEmpty ? unit.name : "\(unit.code) (\(unit.name))"
        return unit
    }

    /// The answer of a get, or nil when the server answers NOT_FOUND (also what it answers for a
    /// record outside the token's scope).
    private func found<Request: ProtoMessage, Response: ProtoMessage>(
        _ method: Method,
        _ request: Request,
        _ type: Response.Type
    ) async throws(CLIFailure) -> Response? {
        do throws(CLIFailure) {
            return try await unary(method, request, as: type, idempotent: true)
        } catch let failure where failure.exitCode == ExitCodes.forStatus(.notFound) {
            return nil
        } catch let failure where failure.exitCode == ExitCodes.forStatus(.invalidArgument) {
            // A text that cannot be an id or a card number at all.
            return nil
        } catch {
            throw error
        }
    }
}
