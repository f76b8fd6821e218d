import ChiboModel

/// What an org unit must hold whatever is stored: its own fields, and the shape of its place in
/// the tree. Field paths are the schema's, under a prefix (`unit.`, `successor.`, or none for an
/// import row).
public enum OrgUnitChecks {
    /// Checks a whole unit: its fields, then its parents.
    public static func check(_ unit: OrgUnit, prefix: String, into violations: inout Violations) {
        checkFields(unit, prefix: prefix, into: &violations)
        checkParents(unit, prefix: prefix, into: &violations)
    }

    /// Checks the unit's own fields (name, kind, code, meeting day, validity), not its parents:
    /// what an import row holds before its parent is found.
    public static func checkFields(_ unit: OrgUnit, prefix: String, into violations: inout Violations) {
        violations.requireText(unit.name, prefix + "name")
        if unit.kind.rawValue == 0 {
            violations.add(prefix + "kind", "required")
        } else if unit.kind.protoName == nil {
            violations.add(prefix + "kind", "\(unit.kind.rawValue) is not a known unit kind")
        }
        if unit.code.count > 50 { violations.add(prefix + "code", "longer than 50 characters") }
        if !(0...31).contains(unit.meetingDay) {
            violations.add(prefix + "meeting_day", "must be a day of the month, 1 to 31 (0 for none)")
        }
        if unit.meetingDay != 0 && unit.kind != .cell && unit.kind != .partyGroup {
            violations.add(prefix + "meeting_day", "only cells and party groups have a meeting day")
        }
        violations.checkRange(unit.valid, prefix + "valid")
    }

    /// Checks the unit's parent history and that it is not its own parent.
    public static func checkParents(_ unit: OrgUnit, prefix: String, into violations: inout Violations) {
        for (index, period) in unit.parentHistory.enumerated() {
            let path = prefix + "parent_history[\(index)]"
            if period.parentId.isEmpty { violations.add(path + ".parent_id", "required") }
            violations.checkRange(period.valid, path + ".valid")
        }
        if unit.parentId == unit.id && !unit.id.isEmpty {
            violations.add(prefix + "parent_id", "a unit cannot be its own parent")
        }
    }
}
