import ChiboDomain
import ChiboModel
import Testing

/// Dates as sortable keys, and which dates exist.
@Suite struct DateKeysTests {
    @Test func keysAreISODatesThatSortAsDates() {
        #expect(DateKeys.key(CalendarDate(year: 2024, month: 3, day: 5)) == "2024-03-05")
        #expect(DateKeys.key(year: 987, month: 12, day: 31) == "0987-12-31")
        #expect(DateKeys.key(nil) == nil)
        let days = [
            CalendarDate(year: 2024, month: 10, day: 1), CalendarDate(year: 2024, month: 9, day: 30),
            CalendarDate(year: 2023, month: 12, day: 31),
        ]
        #expect(days.compactMap { DateKeys.key($0) }.sorted() == ["2023-12-31", "2024-09-30", "2024-10-01"])
    }

    @Test func onlyCalendarDatesAreValid() {
        let valid = [(2024, 2, 29), (2000, 2, 29), (2023, 12, 31), (1, 1, 1), (9999, 12, 31)]
        let invalid = [
            (2023, 2, 29), (1900, 2, 29), (2024, 4, 31), (2024, 13, 1), (2024, 0, 10), (2024, 1, 0), (0, 1, 1),
        ]
        for (year, month, day) in valid {
            #expect(DateKeys.isValid(CalendarDate(year: Int32(year), month: Int32(month), day: Int32(day))))
        }
        for (year, month, day) in invalid {
            #expect(!DateKeys.isValid(CalendarDate(year: Int32(year), month: Int32(month), day: Int32(day))))
        }
    }

    @Test func aRangeMustEndAfterItStarts() {
        var violations = Violations()
        let day = CalendarDate(year: 2024, month: 5, day: 1)
        violations.checkRange(DateRange(from: day, to: day), "valid")
        violations.checkRange(DateRange(from: day, to: CalendarDate(year: 2024, month: 5, day: 2)), "ok")
        violations.checkRange(DateRange(from: CalendarDate(year: 2023, month: 2, day: 29)), "bad")
        #expect(
            violations.list == [
                FieldViolation(field: "valid", description: "ends on or before it starts"),
                FieldViolation(field: "bad.from", description: "2023-2-29 is not a calendar date"),
            ]
        )
    }
}
