import ChiboModel
import ChiboStore

/// Rule sets, evaluations and the facts reports read: per-meeting counts, attendance facts,
/// units and members ever under a root.
enum OversightChecks {
    typealias Check = StoreConformance.Check

    static let all: [Check] = [
        Check(name: "rules: national sets seeded, scoped sets listed and voided") { store, recorder in
            try await Fixture.commune(store)
            let national = try await store.listRuleSets(RuleSetQuery(nationalOnly: true))
            recorder.expect(
                national.records.map(\.id) == NationalRules.all.map(\.id),
                "seeded national sets: \(national.records.map(\.id))"
            )
            let local = try await store.createRuleSet(
                RuleSet(scopeUnitId: "mb", effectiveFrom: StoreConformance.day(2019, 1, 1), goodAttendanceBp: 9000),
                context: StoreConformance.context()
            )
            recorder.expect(!local.id.isEmpty && local.meta?.revision == 1, "id and revision assigned")
            await recorder.expectStoreError(
                "a second set of the same scope and date",
                {
                    if case .alreadyExists = $0 { true } else { false }
                }
            ) {
                _ = try await store.createRuleSet(
                    RuleSet(scopeUnitId: "mb", effectiveFrom: StoreConformance.day(2019, 1, 1), goodAttendanceBp: 8000),
                    context: StoreConformance.context()
                )
            }
            await recorder.expectStoreError(
                "a scope that does not exist",
                {
                    if case .invalidRecord = $0 { true } else { false }
                }
            ) {
                _ = try await store.createRuleSet(
                    RuleSet(scopeUnitId: "nowhere", effectiveFrom: StoreConformance.day(2019, 1, 1)),
                    context: StoreConformance.context()
                )
            }
            let scoped = try await store.listRuleSets(RuleSetQuery(scopeUnitID: "mb"))
            recorder.expect(scoped.records.map(\.id) == [local.id], "scoped list")
            let all = try await store.listRuleSets(RuleSetQuery(pageSize: 2))
            recorder.expect(all.records.count == 2 && !all.nextPageToken.isEmpty, "first page of two")
            _ = try await store.voidRuleSet(
                id: local.id,
                revision: 1,
                reason: "nhập sai",
                context: StoreConformance.context()
            )
            let after = try await store.listRuleSets(RuleSetQuery(scopeUnitID: "mb"))
            recorder.expect(after.records.isEmpty, "voided set leaves the list")
            let kept = try await store.ruleSet(id: local.id)
            recorder.expect(kept?.meta?.voided == true, "voided set stays readable")
        },
        Check(name: "evaluations: one per subject and year, cell filled, update and void") { store, recorder in
            try await Fixture.commune(store)
            let context = StoreConformance.context()
            let created = try await store.createEvaluation(
                Evaluation(subject: .member, subjectId: "m1", year: 2024, result: .grade(.good)),
                context: context
            )
            recorder.expect(created.cellId == "bo", "a member's cell is filled from the roster: \(created.cellId)")
            await recorder.expectStoreError(
                "a second evaluation of the same member and year",
                {
                    if case .alreadyExists = $0 { true } else { false }
                }
            ) {
                _ = try await store.createEvaluation(
                    Evaluation(subject: .member, subjectId: "m1", year: 2024, result: .grade(.excellent)),
                    context: context
                )
            }
            await recorder.expectStoreError(
                "an unknown member",
                {
                    if case .invalidRecord = $0 { true } else { false }
                }
            ) {
                _ = try await store.createEvaluation(
                    Evaluation(subject: .member, subjectId: "nobody", year: 2024, result: .grade(.good)),
                    context: context
                )
            }
            _ = try await store.createEvaluation(
                Evaluation(
                    subject: .orgUnit,
                    subjectId: "bo",
                    year: 2024,
                    cleanAndStrong: true,
                    result: .grade(.excellent)
                ),
                context: context
            )
            var change = created
            change.result = .grade(.excellent)
            let updated = try await store.updateEvaluation(change, mask: ["grade"], context: context)
            recorder.expect(updated.result == .grade(.excellent) && updated.meta?.revision == 2, "updated")
            let inCommune = try await store.listEvaluations(EvaluationQuery(year: 2024, subtreeOf: "mb"))
            recorder.expect(inCommune.records.count == 2, "both evaluations are in the commune's subtree")
            let members = try await store.listEvaluations(EvaluationQuery(subject: .member))
            recorder.expect(members.records.map(\.id) == [created.id], "filter by subject")
            _ = try await store.voidEvaluation(id: created.id, revision: 2, reason: "trùng", context: context)
            let again = try await store.createEvaluation(
                Evaluation(subject: .member, subjectId: "m1", year: 2024, result: .grade(.completed)),
                context: context
            )
            recorder.expect(again.id != created.id, "a voided evaluation frees its subject and year")
        },
        Check(name: "report facts: per-meeting counts kept through amendments and voids") { store, recorder in
            try await Fixture.commune(store)
            let context = StoreConformance.context()
            let recorded = try await store.recordMeeting(
                Meeting(
                    id: "mt1",
                    cellId: "bo",
                    heldOn: StoreConformance.day(2024, 3, 3),
                    startMinute: 1140,
                    endMinute: 1260,
                    kind: .regular,
                    guests: [Guest(fullName: "Cầm Văn Giám", isSupervisor: true)],
                    attendance: [
                        AttendanceRecord(memberId: "m1", state: .present, spoke: true),
                        AttendanceRecord(memberId: "m2", state: .absentExcused, reason: "ốm"),
                    ]
                ),
                partialAttendance: true,
                context: context
            )
            var summaries = try await store.meetingSummaries(
                everUnder: "mb",
                from: StoreConformance.day(2024, 1, 1),
                through: StoreConformance.day(2024, 12, 31)
            )
            let first = MeetingSummary(
                id: "mt1",
                cellID: "bo",
                heldOn: StoreConformance.day(2024, 3, 3),
                kind: .regular,
                startMinute: 1140,
                endMinute: 1260,
                expected: 2,
                present: 1,
                absentExcused: 1,
                notRecorded: 1,
                spoke: 1,
                supervisorPresent: true
            )
            recorder.expect(summaries == [first], "counts of the recorded meeting: \(summaries)")
            var amended = recorded
            amended.attendance = recorded.attendance.map { record in
                var record = record
                if record.memberId == "m3" { record.state = .absentUnexcused }
                return record
            }
            _ = try await store.amendMeeting(amended, mask: ["attendance"], context: context)
            summaries = try await store.meetingSummaries(
                everUnder: "bo",
                from: StoreConformance.day(2024, 3, 3),
                through: StoreConformance.day(2024, 3, 3)
            )
            recorder.expect(
                summaries.first?.expected == 3 && summaries.first?.absentUnexcused == 1
                    && summaries.first?.notRecorded == 0,
                "counts follow the amendment: \(summaries)"
            )
            let facts = try await store.absenceFacts(
                everUnder: "mb",
                from: StoreConformance.day(2024, 1, 1),
                through: StoreConformance.day(2024, 12, 31),
                minExcused: 2,
                minUnexcusedMonths: 1
            )
            // m1 was present and m2 absent with reason once: neither reaches the thresholds. m3
            // was absent without reason in one month (after the amendment).
            recorder.expect(facts.map(\.memberID) == ["m3"], "only members who could be flagged: \(facts)")
            recorder.expect(facts.last?.state == .absentUnexcused, "facts follow the amendment")
            let outside = try await store.meetingSummaries(
                everUnder: "mb",
                from: StoreConformance.day(2024, 3, 4),
                through: StoreConformance.day(2024, 12, 31)
            )
            recorder.expect(outside.isEmpty, "the range is inclusive and bounded")
            _ = try await store.voidMeeting(id: "mt1", revision: 2, reason: "ghi nhầm", context: context)
            let voided = try await store.meetingSummaries(
                everUnder: "mb",
                from: StoreConformance.day(2024, 1, 1),
                through: StoreConformance.day(2024, 12, 31)
            )
            recorder.expect(voided.isEmpty, "a voided meeting leaves the reports")
        },
        Check(name: "report facts: units and members ever under a root survive a move") { store, recorder in
            try await Fixture.commune(store)
            let context = StoreConformance.context()
            _ = try await store.createOrgUnit(
                OrgUnit(id: "cm", name: "Xã Chiềng Mung", kind: .commune),
                context: context
            )
            _ = try await store.moveOrgUnit(
                id: "bo",
                revision: 1,
                newParentID: "cm",
                effectiveOn: StoreConformance.day(2025, 7, 1),
                context: context
            )
            let units = try await store.unitsEverUnder(rootID: "mb")
            recorder.expect(Set(units.map(\.id)) == ["mb", "bo"], "bo was under mb: \(units.map(\.id))")
            let now = try await store.unitsEverUnder(rootID: "cm")
            recorder.expect(Set(now.map(\.id)) == ["cm", "bo"], "bo is under cm: \(now.map(\.id))")
            let cell = try await store.unitsEverUnderAndAbove(rootID: "bo")
            recorder.expect(
                cell.under.map(\.id) == ["bo"] && Set(cell.above.map(\.id)) == ["mb", "cm"]
                    && cell.above.count == 2,
                "bo's parents then and now are above it: \(cell.under.map(\.id)) \(cell.above.map(\.id))"
            )
            let commune = try await store.unitsEverUnderAndAbove(rootID: "mb")
            recorder.expect(
                Set(commune.under.map(\.id)) == ["mb", "bo"] && commune.above.isEmpty,
                "nothing above mb, and the walk up does not start from its cells: \(commune.above.map(\.id))"
            )
            let nowhere = try await store.unitsEverUnderAndAbove(rootID: "nowhere")
            recorder.expect(nowhere.under.isEmpty && nowhere.above.isEmpty, "an unknown root has no units")
            let members = try await store.membersEverUnder(rootID: "mb")
            recorder.expect(members.count == 3, "the cell's members: \(members.map(\.id))")
        },
    ]
}
