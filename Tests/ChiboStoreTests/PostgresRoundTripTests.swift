import ChiboModel
import ChiboReports
import ChiboSample
import ChiboStore
import ChiboStorePostgres
import ChiboStoreSQL
import Testing

/// How many round trips a report waits for on PostgreSQL: the sample commune (Mường Bằng, a year
/// of meetings) written through the store, then one overview and one attendance report, counted
/// by the store (`PostgresStore.traffic`). When each read snapshot waited for its own `BEGIN`
/// and `COMMIT` and the units above the root were read one by one, the overview waited for 34
/// round trips and the attendance report for 17; now 14 and 5.
@Suite(.enabled(if: PostgresTestDatabase.isAvailable, "needs the PostgreSQL server tools/test starts"))
struct PostgresRoundTripTests {
    /// The most round trips one overview of the commune may wait for.
    static let overviewBound = 14
    /// The most round trips one attendance report of the commune by cell may wait for.
    static let attendanceBound = 5

    @Test func aCommunesReportsWaitForFewRoundTrips() async throws {
        let store = try await PostgresTestDatabase.freshStore()
        do {
            try await Self.writeSample(store)
            let oversight = Oversight(store: store)
            let from = CalendarDate(year: 2019, month: 1, day: 1)
            let through = CalendarDate(year: 2019, month: 12, day: 31)

            let beforeOverview = store.traffic
            let overview = try await oversight.overview(rootID: "mb", year: 2019, on: through)
            let overviewTrips = store.traffic.roundTrips - beforeOverview.roundTrips
            #expect(overview.cells == 27)
            #expect(overview.members == 316)
            #expect(overviewTrips <= Self.overviewBound, "the overview waited for \(overviewTrips) round trips")

            let beforeAttendance = store.traffic
            let rows = try await oversight.attendance(
                rootID: "mb",
                from: from,
                through: through,
                period: .year,
                byCell: true
            )
            let attendanceTrips = store.traffic.roundTrips - beforeAttendance.roundTrips
            #expect(rows.count >= 27)
            #expect(
                attendanceTrips <= Self.attendanceBound,
                "the attendance report waited for \(attendanceTrips) round trips"
            )
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    @Test func aReadIsASnapshotAndLeavesItsConnectionReadyHoweverItEnds() async throws {
        // One reader connection: every read below runs on the same one.
        let store = try await PostgresStore(location: PostgresTestDatabase.freshLocation(), readerThreads: 1)
        do {
            let before = store.traffic
            let nothing = try await store.engine.read { _ in 7 }
            #expect(nothing == 7)
            #expect(store.traffic == before, "a read that runs no statement sends none")

            await #expect(throws: PostgresStatementError.self) {
                try await store.engine.read { db in
                    try db.execute(sql: "SELECT no_such_column FROM org_unit")
                }
            }
            let settings = try await store.engine.read { db in
                (
                    try String.fetchOne(db, sql: "SELECT current_setting('transaction_isolation')"),
                    try String.fetchOne(db, sql: "SELECT current_setting('transaction_read_only')")
                )
            }
            #expect(settings.0 == "repeatable read" && settings.1 == "on", "\(settings)")
            // The failed read: its statement with the BEGIN, its ROLLBACK and the one made when its
            // connection goes back to the idle set; the next: two statements, the first with the BEGIN.
            let after = store.traffic
            #expect(after.roundTrips - before.roundTrips == 3 + 2, "\(before) then \(after)")
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    /// Every connection, reader and writer, runs without JIT: at the nation's size the planner's
    /// estimates made PostgreSQL compile a 3 ms statement for 248 ms.
    @Test func everyConnectionRunsWithoutJIT() async throws {
        let store = try await PostgresStore(location: PostgresTestDatabase.freshLocation(), readerThreads: 1)
        do {
            let read = try await store.engine.read { db in
                try String.fetchOne(db, sql: "SELECT current_setting('jit')")
            }
            let written = try await store.engine.write { db in
                try String.fetchOne(db, sql: "SELECT current_setting('jit')")
            }
            #expect(read == "off" && written == "off", "reader \(read ?? "-"), writer \(written ?? "-")")
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    /// Writes every record of the Mường Bằng sample through `store`.
    static func writeSample(_ store: any Store) async throws {
        let context = MutationContext(actor: "round-trips", nowMs: 1_600_000_000_000)
        for record in SampleDataset(kind: .muongBang) {
            switch record {
            case .orgUnit(let unit): _ = try await store.createOrgUnit(unit, context: context)
            case .member(let member): _ = try await store.createMember(member, context: context)
            case .supervisor(let unitID, let assignment):
                _ = try await store.assignSupervisor(unitID: unitID, assignment: assignment, context: context)
            case .ruleSet(let rules): _ = try await store.createRuleSet(rules, context: context)
            case .meeting(let meeting):
                _ = try await store.recordMeeting(meeting, partialAttendance: false, context: context)
            case .evaluation(let evaluation): _ = try await store.createEvaluation(evaluation, context: context)
            }
        }
    }
}
