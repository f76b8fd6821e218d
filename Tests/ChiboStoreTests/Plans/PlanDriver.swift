import ChiboModel
import ChiboReports
import ChiboStore

/// The calls whose statements the plan tests check, made on the seeded database the way the
/// services make them: the reports of a commune (overview, attendance by cell, absences and the
/// other flags), the lists by unit and by subtree, the change feed's catch-up, the audit log's
/// verification, the imports, and the writes that keep the counts.
enum PlanDriver {
    /// Makes every call on `store` over the seeded commune.
    static func drive(_ store: any Store, _ seeded: PlanSeed.Commune) async throws {
        let commune = seeded.communeID
        let year = seeded.year
        let from = CalendarDate(year: year, month: 1, day: 1)
        let through = CalendarDate(year: year, month: 12, day: 31)
        let midYear = CalendarDate(year: year, month: 6, day: 30)

        // Reports.
        let oversight = Oversight(store: store)
        _ = try await oversight.overview(rootID: commune, year: year, on: midYear)
        _ = try await oversight.attendance(rootID: commune, from: from, through: through, period: .month, byCell: true)
        _ = try await oversight.attendance(
            rootID: seeded.provinceID,
            from: from,
            through: through,
            period: .year,
            byCell: true
        )
        _ = try await oversight.absences(rootID: commune, year: year)
        _ = try await oversight.regularity(rootID: commune, from: from, through: through)
        _ = try await oversight.participation(rootID: commune, from: from, through: through)
        _ = try await oversight.grading(rootID: commune, year: year)
        _ = try await oversight.due(rootID: commune, on: midYear, badgeYear: year)
        _ = try await store.cellMonthCounts(everUnder: seeded.provinceID, from: from, through: through)

        // Lists, by unit and by subtree.
        _ = try await store.listMembers(MemberQuery(cellID: seeded.cellID))
        _ = try await store.listMembers(MemberQuery(cellID: seeded.cellID, includeAttached: true))
        _ = try await store.listMembers(MemberQuery(cellID: seeded.cellID, includeAttached: true, asOf: midYear))
        _ = try await store.listMembers(MemberQuery(subtreeOf: commune, pageSize: 50))
        _ = try await store.listMembers(MemberQuery(subtreeOf: commune, statuses: [.official], nameQuery: "văn"))
        let firstPage = try await store.listMembers(MemberQuery(pageSize: 20))
        _ = try await store.listMembers(MemberQuery(pageSize: 20, pageToken: firstPage.nextPageToken))
        _ = try await store.member(id: seeded.memberID)
        _ = try await store.listMeetings(MeetingQuery(cellID: seeded.cellID))
        _ = try await store.listMeetings(MeetingQuery(subtreeOf: commune, from: from, to: midYear))
        _ = try await store.meeting(id: seeded.meetingID, revision: nil)
        _ = try await store.listResolutions(ResolutionQuery(subtreeOf: commune))
        _ = try await store.listEvaluations(EvaluationQuery(year: year - 1, subtreeOf: commune))
        _ = try await store.listEvaluations(EvaluationQuery(subtreeOf: commune))
        _ = try await store.listEvaluations(EvaluationQuery(subjectID: seeded.memberID))
        _ = try await store.listOrgUnits(OrgUnitQuery(parentID: commune))

        // The change feed's catch-up from the middle of the log, and the audit log.
        _ = try await store.changes(after: 500, limit: 100)
        _ = try await store.auditEntries(AuditQuery(afterSeq: 100, limit: 50))
        _ = try await store.auditEntries(AuditQuery(entity: "member", entityID: seeded.memberID))
        let verification = try await AuditVerifier.verify(store: store, key: nil)
        guard verification.intact else {
            throw StoreError.failedPrecondition("the seeded audit log does not verify: \(verification.problem)")
        }

        try await writes(store, seeded)
        try await imports(store, seeded)
    }

    /// Writes that read the large tables on their way: a member created, moved and voided; a
    /// meeting recorded, amended and voided (each recounts its cell's month).
    static func writes(_ store: any Store, _ seeded: PlanSeed.Commune) async throws {
        // A request id, as clients send: the request log is read and written too.
        var context = MutationContext(requestID: "plans-write-1", actor: "plans", nowMs: 1_700_000_000_000)
        guard let meeting = try await store.meeting(id: seeded.meetingID, revision: nil),
            var member = try await store.member(id: seeded.memberID), var held = meeting.heldOn
        else { throw StoreError.notFound(entity: "meeting", id: seeded.meetingID) }
        member.fullName += " Mới"
        member = try await store.updateMember(member, mask: ["full_name"], context: context)
        context.requestID = "plans-write-2"
        var copy = meeting
        copy.id = ""
        copy.meta = RecordMeta()
        copy.resolutions = []
        held.day = min(28, held.day + 1)
        copy.heldOn = held
        let recorded = try await store.recordMeeting(copy, partialAttendance: false, context: context)
        var amended = recorded
        amended.endMinute += 10
        context.requestID = "plans-write-3"
        amended = try await store.amendMeeting(amended, mask: ["end_minute"], context: context)
        context.requestID = "plans-write-4"
        _ = try await store.voidMeeting(
            id: amended.id,
            revision: amended.meta?.revision ?? 0,
            reason: "ghi trùng",
            context: context
        )
    }

