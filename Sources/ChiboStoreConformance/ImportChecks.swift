import ChiboModel
import ChiboStore

/// Bulk import: natural keys, checkpoints, resumed batches, dry runs, scope.
enum ImportChecks {
    typealias Check = StoreConformance.Check

    static let importID = "6f1c2a9e-4b7d-4e0a-9c1f-2d3e4f5a6b7c"

    static func row(_ row: Int32, card: String, citizen: String = "", name: String) -> ImportRow {
        ImportRow(
            rowNumbers: [row],
            unitRef: "Chi bộ bản Bó",
            record: .member(Member(partyCardNumber: card, citizenId: citizen, fullName: name))
        )
    }

    static let all: [Check] =
        [
            Check(name: "import: batches checkpointed, a committed batch changes nothing") { store, recorder in
                try await Fixture.commune(store)
                let rows = [
                    row(2, card: "01", citizen: "014090000001", name: "Lò Văn Một"),
                    row(3, card: "", citizen: "014090000002", name: "Lò Văn Hai"),
                ]
                let batch = ImportBatchInput(
                    importID: importID,
                    batchNumber: 1,
                    entity: .members,
                    onConflict: .fail,
                    rows: rows
                )
                let first = try await store.importBatch(batch, context: StoreConformance.context())
                recorder.expect(!first.alreadyCommitted, "first batch applied")
                recorder.expect(first.counts == ImportCounts(read: 2, inserted: 2), "counts \(first.counts)")
                let again = try await store.importBatch(batch, context: StoreConformance.context())
                recorder.expect(again.alreadyCommitted, "the batch again is skipped")
                let checkpoint = try await store.importCheckpoint(importID: importID)
                recorder.expect(checkpoint?.lastBatch == 1, "last batch \(String(describing: checkpoint?.lastBatch))")
                recorder.expect(checkpoint?.counts == ImportCounts(read: 2, inserted: 2), "checkpoint counts")
                let members = try await store.listMembers(MemberQuery(cellID: "bo")).records
                recorder.expect(members.count == 5, "three fixture members and two imported: \(members.count)")
            },
            Check(name: "import: natural keys update, skip, refuse ambiguity; dry run and scope") { store, recorder in
                try await Fixture.commune(store)
                _ = try await store.importBatch(
                    ImportBatchInput(
                        importID: importID,
                        batchNumber: 1,
                        entity: .members,
                        onConflict: .update,
                        rows: [
                            row(2, card: "01", name: "Lò Văn Một"),
                            row(3, card: "", citizen: "014090000002", name: "Hai"),
                        ]
                    ),
                    context: StoreConformance.context()
                )
                let second = try await store.importBatch(
                    ImportBatchInput(
                        importID: "0b9a8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d",
                        batchNumber: 1,
                        entity: .members,
                        onConflict: .update,
                        rows: [
                            row(2, card: "01", name: "Lò Văn Một Mới"),
                            row(3, card: "", citizen: "014090000002", name: "Hai"),
                            row(4, card: "01", citizen: "014090000002", name: "Ai"),
                        ]
                    ),
                    context: StoreConformance.context()
                )
                recorder.expect(
                    second.counts == ImportCounts(read: 3, updated: 1, skipped: 1, rejected: 1),
                    "\(second.counts)"
                )
                recorder.expect(second.rejections.map(\.code) == ["ambiguous_match"], "\(second.rejections)")
                let dry = try await store.importBatch(
                    ImportBatchInput(
                        importID: "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
                        batchNumber: 1,
                        entity: .members,
                        onConflict: .update,
                        rows: [row(2, card: "09", name: "Chín")]
                    ),
                    context: StoreConformance.context(validateOnly: true)
                )
                recorder.expect(dry.counts.inserted == 1, "dry run counts the insert")
                recorder.expect(try await store.member(partyCardNumber: "09") == nil, "dry run wrote a member")
                recorder.expect(
                    try await store.importCheckpoint(importID: "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f") == nil,
                    "dry run wrote a checkpoint"
                )
                let scoped = try await store.importBatch(
                    ImportBatchInput(
                        importID: "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a",
                        batchNumber: 1,
                        entity: .members,
                        onConflict: .update,
                        rows: [row(2, card: "08", name: "Tám")],
                        writableUnits: ["elsewhere"]
                    ),
                    context: StoreConformance.context()
                )
                recorder.expect(scoped.rejections.map(\.code) == ["out_of_scope"], "\(scoped.rejections)")
            },
        ] + entityChecks + undoChecks

