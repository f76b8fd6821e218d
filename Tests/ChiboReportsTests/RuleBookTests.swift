import ChiboModel
import ChiboTesting
import Testing

@testable import ChiboReports

/// Rule sets resolved by unit and date, without a store.
@Suite struct RuleBookTests {

    /// A province `p` with a commune `c` and its cell `k`; the cell moves to commune `d` on
    /// 2025-07-01.
    private var history: OrgHistory {
        OrgHistory(units: [
            OrgUnit(id: "p", name: "Tỉnh", kind: .province),
            OrgUnit(id: "c", name: "Xã C", kind: .commune, parentId: "p"),
            OrgUnit(id: "d", name: "Xã D", kind: .commune, parentId: "p"),
            OrgUnit(
                id: "k",
                name: "Chi bộ K",
                kind: .cell,
                parentId: "d",
                parentHistory: [
                    ParentPeriod(parentId: "c", valid: DateRange(to: day(2025, 7, 1))),
                    ParentPeriod(parentId: "d", valid: DateRange(from: day(2025, 7, 1))),
                ]
            ),
        ])
    }

    @Test func theNationalSetInForceOnTheDateApplies() {
        let book = RuleBook(ruleSets: NationalRules.all, history: history)
        // HD 12 before 18/10/2019; HD 21 adds the caps; QĐ 366 the bands; then the 90 minutes.
        #expect(book.rules(for: "k", on: day(2019, 10, 17)).id == "national-2018-07-06")
        #expect(book.rules(for: "k", on: day(2019, 10, 18)).rules.excellentMemberCapBp == 2000)
        #expect(book.rules(for: "k", on: day(2025, 10, 27)).rules.minMeetingMinutes == 0)
        #expect(book.rules(for: "k", on: day(2025, 10, 28)).rules.minMeetingMinutes == 90)
        #expect(book.rules(for: "k", on: day(2025, 10, 28)).rules.scoreExcellentMin == 90)
        // Before the first recorded set, the first one judges.
        #expect(book.rules(for: "k", on: day(2010, 1, 1)).id == "national-2018-07-06")
    }

    @Test func scopedSetsOverrideOnlyWhatTheyGiveNearestLast() {
        let province = RuleSet(id: "rp", scopeUnitId: "p", effectiveFrom: day(2020, 1, 1), goodAttendanceBp: 8800)
        let commune = RuleSet(id: "rc", scopeUnitId: "c", effectiveFrom: day(2019, 1, 1), goodAttendanceBp: 9000)
        let later = RuleSet(
            id: "rc2",
            scopeUnitId: "c",
            effectiveFrom: day(2024, 1, 1),
            excellentCapBase: .ofGoodOrBetter
        )
        var voided = RuleSet(id: "rx", scopeUnitId: "c", effectiveFrom: day(2023, 1, 1), goodAttendanceBp: 5000)
        voided.meta = RecordMeta(revision: 2, voided: true)
        let book = RuleBook(ruleSets: NationalRules.all + [province, commune, later, voided], history: history)

        // 2019: the commune's 90% over HD 12 (the province's set is not yet in force).
        let early = book.rules(for: "k", on: day(2019, 6, 1))
        #expect(early.id == "national-2018-07-06+rc")
        #expect(early.rules.goodAttendanceBp == 9000)
        // 2024: province 88%, then the commune's 90% (nearer wins), then the commune's later set
        // changes only the cap base and keeps the 90%; the voided 50% never applies.
        let mid = book.rules(for: "k", on: day(2024, 6, 1))
        #expect(mid.applied.map(\.id) == ["national-2019-10-18", "rp", "rc", "rc2"])
        #expect(mid.rules.goodAttendanceBp == 9000)
        #expect(mid.rules.excellentCapBase == .ofGoodOrBetter)
        #expect(mid.rules.thematicEveryMonths == 3)
        // After the move to commune d, only the province's set and the national one apply.
        let moved = book.rules(for: "k", on: day(2025, 11, 1))
        #expect(moved.id == "national-2025-10-28+rp")
        #expect(moved.rules.goodAttendanceBp == 8800)
        #expect(moved.rules.minMeetingMinutes == 90)
    }

    @Test func scoresFallInTheBandsOfTheRules() {
        let rules = NationalRules.qd366of2025
        func grade(_ score: Double) -> Grade? {
            RuleBook.grade(of: Evaluation(result: .score(score)), rules: rules)
        }
        #expect(grade(90) == .excellent)
        #expect(grade(89.9) == .good)
        #expect(grade(70) == .good)
        #expect(grade(69.5) == .completed)
        #expect(grade(50) == .completed)
        #expect(grade(49) == .notCompleted)
        #expect(RuleBook.grade(of: Evaluation(result: .score(95)), rules: NationalRules.hd21of2019) == nil)
        #expect(RuleBook.grade(of: Evaluation(result: .grade(.good)), rules: NationalRules.hd21of2019) == .good)
    }

    @Test func theTreeOfADate() {
        let tree = history
        #expect(tree.ancestors(of: "k", on: day(2025, 6, 30)) == ["c", "p"])
        #expect(tree.ancestors(of: "k", on: day(2025, 7, 1)) == ["d", "p"])
        #expect(tree.coversUnder("k", root: "c", from: day(2025, 6, 1), to: day(2025, 6, 30)))
        #expect(!tree.coversUnder("k", root: "c", from: day(2025, 6, 1), to: day(2025, 7, 31)))
        #expect(tree.coversUnder("k", root: "p", from: day(2025, 1, 1), to: day(2025, 12, 31)))
    }

    @Test func calendarArithmetic() {
        #expect(day(2024, 1, 31).adding(months: 1) == day(2024, 2, 29))
        #expect(day(2025, 11, 30).adding(months: 3) == day(2026, 2, 28))
        #expect(day(2025, 3, 1).adding(months: -3) == day(2024, 12, 1))
        #expect(day(2024, 12, 31).nextDay == day(2025, 1, 1))
        #expect(day(2025, 3, 1).previousDay == day(2025, 2, 28))
        #expect(
            Periods.periods(from: day(2025, 2, 10), through: day(2025, 7, 1), kind: .quarter).map(\.index) == [1, 2, 3]
        )
        #expect(Periods.last(Period(kind: .quarter, year: 2024, index: 1)) == day(2024, 3, 31))
        #expect(Percent.bp(50, of: 57) == 8772)
        #expect(Percent.bp(2, of: 3) == 6667)
        #expect(Percent.text(bp: 8750) == "87.5%")
    }
}
