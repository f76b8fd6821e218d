import ChiboModel
import ChiboStore
import ChiboTesting
import Testing

@testable import ChiboReports

/// The attendance report summed by the store (`AttendanceSources`, `Store.attendanceTotals`)
/// against reading every meeting, on a province whose tree and rules change: a cell moves on
/// 1 July 2025, one commune has its own threshold from 1 May 2025, the national rules change on
/// 28 October 2025, and in 2024 a cell moves from commune E to commune C (and C's rules) in
/// each month (more cuts than the report cuts a range into).
@Suite struct AttendanceSourcesTests {
    /// Facts held in memory; the totals are the reference sum of the summaries.
    struct ProvinceFacts: OversightFacts {
        var units: [OrgUnit]
        var rules: [RuleSet]
        var summaries: [MeetingSummary]

        func unitsEverUnder(rootID: String) async throws -> [OrgUnit] { units }
        func orgUnit(id: String) async throws -> OrgUnit? { units.first { $0.id == id } }
        func ruleSets() async throws -> [RuleSet] { rules }
        func meetingSummaries(
            everUnder rootID: String,
            from: CalendarDate,
            through: CalendarDate
        ) async throws -> [MeetingSummary] {
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

    /// A cell under `from` until `day`, then under `to`.
    static func movingCell(_ id: String, _ name: String, from: String, to: String, on day: CalendarDate) -> OrgUnit {
        OrgUnit(
            id: id,
            name: name,
            kind: .cell,
            parentId: to,
            parentHistory: [
                ParentPeriod(parentId: from, valid: DateRange(to: day)),
                ParentPeriod(parentId: to, valid: DateRange(from: day)),
            ]
        )
    }

    static let facts: ProvinceFacts = {
        var units = [
            OrgUnit(id: "p", name: "Tỉnh P", kind: .province),
            OrgUnit(id: "c", name: "Xã C", kind: .commune, parentId: "p"),
            OrgUnit(id: "d", name: "Xã D", kind: .commune, parentId: "p"),
            OrgUnit(id: "e", name: "Xã E", kind: .commune, parentId: "p"),
            OrgUnit(id: "k1", name: "Chi bộ K1", kind: .cell, parentId: "c"),
            movingCell("k2", "Chi bộ K2", from: "c", to: "d", on: day(2025, 7, 1)),
            OrgUnit(id: "k3", name: "Chi bộ K3", kind: .cell, parentId: "d"),
            OrgUnit(id: "k4", name: "Chi bộ K4", kind: .cell, parentId: "e"),
            OrgUnit(id: "f", name: "Xã F", kind: .commune, parentId: "p"),
            // Moves between two communes judged by the national rules: steady under the
            // province, not in a report by commune.
            movingCell("k5", "Chi bộ K5", from: "e", to: "f", on: day(2024, 6, 10)),
        ]
        for month: Int32 in 1...12 {
            units.append(
                movingCell("n\(month)", "Chi bộ chuyển \(month)", from: "e", to: "c", on: day(2024, month, 10))
            )
        }
        let local = RuleSet(id: "rd", scopeUnitId: "d", effectiveFrom: day(2025, 5, 1), goodAttendanceBp: 9500)
        let commune = RuleSet(id: "rc", scopeUnitId: "c", effectiveFrom: day(2020, 1, 1), goodAttendanceBp: 6000)
        var summaries: [MeetingSummary] = []
        var draw: UInt64 = 7
        func next(_ bound: Int) -> Int {
            draw = draw &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((draw >> 33) % UInt64(bound))
        }
        for year: Int32 in [2024, 2025] {
            for month: Int32 in 1...12 {
                for unit in units where unit.kind == .cell {
                    let expected = 4 + next(8)
                    let unexcused = next(4) == 0 ? 1 : 0
                    let excused = next(3)
                    let present = max(0, expected - unexcused - excused)
                    summaries.append(
                        MeetingSummary(
                            id: "\(unit.id)-\(year)-\(month)",
                            cellID: unit.id,
                            heldOn: day(year, month, Int32(1 + next(28))),
                            kind: month % 3 == 0 && next(2) == 0 ? .thematic : .regular,
                            expected: present + excused + unexcused,
                            present: present,
                            absentExcused: excused,
                            absentUnexcused: unexcused,
                            notRecorded: next(5) == 0 ? 1 : 0,
                            spoke: next(present + 1)
                        )
                    )
                }
            }
        }
        // A store answers by date, then id.
        summaries.sort { ($0.heldOn, $0.id) < ($1.heldOn, $1.id) }
        // Commune F's own rules from 2025 keep the national threshold: summed in one statement
        // with the national cells, its rows still name its rules.
        let sameThreshold = RuleSet(
            id: "rf",
            scopeUnitId: "f",
            effectiveFrom: day(2025, 1, 1),
            goodAttendanceBp: 8500,
            thematicEveryMonths: 3
        )
        return ProvinceFacts(
            units: units,
            rules: NationalRules.all + [local, commune, sameThreshold],
            summaries: summaries
        )
    }()

    /// Every meeting read and added up, as the report did before it summed in the store.
    func oneByOne(
        rootID: String,
        from: CalendarDate,
        through: CalendarDate,
        period: PeriodKind,
        byCell: Bool,
        groupBy: OrgUnitKind = .unspecified
    )
        async throws -> [AttendanceRow]
    {
        let oversight = Oversight(facts: Self.facts)
        let (history, rules) = try await oversight.context(rootID: rootID)
        return AttendanceReport.rows(
            summaries: try await Self.facts.meetingSummaries(everUnder: rootID, from: from, through: through),
            history: history,
            rules: rules,
            rootID: rootID,
            from: from,
            through: through,
            period: period,
            byCell: byCell,
            groupBy: groupBy
        )
    }

    /// Rows by commune and by province, under the province and under a commune, summed as
    /// reading every meeting gives: in 2024 the moving cells change commune each month, so a cell
    /// steady under the root is not steady in its row.
    @Test(arguments: [
        (day(2025, 1, 1), day(2025, 12, 31)),
        (day(2024, 1, 1), day(2024, 12, 31)),
        (day(2024, 3, 15), day(2025, 8, 20)),
    ])
    func groupedByAKindAsReadOneByOne(range: (CalendarDate, CalendarDate)) async throws {
        let oversight = Oversight(facts: Self.facts, cellsPerStatement: 2)
        for root in ["p", "c"] {
            for groupBy in [OrgUnitKind.commune, .province, .district] {
                for period in [PeriodKind.month, .year] {
                    let summed = try await oversight.attendance(
                        rootID: root,
                        from: range.0,
                        through: range.1,
                        period: period,
                        byCell: false,
                        groupBy: groupBy
                    )
                    let read = try await oneByOne(
                        rootID: root,
                        from: range.0,
                        through: range.1,
                        period: period,
                        byCell: false,
                        groupBy: groupBy
                    )
                    #expect(summed == read, "root \(root) by \(groupBy) \(period)")
                    #expect(!read.isEmpty)
                }
            }
        }
    }

    /// A commune's rows in the report by commune are the report on that commune, row for row
    /// (the same meetings, judged by the same rules, named in the same order), and the province
    /// by province is the report on the province.
    @Test func aGroupsRowIsTheReportOnThatUnit() async throws {
        let oversight = Oversight(facts: Self.facts)
        for (from, through) in [(day(2024, 1, 1), day(2024, 12, 31)), (day(2025, 1, 1), day(2025, 12, 31))] {
            for period in [PeriodKind.month, .quarter] {
                let byCommune = try await oversight.attendance(
                    rootID: "p",
                    from: from,
                    through: through,
                    period: period,
                    byCell: false,
                    groupBy: .commune
                )
                for commune in ["c", "d", "e", "f"] {
                    let alone = try await oversight.attendance(
                        rootID: commune,
                        from: from,
                        through: through,
                        period: period,
                        byCell: false
                    )
                    #expect(byCommune.filter { $0.unitId == commune } == alone, "\(commune) \(period) \(from)")
                    #expect(alone.contains { $0.meetings > 0 })
                }
                #expect(Set(byCommune.map(\.unitId)) == ["c", "d", "e", "f"])
                let byProvince = try await oversight.attendance(
                    rootID: "p",
                    from: from,
                    through: through,
                    period: period,
                    byCell: false,
                    groupBy: .province
                )
                let province = try await oversight.attendance(
                    rootID: "p",
                    from: from,
                    through: through,
                    period: period,
                    byCell: false
                )
                #expect(byProvince == province)
            }
        }
    }

    @Test(arguments: [
        (day(2025, 1, 1), day(2025, 12, 31)),
        (day(2024, 1, 1), day(2024, 12, 31)),
        (day(2024, 3, 15), day(2025, 8, 20)),
        (day(2025, 6, 30), day(2025, 7, 1)),
    ])
    func summedByTheStoreAsReadOneByOne(range: (CalendarDate, CalendarDate)) async throws {
        // Three cells a statement: the sums come in chunks, read side by side.
        let oversight = Oversight(facts: Self.facts, cellsPerStatement: 3)
        for root in ["p", "c", "d", "k2"] {
            for period in [PeriodKind.month, .quarter, .year] {
                for byCell in [true, false] {
                    let summed = try await oversight.attendance(
                        rootID: root,
                        from: range.0,
                        through: range.1,
                        period: period,
                        byCell: byCell
                    )
                    let read = try await oneByOne(
                        rootID: root,
                        from: range.0,
                        through: range.1,
                        period: period,
                        byCell: byCell
                    )
                    #expect(summed == read, "\(root) \(period) byCell \(byCell)")
                    #expect(!read.isEmpty)
                }
            }
        }
    }

    @Test func aYearOfFewChangesIsSummedInSpansAndOneOfManyChangesPartly() async throws {
        let (history, rules) = try await Oversight(facts: Self.facts).context(rootID: "p")
        // 2025: cut on 1 May (the commune's rules), 1 July (the move), 28 October (national).
        let year2025 = AttendanceSources(
            history: history,
            rules: rules,
            rootID: "p",
            from: day(2025, 1, 1),
            through: day(2025, 12, 31)
        )
        #expect(year2025.readOneByOne.isEmpty)
        #expect(
            Set(year2025.sums.map(\.from)) == [day(2025, 1, 1), day(2025, 5, 1), day(2025, 7, 1), day(2025, 10, 28)]
        )
        let d = year2025.sums.first { $0.from == day(2025, 5, 1) && $0.unitIDs.contains("k3") }
        #expect(d?.rules.rules.goodAttendanceBp == 9500 && d?.through == day(2025, 6, 30))
        // 2024: twelve cells move, one each month: more cuts than spans, so the cells that stand
        // still all year are summed and the moving ones (whose rules change) are read one by one.
        let year2024 = AttendanceSources(
            history: history,
            rules: rules,
            rootID: "p",
            from: day(2024, 1, 1),
            through: day(2024, 12, 31)
        )
        #expect(year2024.readOneByOne == (1...12).map { "n\($0)" }.sorted())
        #expect(year2024.sums.flatMap(\.unitIDs).contains("k1"))
        #expect(year2024.sums.map(\.rules.id).count == 2, "the national rules and commune C's")
        #expect(year2024.sums.flatMap(\.unitIDs).contains("k5"))
        // By commune, the cell that changes commune under the same rules is read one by one.
        let byCommune = AttendanceSources(
            history: history,
            rules: rules,
            rootID: "p",
            from: day(2024, 1, 1),
            through: day(2024, 12, 31),
            rowOf: { AttendanceReport.rowUnit(of: $0, on: $1, history: history, rootID: "p", groupBy: .commune) }
        )
        #expect(byCommune.readOneByOne == ((1...12).map { "n\($0)" } + ["k5"]).sorted())
    }
}