    static func day(_ year: Int32, _ month: Int32, _ day: Int32) -> CalendarDate {
        CalendarDate(year: year, month: month, day: day)
    }

    /// Applies one batch of an import with the conformance context.
    static func apply(
        _ store: any Store,
        _ id: String,
        _ entity: ImportEntityKind,
        _ policy: ImportConflictPolicy,
        _ rows: [ImportRow],
        batch: Int64 = 1,
        writable: Set<String>? = nil
    ) async throws -> ImportBatchOutcome {
        try await store.importBatch(
            ImportBatchInput(
                importID: id,
                batchNumber: batch,
                entity: entity,
                onConflict: policy,
                rows: rows,
                writableUnits: writable
            ),
            context: StoreConformance.context()
        )
    }

    static func unitRow(_ row: Int32, _ code: String, _ name: String, _ kind: OrgUnitKind, parent: String) -> ImportRow
    {
        ImportRow(rowNumbers: [row], unitRef: parent, record: .orgUnit(OrgUnit(code: code, name: name, kind: kind)))
    }

    static func named(_ name: String) -> MemberKey { MemberKey(fullName: name) }

    static let bo = "Chi bộ bản Bó"

    /// A meeting of bản Bó on 3 May 2020 with the three fixture members, by name.
    static func meetingRow(_ row: Int32, key: String, states: [AttendanceState]) -> ImportRow {
        let names = ["Tòng Văn Hạnh", "Lò Thị An", "Đinh Văn Đào"]
        var attendance: [AttendanceRecord] = []
        for state in states {
            attendance.append(AttendanceRecord(state: state, reason: state == .absentExcused ? "ốm" : ""))
        }
        return ImportRow(
            rowNumbers: [row],
            unitRef: bo,
            attendees: names.prefix(states.count).map(named),
            chair: named("Tòng Văn Hạnh"),
            recorder: named("Người Lạ"),
            meetingKey: key,
            record: .meeting(
                Meeting(
                    heldOn: day(2020, 5, 3),
                    startMinute: 1170,
                    endMinute: 1290,
                    kind: .regular,
                    attendance: attendance
                )
            )
        )
    }

