import ChiboModel
import ChiboReports
import ChiboStore
import ChiboTesting
import Testing

/// The reports over facts held in memory (`OversightFacts`), without a store: a small commune
/// whose answers are known by hand.
@Suite struct OversightOverFactsTests {
    /// A commune `c` with one cell `k` (meeting day 3) and what a store would answer about them.
    struct CommuneFacts: OversightFacts {
        var units: [OrgUnit] = [
            OrgUnit(id: "c", name: "Xã C", kind: .commune),
            OrgUnit(id: "k", name: "Chi bộ K", kind: .cell, parentId: "c", meetingDay: 3),
        ]
        var summaries: [MeetingSummary]

        func unitsEverUnder(rootID: String) async throws -> [OrgUnit] {
            rootID == "c" ? units : units.filter { $0.id == rootID }
        }
        func orgUnit(id: String) async throws -> OrgUnit? { units.first { $0.id == id } }
        func ruleSets() async throws -> [RuleSet] { NationalRules.all }
        func meetingSummaries(
            everUnder rootID: String,
            from: CalendarDate,
            through: CalendarDate
        ) async throws
            -> [MeetingSummary]
        {
            summaries.filter { $0.heldOn >= from && $0.heldOn <= through }
        }
        func meetingSummaries(
            cellIDs: [String],
            from: CalendarDate,
            through: CalendarDate
        ) async throws
            -> [MeetingSummary]
        {
            summaries.filter { cellIDs.contains($0.cellID) && $0.heldOn >= from && $0.heldOn <= through }
        }
        func attendanceTotals(
            cellIDs: [String],
            from: CalendarDate,
            through: CalendarDate,
            period: PeriodKind,
            goodAttendanceBp: Int32
        ) async throws -> [AttendanceTotals] {
            AttendanceTotals.summing(
                try await meetingSummaries(cellIDs: cellIDs, from: from, through: through),
                period: period,
                goodAttendanceBp: goodAttendanceBp
            )
        }
        func absenceFacts(
            everUnder rootID: String,
            from: CalendarDate,
            through: CalendarDate,
            minExcused: Int,
            minUnexcusedMonths: Int
        ) async throws -> [AttendanceFact] { [] }
        func membersEverUnder(rootID: String) async throws -> [Member] { [] }
        func evaluations(everUnder rootID: String, year: Int32) async throws -> [Evaluation] { [] }
        func openResolutions(everUnder rootID: String, dueBefore: CalendarDate) async throws -> [ResolutionFact] {
            []
        }
    }

    /// Regular meetings on 3 January and 3 March 2025 (none in February), a thematic one on
    /// 3 January: 10 members expected at each.
    static let facts = CommuneFacts(summaries: [
        MeetingSummary(
            id: "jan",
            cellID: "k",
            heldOn: day(2025, 1, 3),
            kind: .regular,
            startMinute: 1140,
            endMinute: 1290,
            expected: 10,
            present: 9,
            absentExcused: 1
        ),
        MeetingSummary(
            id: "jan-t",
            cellID: "k",
            heldOn: day(2025, 1, 3),
            kind: .thematic,
            startMinute: 1140,
            endMinute: 1290,
            expected: 10,
            present: 10
        ),
        MeetingSummary(
            id: "mar",
            cellID: "k",
            heldOn: day(2025, 3, 3),
            kind: .regular,
            startMinute: 1140,
            endMinute: 1290,
            expected: 10,
            present: 7,
            absentExcused: 1,
            absentUnexcused: 2
        ),
    ])

    @Test func aMonthWithoutARegularMeetingIsFlaggedAndNoOther() async throws {
        let flags = try await Oversight(facts: Self.facts).regularity(
            rootID: "c",
            from: day(2025, 1, 1),
            through: day(2025, 3, 31)
        )
        let missed = flags.filter { $0.kind == .missedRegularMeeting }
        #expect(missed.count == 1 && missed.first?.unitId == "k", "\(flags)")
        #expect(missed.first?.period?.index == 2, "February: \(flags)")
        #expect(!flags.contains { $0.kind == .missedThematicMeeting }, "a thematic meeting in the quarter")
    }

    @Test func attendanceAddsUpOverTheQuarter() async throws {
        let rows = try await Oversight(facts: Self.facts).attendance(
            rootID: "c",
            from: day(2025, 1, 1),
            through: day(2025, 3, 31),
            period: .quarter,
            byCell: false
        )
        let row = try #require(rows.first)
        #expect(rows.count == 1 && row.unitId == "c")
        #expect((row.meetings, row.expected, row.present) == (3, 30, 26))
        #expect((row.absentExcused, row.absentUnexcused) == (2, 2))
        #expect(row.rateBp == 8667, "26 of 30 present, in basis points rounded: \(row.rateBp)")
    }
}
