import ChiboDomain
import ChiboModel
import Testing

/// A member's profile and events, and what the lifecycle makes of the events on a meeting's day.
@Suite struct MemberChecksTests {
    private func day(_ year: Int32, _ month: Int32, _ day: Int32) -> CalendarDate {
        CalendarDate(year: year, month: month, day: day)
    }

    @Test func aCitizenIDIsTwelveASCIIDigits() {
        #expect(MemberChecks.isCitizenID("001204012345"))
        #expect(!MemberChecks.isCitizenID("00120401234"))
        #expect(!MemberChecks.isCitizenID("0012040123456"))
        #expect(!MemberChecks.isCitizenID("00120401234a"))
        // Twelve digits, but not ASCII ones (Arabic-Indic): refused.
        #expect(!MemberChecks.isCitizenID("٠٠١٢٠٤٠١٢٣٤٥"))
    }

    @Test func aProfileNamesEveryBadField() {
        var member = Member()
        member.fullName = "Lò Văn Minh"
        member.citizenId = "12345"
        member.birthDate = day(1990, 2, 30)
        member.positions = [Position()]
        var violations = Violations()
        MemberChecks.checkProfile(member, prefix: "member.", into: &violations)
        #expect(
            violations.list.map(\.field) == [
                "member.birth_date", "member.citizen_id", "member.positions[0].kind", "member.positions[0].unit_id",
            ]
        )
        #expect(violations.list[1].description == "a citizen ID (CCCD) has 12 digits")
    }

    @Test func anEventNeedsAKindADateAndForWorkAwayAPlace() {
        var violations = Violations()
        MemberChecks.checkEvent(StatusEvent(kind: .workingAway), prefix: "event.", into: &violations)
        #expect(
            violations.list == [
                FieldViolation(field: "event.effective_on", description: "required"),
                FieldViolation(field: "event.place", description: "required: where the member works away"),
            ]
        )
        var fine = Violations()
        MemberChecks.checkEvent(StatusEvent(kind: .admitted, effectiveOn: day(2024, 3, 1)), prefix: "", into: &fine)
        #expect(fine.list.isEmpty)
    }

    @Test func theLifecycleDecidesWhoAMeetingExpects() {
        var member = Member()
        member.id = "m1"
        member.cellId = "cell-b"
        member.cellHistory = [
            CellPeriod(cellId: "cell-a", valid: DateRange(from: day(2024, 3, 1), to: day(2025, 1, 1))),
            CellPeriod(cellId: "cell-b", valid: DateRange(from: day(2025, 1, 1))),
        ]
        member.events = [
            StatusEvent(kind: .admitted, effectiveOn: day(2024, 3, 1)),
            StatusEvent(kind: .workingAway, effectiveOn: day(2024, 6, 1), place: "Hà Nội"),
            StatusEvent(kind: .returned, effectiveOn: day(2024, 9, 1)),
            StatusEvent(kind: .madeOfficial, effectiveOn: day(2025, 3, 1)),
        ]
        func category(_ cell: String, _ key: String) -> MemberCategory? {
            ExpectedAttendance.entry(for: member, cellID: cell, dateKey: key)?.category
        }
        #expect(category("cell-a", "2024-02-29") == nil)
        #expect(category("cell-a", "2024-03-01") == .probationary)
        #expect(category("cell-a", "2024-07-15") == .workingAway)
        #expect(category("cell-a", "2024-09-01") == .probationary)
        #expect(category("cell-a", "2025-01-01") == nil)
        #expect(category("cell-b", "2025-01-01") == .probationary)
        #expect(category("cell-b", "2025-03-01") == .official)
    }
}
