import ChiboDomain
import ChiboModel
import Testing

/// A unit's place in the tree by date: half-open periods, moves, gaps.
@Suite struct UnitHistoryTests {
    private func day(_ year: Int32, _ month: Int32, _ day: Int32) -> CalendarDate {
        CalendarDate(year: year, month: month, day: day)
    }

    @Test func periodsHoldTheirFirstDayAndNotTheirEnd() {
        let range = DateRange(from: day(2020, 1, 1), to: day(2025, 7, 1))
        #expect(UnitHistory.contains(range, day(2020, 1, 1)))
        #expect(UnitHistory.contains(range, day(2025, 6, 30)))
        #expect(!UnitHistory.contains(range, day(2025, 7, 1)))
        #expect(!UnitHistory.contains(range, day(2019, 12, 31)))
        #expect(UnitHistory.contains(DateRange(to: day(2025, 7, 1)), day(1950, 1, 1)))
        #expect(UnitHistory.contains(nil, day(2025, 7, 1)))
    }

    @Test func theParentIsTheOneOfTheDay() {
        var cell = OrgUnit()
        cell.id = "cell"
        cell.parentId = "commune-b"
        cell.parentHistory = [
            ParentPeriod(parentId: "commune-a", valid: DateRange(from: day(2018, 1, 1), to: day(2025, 7, 1))),
            ParentPeriod(parentId: "commune-b", valid: DateRange(from: day(2025, 7, 1))),
        ]
        #expect(UnitHistory.parent(of: cell, on: day(2017, 12, 31)) == nil)
        #expect(UnitHistory.parent(of: cell, on: day(2018, 1, 1)) == "commune-a")
        #expect(UnitHistory.parent(of: cell, on: day(2025, 6, 30)) == "commune-a")
        #expect(UnitHistory.parent(of: cell, on: day(2025, 7, 1)) == "commune-b")
        #expect(UnitHistory.parent(of: cell, on: day(2030, 1, 1)) == "commune-b")
    }

    @Test func aUnitWithoutHistoryHasItsCurrentParentOrNone() {
        var unit = OrgUnit()
        unit.parentId = "province"
        #expect(UnitHistory.parent(of: unit, on: day(2000, 1, 1)) == "province")
        unit.parentId = ""
        #expect(UnitHistory.parent(of: unit, on: day(2000, 1, 1)) == nil)
    }
}
