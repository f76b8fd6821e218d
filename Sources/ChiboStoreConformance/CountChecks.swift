import ChiboModel
import ChiboStore

/// Counts per cell and month (`CellMonthCounts`): kept through every way a meeting is written,
/// and always equal to a recount from the meetings themselves.
enum CountChecks {
    typealias Check = StoreConformance.Check

    /// A generator of the same pseudo-random sequence on every backend (SplitMix64).
    struct Sequence {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
    }

    static let all: [Check] = [
        Check(name: "counts per cell and month: kept through records, amendments and voids") { store, recorder in
            try await Fixture.commune(store)
            let context = StoreConformance.context()
            _ = try await store.createOrgUnit(
                OrgUnit(id: "ang", name: "Chi bộ bản Áng", kind: .cell, parentId: "mb"),
                context: context
            )
            // m2 works away from June 2024: recorded as away in the meetings after.
            _ = try await store.addStatusEvent(
                memberID: "m2",
                revision: 1,
                event: StatusEvent(kind: .workingAway, effectiveOn: StoreConformance.day(2024, 6, 1), place: "Hà Nội"),
                context: context
            )
            // A known case first: two meetings of bản Bó in March 2024.
            let states: [AttendanceState] = [.present, .absentExcused, .absentUnexcused, .notRecorded]
            func meeting(
                _ id: String,
                _ month: Int32,
                _ day: Int32,
                _ kind: MeetingKind,
                _ pick: [AttendanceState]
            )
                -> Meeting
            {
                Meeting(
                    id: id,
                    cellId: "bo",
                    heldOn: StoreConformance.day(2024, month, day),
                    kind: kind,
                    topic: kind == .thematic ? "Học tập nghị quyết" : "",
                    attendance: zip(["m1", "m2", "m3"], pick).map { member, state in
                        AttendanceRecord(
                            memberId: member,
                            state: state,
                            reason: state == .absentExcused ? "ốm" : ""
                        )
                    }
                )
            }
            _ = try await store.recordMeeting(
                meeting("k1", 3, 3, .regular, [.present, .absentExcused, .absentUnexcused]),
                partialAttendance: true,
                context: context
            )
            _ = try await store.recordMeeting(
                meeting("k2", 3, 20, .thematic, [.present, .present, .present]),
                partialAttendance: true,
                context: context
            )
            let march = try await store.cellMonthCounts(
                everUnder: "mb",
                from: StoreConformance.day(2024, 1, 1),
                through: StoreConformance.day(2024, 12, 31)
            )
            var expected = CellMonthCounts(cellID: "bo", month: "2024-03")
            (expected.regular, expected.thematic) = (1, 1)
            (expected.expected, expected.present, expected.excused, expected.unexcused) = (6, 4, 1, 1)
            recorder.expect(march == [expected], "two March meetings: \(march)")

            // Then a seeded sequence of records, amendments of attendance and voids.
            var random = Sequence(state: 20_241_207)
            var live: [String: Meeting] = [:]
            for step in 0..<40 {
                let action = live.isEmpty ? 0 : random.next(3)
                if action == 0 {
                    let month = Int32(1 + random.next(12))
                    let kinds: [MeetingKind] = [.regular, .thematic, .combined, .extraordinary]
                    let picked = (0..<3).map { _ in states[random.next(states.count)] }
                    let recorded = try await store.recordMeeting(
                        meeting("r\(step)", month, Int32(1 + random.next(28)), kinds[random.next(4)], picked),
                        partialAttendance: true,
                        context: context
                    )
                    live[recorded.id] = recorded
                    continue
                }
                let id = live.keys.sorted()[random.next(live.count)]
                guard var stored = try await store.meeting(id: id, revision: nil) else { continue }
                switch action {
                case 1:
                    stored.attendance = stored.attendance.map { record in
                        var record = record
                        record.state = states[random.next(states.count)]
                        record.reason = record.state == .absentExcused ? "việc gia đình" : ""
                        return record
                    }
                    live[id] = try await store.amendMeeting(stored, mask: ["attendance"], context: context)
                default:
                    _ = try await store.voidMeeting(
                        id: id,
                        revision: stored.meta?.revision ?? 0,
                        reason: "ghi nhầm",
                        context: context
                    )
                    live[id] = nil
                }
            }
            let kept = try await store.cellMonthCounts(
                everUnder: "mb",
                from: StoreConformance.day(2024, 1, 1),
                through: StoreConformance.day(2024, 12, 31)
            )
            let recounted = try await store.recountedCellMonths()
            recorder.expect(kept == recounted, "kept \(kept) ≠ recounted \(recounted)")
            recorder.expect(kept.contains { $0.away > 0 }, "m2's months away are counted: \(kept)")
            let meetings = kept.reduce(0) { $0 + $1.regular + $1.thematic + $1.combined + $1.extraordinary }
            recorder.expect(meetings == live.count + 2, "\(meetings) meetings counted, \(live.count + 2) not voided")
            let inApril = try await store.cellMonthCounts(
                everUnder: "bo",
                from: StoreConformance.day(2024, 4, 1),
                through: StoreConformance.day(2024, 4, 30)
            )
            recorder.expect(inApril.allSatisfy { $0.month == "2024-04" }, "a range of months: \(inApril)")
        }
    ]
}
