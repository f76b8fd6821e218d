import ChiboModel
import ChiboStore

/// Attendance summed in the database (`Store.attendanceTotals`) against the same meetings'
/// summaries added up in Swift (`AttendanceTotals.summing`), per period kind and threshold.
enum AttendanceTotalsChecks {
    typealias Check = StoreConformance.Check

    static let all: [Check] = [
        Check(name: "attendance totals: the database sums as the meetings add up") { store, recorder in
            try await Fixture.commune(store)
            let context = StoreConformance.context()
            _ = try await store.createOrgUnit(
                OrgUnit(id: "na", name: "Chi bộ bản Nà", kind: .cell, parentId: "mb"),
                context: context
            )
            let admitted = StatusEvent(kind: .admitted, effectiveOn: StoreConformance.day(2010, 1, 1))
            for id in ["m4", "m5", "m6", "m7", "m8"] {
                _ = try await store.createMember(
                    Member(id: id, fullName: "Lò Văn \(id)", cellId: "na", events: [admitted]),
                    context: context
                )
            }
            try await recordYear(store, context: context)
            let from = StoreConformance.day(2024, 2, 10)
            let through = StoreConformance.day(2024, 11, 20)
            let summaries = try await store.meetingSummaries(cellIDs: ["bo", "na"], from: from, through: through)
            recorder.expect(summaries.count == 22, "the range holds 22 meetings of both cells: \(summaries.count)")
            // Ranges over several periods and inside one (a quarter, a month: summed by cell alone).
            let ranges = [
                (from, through), (StoreConformance.day(2024, 4, 1), StoreConformance.day(2024, 6, 30)),
                (StoreConformance.day(2024, 5, 2), StoreConformance.day(2024, 5, 30)),
            ]
            for (first, last) in ranges {
                let inRange = summaries.filter { $0.heldOn >= first && $0.heldOn <= last }
                for kind in [PeriodKind.month, .quarter, .year, .unspecified] {
                    for threshold: Int32 in [8000, 5000] {
                        let summed = try await store.attendanceTotals(
                            cellIDs: ["bo", "na"],
                            from: first,
                            through: last,
                            period: kind,
                            goodAttendanceBp: threshold
                        )
                        let reference = AttendanceTotals.summing(inRange, period: kind, goodAttendanceBp: threshold)
                        recorder.expect(
                            summed == reference && !summed.isEmpty,
                            "\(first)–\(last) \(kind) at \(threshold): \(summed.filter { !reference.contains($0) }) "
                                + "against \(reference.filter { !summed.contains($0) })"
                        )
                    }
                }
            }
            // The threshold is strict and matters: at 80 % the 4-of-5 meetings of Nà are not good.
            let strict = try await store.attendanceTotals(
                cellIDs: ["na"],
                from: from,
                through: through,
                period: .year,
                goodAttendanceBp: 8000
            )
            let lenient = try await store.attendanceTotals(
                cellIDs: ["na"],
                from: from,
                through: through,
                period: .year,
                goodAttendanceBp: 5000
            )
            recorder.expect(
                strict.map(\.cellID) == ["na"] && strict.first.map { $0.goodMeetings < $0.meetings } == true
                    && (lenient.first?.goodMeetings ?? 0) > (strict.first?.goodMeetings ?? 0),
                "only the cells asked for; a lower threshold finds more good meetings: \(strict) \(lenient)"
            )
            let quarters = try await store.attendanceTotals(
                cellIDs: ["bo"],
                from: from,
                through: through,
                period: .quarter,
                goodAttendanceBp: 8000
            )
            recorder.expect(
                quarters.map(\.period.index) == [1, 2, 3, 4] && quarters.first?.firstMeeting == "2024-02-17 bo-t02",
                "quarters of Bó from February on, the first meeting named: \(quarters)"
            )
        }
    ]

    /// A year of meetings: Bó (m1–m3) on the 3rd with a thematic meeting in the middle month of
    /// each quarter, one member's state cycling, one meeting partly recorded; Nà (m4–m8) on the
    /// 20th with four of five present every third month; March's Nà meeting voided.
    static func recordYear(_ store: any Store, context: MutationContext) async throws {
        let states: [AttendanceState] = [.present, .absentExcused, .absentUnexcused]
        for month: Int32 in 1...12 {
            let two = month < 10 ? "0\(month)" : "\(month)"
            var bo = Meeting(
                id: "bo-\(two)",
                cellId: "bo",
                heldOn: StoreConformance.day(2024, month, 3),
                startMinute: 1140,
                endMinute: 1260,
                kind: .regular,
                attendance: [
                    AttendanceRecord(memberId: "m1", state: .present, spoke: month % 2 == 0),
                    AttendanceRecord(memberId: "m2", state: states[Int(month) % 3]),
                ]
            )
            if month != 7 { bo.attendance.append(AttendanceRecord(memberId: "m3", state: .present)) }
            _ = try await store.recordMeeting(bo, partialAttendance: month == 7, context: context)
            if month % 3 == 2 {
                var thematic = bo
                thematic.id = "bo-t\(two)"
                thematic.kind = .thematic
                thematic.heldOn = StoreConformance.day(2024, month, 17)
                thematic.attendance = ["m1", "m2", "m3"].map { AttendanceRecord(memberId: $0, state: .present) }
                _ = try await store.recordMeeting(thematic, partialAttendance: false, context: context)
            }
            let absent = month % 3 == 0 ? ["m8"] : []
            let na = Meeting(
                id: "na-\(two)",
                cellId: "na",
                heldOn: StoreConformance.day(2024, month, 20),
                startMinute: 1140,
                endMinute: 1260,
                kind: .regular,
                attendance: ["m4", "m5", "m6", "m7", "m8"].map { member in
                    AttendanceRecord(
                        memberId: member,
                        state: absent.contains(member) ? .absentExcused : .present,
                        spoke: member == "m4"
                    )
                }
            )
            let recorded = try await store.recordMeeting(na, partialAttendance: false, context: context)
            if month == 3 {
                _ = try await store.voidMeeting(
                    id: recorded.id,
                    revision: recorded.meta?.revision ?? 1,
                    reason: "ghi nhầm",
                    context: context
                )
            }
        }
    }
}