    static let entityChecks: [Check] = [
        Check(name: "import: org units, parents in the same batch, by code or name; duplicates") { store, recorder in
            try await Fixture.commune(store)
            let rows = [
                unitRow(2, "CM", "Xã Chiềng Mung", .commune, parent: ""),
                unitRow(3, "CM-NA", "Chi bộ bản Na", .cell, parent: "CM"),
                unitRow(4, "CM-BAN", "Chi bộ bản Ban", .cell, parent: "Xã Chiềng Mung"),
                unitRow(5, "CM-X", "Chi bộ X", .cell, parent: "XX"),
                unitRow(6, "CM-NA", "Chi bộ bản Na", .cell, parent: "CM"),
            ]
            let first = try await apply(store, importID, .orgUnits, .update, rows)
            recorder.expect(first.counts == ImportCounts(read: 5, inserted: 3, rejected: 2), "\(first.counts)")
            recorder.expect(
                first.rejections.map(\.code) == ["unknown_unit", "duplicate_in_import"],
                "\(first.rejections)"
            )
            let commune = try await store.orgUnit(code: "CM")
            let cell = try await store.orgUnit(code: "CM-BAN")
            recorder.expect(
                cell?.parentId == commune?.id && commune != nil,
                "parent by name: \(String(describing: cell))"
            )
            let renamed = [
                unitRow(2, "CM", "Xã Chiềng Mung", .commune, parent: ""),
                unitRow(3, "CM-NA", "Chi bộ bản Nà", .cell, parent: "CM"),
            ]
            let update = try await apply(store, "7a1c2a9e-4b7d-4e0a-9c1f-2d3e4f5a6b7c", .orgUnits, .update, renamed)
            recorder.expect(update.counts == ImportCounts(read: 2, updated: 1, skipped: 1), "\(update.counts)")
            recorder.expect(try await store.orgUnit(code: "CM-NA")?.meta?.revision == 2, "renamed as revision 2")
            let fail = try await apply(store, "8a1c2a9e-4b7d-4e0a-9c1f-2d3e4f5a6b7c", .orgUnits, .fail, renamed)
            recorder.expect(fail.rejections.map(\.code) == ["already_exists", "already_exists"], "\(fail.rejections)")
            let scoped = try await apply(
                store,
                "9a1c2a9e-4b7d-4e0a-9c1f-2d3e4f5a6b7c",
                .orgUnits,
                .update,
                [
                    unitRow(2, "MB-NEW", "Chi bộ mới", .cell, parent: "CM"),
                    unitRow(3, "MB-OK", "Chi bộ Ok", .cell, parent: "Xã Mường Bằng"),
                ],
                writable: ["mb"]
            )
            recorder.expect(scoped.rejections.map(\.code) == ["out_of_scope"], "\(scoped.rejections)")
            recorder.expect(scoped.counts.inserted == 1, "a unit under the scope: \(scoped.counts)")
        },
        Check(name: "import: status events keyed by member, kind and date; the lifecycle applies") { store, recorder in
            try await Fixture.commune(store)
            func event(_ row: Int32, _ name: String, _ kind: StatusEventKind, _ date: CalendarDate) -> ImportRow {
                ImportRow(
                    rowNumbers: [row],
                    unitRef: bo,
                    memberKey: named(name),
                    record: .statusEvent(StatusEvent(kind: kind, effectiveOn: date))
                )
            }
            let rows = [
                event(2, "Tòng Văn Hạnh", .madeOfficial, day(2011, 1, 1)),
                event(3, "Lò Thị An", .returned, day(2012, 1, 1)),
                event(4, "Không Có Ai", .madeOfficial, day(2011, 1, 1)),
                event(5, "Tòng Văn Hạnh", .madeOfficial, day(2011, 1, 1)),
            ]
            let first = try await apply(store, importID, .statusEvents, .skip, rows)
            recorder.expect(first.counts == ImportCounts(read: 4, inserted: 1, rejected: 3), "\(first.counts)")
            recorder.expect(
                first.rejections.map(\.code) == ["invalid", "unknown_member", "duplicate_in_import"],
                "\(first.rejections)"
            )
            let member = try await store.member(id: "m1")
            recorder.expect(member?.status == .official && member?.meta?.revision == 2, "made official by import")
            let again = try await apply(store, "7a1c2a9e-4b7d-4e0a-9c1f-2d3e4f5a6b7c", .statusEvents, .skip, [rows[0]])
            recorder.expect(again.counts == ImportCounts(read: 1, skipped: 1), "the same event again: \(again.counts)")
            var noted = rows[0]
            noted.record = .statusEvent(
                StatusEvent(kind: .madeOfficial, effectiveOn: day(2011, 1, 1), decisionRef: "12-QĐ")
            )
            let update = try await apply(store, "8a1c2a9e-4b7d-4e0a-9c1f-2d3e4f5a6b7c", .statusEvents, .update, [noted])
            recorder.expect(update.counts == ImportCounts(read: 1, updated: 1), "decision added: \(update.counts)")
            recorder.expect(try await store.member(id: "m1")?.events.count == 2, "no event added by the update")
        },
        Check(name: "import: meetings with attendance by name, counts as recorded; keys; update") { store, recorder in
            try await Fixture.commune(store)
            let first = try await apply(
                store,
                importID,
                .meetings,
                .update,
                [
                    meetingRow(2, key: "BO-2020-05", states: [.present, .present, .absentExcused]),
                    meetingRow(3, key: "BO-2020-05", states: [.present, .present, .present]),
                ]
            )
            recorder.expect(first.counts == ImportCounts(read: 2, inserted: 1, rejected: 1), "\(first.counts)")
            recorder.expect(first.rejections.map(\.code) == ["duplicate_in_import"], "\(first.rejections)")
            let range = (day(2020, 1, 1), day(2020, 12, 31))
            var summaries = try await store.meetingSummaries(everUnder: "mb", from: range.0, through: range.1)
            recorder.expect(summaries.count == 1, "one meeting: \(summaries.count)")
            recorder.expect(
                summaries.first.map { ($0.expected, $0.present, $0.absentExcused) } ?? (0, 0, 0) == (3, 2, 1),
                "counts: \(String(describing: summaries.first))"
            )
            let meeting = try await store.listMeetings(MeetingQuery(cellID: "bo")).records.first
            recorder.expect(meeting?.chairMemberId == "m1", "chair by name")
            recorder.expect(meeting?.recorderMemberId == "", "an unknown recorder is left empty")
            let same = try await apply(
                store,
                "7a1c2a9e-4b7d-4e0a-9c1f-2d3e4f5a6b7c",
                .meetings,
                .update,
                [meetingRow(2, key: "BO-2020-05", states: [.present, .present, .absentExcused])]
            )
            recorder.expect(same.counts == ImportCounts(read: 1, skipped: 1), "unchanged: \(same.counts)")
            let changed = try await apply(
                store,
                "8a1c2a9e-4b7d-4e0a-9c1f-2d3e4f5a6b7c",
                .meetings,
                .update,
                [meetingRow(2, key: "", states: [.present, .present, .present])]
            )
            recorder.expect(
                changed.counts == ImportCounts(read: 1, updated: 1),
                "by cell, date, kind, start: \(changed.counts)"
            )
            summaries = try await store.meetingSummaries(everUnder: "mb", from: range.0, through: range.1)
            recorder.expect(summaries.first?.present == 3 && summaries.count == 1, "recounted: \(summaries)")
            var unknown = meetingRow(2, key: "BO-2020-06", states: [.present])
            unknown.attendees = [named("Không Có Ai")]
            let refused = try await apply(store, "9a1c2a9e-4b7d-4e0a-9c1f-2d3e4f5a6b7c", .meetings, .update, [unknown])
            recorder.expect(
                refused.rejections.map { "\($0.code) \($0.field)" } == ["unknown_member attendees[0]"],
                "\(refused.rejections)"
            )
        },
        Check(name: "import: resolutions by meeting key or by cell and date, keyed by text") { store, recorder in
            try await Fixture.commune(store)
            _ = try await apply(
                store,
                importID,
                .meetings,
                .update,
                [meetingRow(2, key: "BO-2020-05", states: [.present, .present, .absentExcused])]
            )
            func resolution(_ row: Int32, _ text: String, key: String) -> ImportRow {
                ImportRow(
                    rowNumbers: [row],
                    unitRef: key.isEmpty ? bo : "",
                    meetingKey: key,
                    meetingHeldOn: key.isEmpty ? day(2020, 5, 3) : nil,
                    owner: named("Lò Thị An"),
                    record: .resolution(Resolution(text: text, dueOn: day(2020, 9, 30)))
                )
            }
            let rows = [
                resolution(2, "Làm đường bê tông", key: "BO-2020-05"),
                resolution(3, "Vận động đóng góp", key: ""),
                resolution(4, "Không có cuộc họp", key: "BO-1999-01"),
            ]
            let first = try await apply(store, "7a1c2a9e-4b7d-4e0a-9c1f-2d3e4f5a6b7c", .resolutions, .skip, rows)
            recorder.expect(first.counts == ImportCounts(read: 3, inserted: 2, rejected: 1), "\(first.counts)")
            recorder.expect(first.rejections.map(\.code) == ["unknown_meeting"], "\(first.rejections)")
            let meeting = try await store.listMeetings(MeetingQuery(cellID: "bo")).records.first
            recorder.expect(meeting?.resolutions.count == 2, "two resolutions")
            recorder.expect(meeting?.resolutions.first?.ownerMemberId == "m2", "owner by name")
            let again = try await apply(store, "8a1c2a9e-4b7d-4e0a-9c1f-2d3e4f5a6b7c", .resolutions, .skip, [rows[1]])
            recorder.expect(again.counts == ImportCounts(read: 1, skipped: 1), "same text: \(again.counts)")
        },
        Check(name: "import: evaluations keyed by subject and year") { store, recorder in
            try await Fixture.commune(store)
            let unit = ImportRow(
                rowNumbers: [2],
                unitRef: bo,
                record: .evaluation(Evaluation(subject: .orgUnit, year: 2024, result: .grade(.good)))
            )
            let member = ImportRow(
                rowNumbers: [3],
                unitRef: bo,
                memberKey: named("Đinh Văn Đào"),
                record: .evaluation(Evaluation(year: 2024, result: .grade(.excellent)))
            )
            let first = try await apply(store, importID, .evaluations, .update, [unit, member])
            recorder.expect(first.counts == ImportCounts(read: 2, inserted: 2), "\(first.counts) \(first.rejections)")
            var better = unit
            better.record = .evaluation(Evaluation(subject: .orgUnit, year: 2024, result: .grade(.excellent)))
            let update = try await apply(
                store,
                "7a1c2a9e-4b7d-4e0a-9c1f-2d3e4f5a6b7c",
                .evaluations,
                .update,
                [better, member]
            )
            recorder.expect(update.counts == ImportCounts(read: 2, updated: 1, skipped: 1), "\(update.counts)")
            let stored = try await store.listEvaluations(EvaluationQuery(year: 2024)).records
            recorder.expect(stored.count == 2, "two evaluations: \(stored.count)")
            recorder.expect(stored.first { $0.subjectId == "m3" }?.cellId == "bo", "the member's cell")
        },
        Check(name: "import: rejections kept with the import over every batch, in row order") { store, recorder in
            try await Fixture.commune(store)
            let refused = RowRejection(row: 9, field: "gender", code: "invalid", message: "not a gender")
            _ = try await store.importBatch(
                ImportBatchInput(
                    importID: importID,
                    batchNumber: 1,
                    entity: .members,
                    onConflict: .update,
                    rows: [row(5, card: "05", name: "Năm"), row(6, card: "", name: "Sáu")],
                    refused: [refused]
                ),
                context: StoreConformance.context()
            )
            _ = try await apply(store, importID, .members, .update, [row(3, card: "05", name: "Lại Năm")], batch: 2)
            let rejections = try await store.importRejections(importID: importID)
            recorder.expect(
                rejections.map { "\($0.row) \($0.code)" } == ["3 duplicate_in_import", "6 missing_key", "9 invalid"],
                "\(rejections)"
            )
            let checkpoint = try await store.importCheckpoint(importID: importID)
            recorder.expect(
                checkpoint?.counts == ImportCounts(read: 4, inserted: 1, rejected: 3),
                "\(String(describing: checkpoint))"
            )
        },
    ]

