extension Member {
    /// The member without the fields that identify or reach a person beyond the party record:
    /// citizen ID, phone and birth date. What roles that do not need them see, and what the
    /// audit log keeps.
    public var withoutPersonalData: Member {
        var member = self
        member.citizenId = ""
        member.phone = ""
        member.birthDate = nil
        return member
    }
}
