import ChiboModel

/// What a member's profile and status events must hold whatever is stored. Field paths are the
/// schema's, under a prefix (`member.`, `event.`, or none for an import row).
public enum MemberChecks {
    /// Checks a member's profile fields: name, gender, dates, citizen ID, card number, positions.
    /// The cell is a reference, checked where it is resolved.
    public static func checkProfile(_ member: Member, prefix: String, into violations: inout Violations) {
        violations.requireText(member.fullName, prefix + "full_name", maxLength: 120)
        if member.gender.protoName == nil {
            violations.add(prefix + "gender", "\(member.gender.rawValue) is not a known gender")
        }
        for (date, field) in [
            (member.birthDate, "birth_date"), (member.admittedOn, "admitted_on"), (member.officialOn, "official_on"),
        ] {
            violations.checkDate(date, prefix + field)
        }
        if !member.citizenId.isEmpty && !isCitizenID(member.citizenId) {
            violations.add(prefix + "citizen_id", "a citizen ID (CCCD) has 12 digits")
        }
        if member.partyCardNumber.count > 30 {
            violations.add(prefix + "party_card_number", "longer than 30 characters")
        }
        for (index, position) in member.positions.enumerated() {
            let path = prefix + "positions[\(index)]"
            if position.kind.rawValue == 0 || position.kind.protoName == nil {
                violations.add(path + ".kind", "required: secretary, deputy, committee member or standing committee")
            }
            if position.unitId.isEmpty { violations.add(path + ".unit_id", "required") }
            violations.checkRange(position.valid, path + ".valid")
        }
    }

    /// Checks one status event: a known kind, a real date, the place of work away.
    public static func checkEvent(_ event: StatusEvent, prefix: String, into violations: inout Violations) {
        if event.kind.rawValue == 0 || event.kind.protoName == nil {
            violations.add(prefix + "kind", "required: a known status event kind")
        }
        if event.effectiveOn == nil {
            violations.add(prefix + "effective_on", "required")
        } else {
            violations.checkDate(event.effectiveOn, prefix + "effective_on")
        }
        if event.kind == .workingAway && event.place.isEmpty {
            violations.add(prefix + "place", "required: where the member works away")
        }
        violations.checkDate(event.expectedReturnOn, prefix + "expected_return_on")
    }

    /// Whether text is a citizen ID (CCCD): exactly 12 ASCII digits.
    public static func isCitizenID(_ text: String) -> Bool {
        text.count == 12 && text.allSatisfy(\.isASCII) && text.allSatisfy(\.isNumber)
    }
}
