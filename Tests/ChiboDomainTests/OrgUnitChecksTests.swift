import ChiboDomain
import ChiboModel
import Testing

/// What an org unit must hold: its own fields, and its parents when it has them.
@Suite struct OrgUnitChecksTests {
    @Test func aWellFormedCellPasses() {
        var unit = OrgUnit()
        unit.name = "Chi bộ bản Áng"
        unit.kind = .cell
        unit.meetingDay = 5
        var violations = Violations()
        OrgUnitChecks.check(unit, prefix: "unit.", into: &violations)
        #expect(violations.list.isEmpty)
    }

    @Test func fieldsAndParentsAreCheckedApart() {
        var unit = OrgUnit()
        unit.id = "u1"
        unit.name = " "
        unit.kind = .commune
        unit.meetingDay = 5
        unit.parentId = "u1"
        unit.parentHistory = [ParentPeriod(parentId: "", valid: nil)]
        var fields = Violations()
        OrgUnitChecks.checkFields(unit, prefix: "", into: &fields)
        #expect(
            fields.list == [
                FieldViolation(field: "name", description: "required"),
                FieldViolation(field: "meeting_day", description: "only cells and party groups have a meeting day"),
            ]
        )
        var whole = Violations()
        OrgUnitChecks.check(unit, prefix: "unit.", into: &whole)
        #expect(
            whole.list.map(\.field) == [
                "unit.name", "unit.meeting_day", "unit.parent_history[0].parent_id", "unit.parent_id",
            ]
        )
    }
}