    /// Imports of members (one updated by card, one new), of a meeting (then undone), of a status
    /// event, a resolution and an evaluation.
    static func imports(_ store: any Store, _ seeded: PlanSeed.Commune) async throws {
        let context = MutationContext(actor: "plans", nowMs: 1_700_000_100_000)
        guard let cell = try await store.orgUnit(id: seeded.cellID),
            let member = try await store.member(id: seeded.memberID),
            let meeting = try await store.meeting(id: seeded.meetingID, revision: nil), var held = meeting.heldOn
        else { throw StoreError.notFound(entity: "org_unit", id: seeded.cellID) }
        let unitRef = cell.code.isEmpty ? cell.name : cell.code
        let members = ImportBatchInput(
            importID: "5f0c8a7e-2b1d-4c3e-9f8a-7b6c5d4e3f2a",
            batchNumber: 1,
            entity: .members,
            onConflict: .update,
            rows: [
                ImportRow(
                    rowNumbers: [2],
                    unitRef: unitRef,
                    record: .member(
                        Member(partyCardNumber: member.partyCardNumber, fullName: member.fullName)
                    )
                ),
                ImportRow(
                    rowNumbers: [3],
                    unitRef: unitRef,
                    record: .member(Member(partyCardNumber: "PLAN-0001", fullName: "Lò Văn Mới"))
                ),
            ]
        )
        _ = try await store.importBatch(members, context: context)
        var attendance: [AttendanceRecord] = []
        var attendees: [MemberKey] = []
        for record in meeting.attendance.prefix(5) {
            guard let attendee = try await store.member(id: record.memberId) else { continue }
            attendees.append(MemberKey(partyCardNumber: attendee.partyCardNumber))
            attendance.append(AttendanceRecord(state: record.state, reason: record.reason))
        }
        held.day = min(28, held.day + 2)
        let meetings = ImportBatchInput(
            importID: "6a1d9b8f-3c2e-4d4f-8a9b-8c7d6e5f4a3b",
            batchNumber: 1,
            entity: .meetings,
            onConflict: .skip,
            rows: [
                ImportRow(
                    rowNumbers: [2],
                    unitRef: unitRef,
                    attendees: attendees,
                    meetingKey: "PLAN-MEETING-1",
                    record: .meeting(
                        Meeting(
                            heldOn: held,
                            startMinute: meeting.startMinute,
                            endMinute: meeting.endMinute,
                            kind: meeting.kind,
                            attendance: attendance
                        )
                    )
                )
            ]
        )
        _ = try await store.importBatch(meetings, context: context)
        let card = MemberKey(partyCardNumber: member.partyCardNumber)
        let others: [(String, ImportEntityKind, ImportRow)] = [
            (
                "7b2e0c9a-4d3f-4e5a-9b0c-9d8e7f6a5b4c", .statusEvents,
                ImportRow(
                    rowNumbers: [2],
                    unitRef: unitRef,
                    memberKey: card,
                    record: .statusEvent(StatusEvent(kind: .workingAway, effectiveOn: held))
                )
            ),
            (
                "8c3f1d0b-5e4a-4f6b-8c1d-0e9f8a7b6c5d", .resolutions,
                ImportRow(
                    rowNumbers: [2],
                    meetingKey: "PLAN-MEETING-1",
                    owner: card,
                    record: .resolution(Resolution(text: "Làm đường bê tông", dueOn: held))
                )
            ),
            (
                "9d4a2e1c-6f5b-4a7c-9d2e-1f0a9b8c7d6e", .evaluations,
                ImportRow(
                    rowNumbers: [2],
                    unitRef: unitRef,
                    memberKey: card,
                    record: .evaluation(Evaluation(year: seeded.year, result: .grade(.excellent)))
                )
            ),
        ]
        for (importID, entity, row) in others {
            let batch = ImportBatchInput(
                importID: importID,
                batchNumber: 1,
                entity: entity,
                onConflict: .update,
                rows: [row]
            )
            _ = try await store.importBatch(batch, context: context)
        }
        _ = try await store.importCheckpoint(importID: meetings.importID)
        _ = try await store.importRejections(importID: meetings.importID)
        _ = try await store.importRejections(
            importID: meetings.importID,
            after: RejectionPosition(row: 2, seq: 1),
            limit: 100
        )
        _ = try await store.undoImport(importID: meetings.importID, context: context)
    }
}