    static let undoChecks: [Check] = [
        Check(name: "import undo: voids, restores, reports later changes, once") { store, recorder in
            try await Fixture.commune(store)
            let first = "5a1c2a9e-4b7d-4e0a-9c1f-2d3e4f5a6b7c"
            let second = "6a1c2a9e-4b7d-4e0a-9c1f-2d3e4f5a6b7c"
            _ = try await apply(
                store,
                first,
                .members,
                .update,
                [row(2, card: "01", name: "Một"), row(3, card: "02", name: "Hai")]
            )
            _ = try await apply(
                store,
                second,
                .members,
                .update,
                [row(2, card: "01", name: "Một Mới"), row(3, card: "03", name: "Ba")]
            )
            let changesBefore = try await store.changes(after: 0, limit: 10_000).count
            let dry = try await store.undoImport(
                importID: second,
                context: StoreConformance.context(validateOnly: true)
            )
            recorder.expect(dry.voided == 1 && dry.restored == 1 && dry.dryRun, "dry run reports: \(dry)")
            recorder.expect(try await store.changes(after: 0, limit: 10_000).count == changesBefore, "dry run wrote")
            let undone = try await store.undoImport(importID: second, context: StoreConformance.context())
            recorder.expect(undone.voided == 1 && undone.restored == 1 && undone.conflicts.isEmpty, "\(undone)")
            recorder.expect((undone.checkpoint?.undoneAtMs ?? 0) > 0, "checkpoint marked undone")
            let one = try await store.member(partyCardNumber: "01")
            recorder.expect(
                one?.fullName == "Một" && one?.meta?.revision == 3,
                "restored as a new revision: \(String(describing: one))"
            )
            recorder.expect(
                try await store.member(partyCardNumber: "03")?.meta?.voided == true,
                "created member voided"
            )
            // One entry for the undo, naming the import and covering the restore and the void.
            let audit = try await store.auditEntries(AuditQuery(afterSeq: 0, limit: 10_000, entityID: one?.id ?? "?"))
            recorder.expect(
                audit.contains {
                    $0.entity == "import" && $0.detail.hasPrefix("undo")
                        && ChangePositions(text: $0.changes)?.positions.count == 2
                },
                "restore audited: \(audit.map(\.detail))"
            )
            let again = try await store.undoImport(importID: second, context: StoreConformance.context())
            recorder.expect(
                again.voided == 0 && again.restored == 0 && again.conflicts.isEmpty,
                "second undo: \(again)"
            )
            await recorder.expectStoreError(
                "a batch after the undo",
                {
                    if case .failedPrecondition = $0 { true } else { false }
                }
            ) {
                _ = try await apply(store, second, .members, .update, [row(4, card: "04", name: "Bốn")], batch: 2)
            }
            // The first import's member 01 changed since (the second import and its undo).
            let undoFirst = try await store.undoImport(importID: first, context: StoreConformance.context())
            recorder.expect(undoFirst.voided == 1, "member 02 voided: \(undoFirst)")
            recorder.expect(
                undoFirst.conflicts.map(\.entity) == ["member"] && undoFirst.conflicts.first?.recordId == one?.id,
                "member 01 left: \(undoFirst.conflicts)"
            )
            recorder.expect(try await store.member(partyCardNumber: "01")?.meta?.voided != true, "01 left alone")
        },
        Check(name: "import undo: meetings and resolutions, evaluations") { store, recorder in
            try await Fixture.commune(store)
            let meetings = "5a1c2a9e-4b7d-4e0a-9c1f-2d3e4f5a6b7c"
            let resolutions = "6a1c2a9e-4b7d-4e0a-9c1f-2d3e4f5a6b7c"
            _ = try await apply(
                store,
                meetings,
                .meetings,
                .update,
                [meetingRow(2, key: "BO-2020-05", states: [.present, .present, .absentExcused])]
            )
            _ = try await apply(
                store,
                resolutions,
                .resolutions,
                .update,
                [
                    ImportRow(
                        rowNumbers: [2],
                        meetingKey: "BO-2020-05",
                        record: .resolution(Resolution(text: "Làm đường"))
                    )
                ]
            )
            let undoResolutions = try await store.undoImport(importID: resolutions, context: StoreConformance.context())
            recorder.expect(undoResolutions.restored == 1, "\(undoResolutions)")
            var meeting = try await store.listMeetings(MeetingQuery(cellID: "bo")).records.first
            recorder.expect(meeting?.resolutions.isEmpty == true && meeting?.meta?.revision == 3, "resolution removed")
            let undoMeetings = try await store.undoImport(importID: meetings, context: StoreConformance.context())
            recorder.expect(undoMeetings.conflicts.count == 1, "the meeting changed after its import: \(undoMeetings)")
            meeting = try await store.listMeetings(MeetingQuery(cellID: "bo")).records.first
            recorder.expect(meeting != nil, "meeting left")
        },
    ]
}
