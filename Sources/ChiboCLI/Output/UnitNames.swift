import ChiboModel

/// Codes and names of the units a run has read, so that tables and CSV show "MB-BO" where the
/// server answers with an internal id.
public struct UnitNames: Sendable {
    /// The units by id.
    public var units: [String: OrgUnit]

    /// Creates the lookup.
    public init(_ units: [String: OrgUnit] = [:]) {
        self.units = units
    }

    /// The unit's code, else its name; the id only when the unit could not be read.
    public func code(_ id: String) -> String {
        guard let unit = units[id] else { return id }
        return unit.code.isEmpty ? unit.name : unit.code
    }

    /// The unit's name; the id only when the unit could not be read.
    public func name(_ id: String) -> String {
        guard let unit = units[id] else { return id }
        return unit.name.isEmpty ? unit.code : unit.name
    }
}

/// Party-card numbers and names of members a report names, so that tables and CSV show
/// "14417544" where the server answers with an internal id.
public struct MemberNames: Sendable {
    /// The members by id.
    public var members: [String: Member]

    /// Creates the lookup.
    public init(_ members: [String: Member] = [:]) {
        self.members = members
    }

    /// The member's party-card number; empty when none or unknown.
    public func card(_ id: String) -> String { members[id]?.partyCardNumber ?? "" }

    /// The member's full name; empty when unknown.
    public func name(_ id: String) -> String { members[id]?.fullName ?? "" }
}

extension Session {
    /// The members of `unitID`'s subtree, voided and past members included, by id (one list).
    func memberNames(under unitID: String) async throws(CLIFailure) -> MemberNames {
        let members = try await list(
            .membersList,
            ListMembersRequest(subtreeOf: unitID, includeVoided: true),
            as: Member.self
        )
        label(members)
        var byID: [String: Member] = [:]
        for member in members { byID[member.id] = member }
        return MemberNames(byID)
    }

    /// The codes and names of the units `ids` name, each read once per run (a unit the token
    /// may not read keeps its id).
    func unitNames(_ ids: some Sequence<String>) async throws(CLIFailure) -> UnitNames {
        for id in Set(ids) where !id.isEmpty && unitsByID[id] == nil {
            _ = try await knownUnit(id)
        }
        return UnitNames(unitsByID)
    }
}

/// What a voided record says about itself on standard error, beside its output.
enum Voided {
    /// "this record was voided on DATE: REASON", when it was.
    static func note(_ meta: RecordMeta?, _ session: Session) {
        guard let meta, meta.voided else { return }
        let presenter = session.printer.presenter
        let on = meta.voidedAtMs > 0 ? String(Timestamps.iso(milliseconds: meta.voidedAtMs).prefix(10)) : ""
        let reason = meta.voidReason.isEmpty ? "" : ": " + meta.voidReason
        session.note(
            presenter.text("note: this record was voided", "lưu ý: bản ghi này đã bị hủy")
                + (on.isEmpty ? "" : presenter.text(" on ", " ngày ") + on) + reason
        )
    }
}
