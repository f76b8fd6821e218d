import ChiboAccess
import ChiboClient
import ChiboModel
import ChiboStore
import ChiboTesting
import Foundation
import Testing

/// Import.Run for every entity and Import.Undo, over TCP against a real SQLite file (the access
/// harness's tree: SL ─ MB ─ MB-BO, MB-ANG; SL ─ CM ─ CM-NA).
@Suite struct ImportEntityTests {

    static func run(
        _ client: ChiboClient,
        id: String = UUID().uuidString.lowercased(),
        _ entity: ImportEntityKind,
        _ policy: ImportConflictPolicy,
        batches: [(Int64, [ImportRow])]
    ) async throws -> RunImportResponse {
        var messages = [
            RunImportRequest(message: .header(ImportHeader(importId: id, entity: entity, onConflict: policy)))
        ]
        for (number, rows) in batches {
            messages.append(RunImportRequest(message: .batch(ImportBatch(batchNumber: number, rows: rows))))
        }
        let stream = AsyncStream<RunImportRequest> { continuation in
            for message in messages { continuation.yield(message) }
            continuation.finish()
        }
        return try await client.clientStream(.importRun, requests: stream, as: RunImportResponse.self)
    }

    static func codes(_ response: RunImportResponse) -> [Int32: String] {
        Dictionary(response.rejections.map { ($0.row, $0.code) }, uniquingKeysWith: { first, _ in first })
    }

    static func unit(_ row: Int32, _ code: String, _ name: String, _ kind: OrgUnitKind, parent: String) -> ImportRow {
        ImportRow(rowNumbers: [row], unitRef: parent, record: .orgUnit(OrgUnit(code: code, name: name, kind: kind)))
    }

    static func card(_ number: String) -> MemberKey { MemberKey(partyCardNumber: number) }
    static func named(_ name: String) -> MemberKey { MemberKey(fullName: name) }

    /// The roster of ImportServiceTests, imported first: three members in MB-BO, three in MB-ANG.
    static func loadRoster(_ client: ChiboClient) async throws {
        let response = try await run(client, .members, .fail, batches: [(1, ImportServiceTests.roster)])
        #expect(response.checkpoint?.counts == ImportCounts(read: 6, inserted: 6))
    }

    /// A meeting of MB-BO on 3 April 2025 with its four members: b1 by card, 030001 through a
    /// card-or-citizen column holding his citizen ID, Lò Thị Hai by name, Cầm Văn Ba by citizen ID.
    static func meeting(
        _ row: Int32,
        key: String,
        cell: String = "MB-BO",
        kind: MeetingKind = .regular,
        start: Int32 = 1170,
        states: [AttendanceState] = [.present, .present, .absentExcused, .absentUnexcused]
    ) -> ImportRow {
        let attendees = [
            card("010001"), MemberKey(cardOrCitizenId: "014090000001"), named("Lò Thị Hai"),
            MemberKey(citizenId: "014090000003"),
        ]
        let attendance = states.map { AttendanceRecord(state: $0, reason: $0 == .absentExcused ? "ốm" : "") }
        return ImportRow(
            rowNumbers: [row],
            unitRef: cell,
            attendees: Array(attendees.prefix(states.count)),
            chair: named("Lò Văn Bình"),
            recorder: named("Ai Đó"),
            meetingKey: key,
            record: .meeting(
                Meeting(
                    heldOn: day(2025, 4, 3),
                    startMinute: start,
                    endMinute: start + 120,
                    kind: kind,
                    topic: "Làm đường",
                    attendance: attendance
                )
            )
        )
    }

    @Test func orgUnitsWithParentsInTheSameBatchThenReimported() async throws {
        try await AccessHarness.with { harness in
            let client = harness.client(.admin)
            defer { Task { await client.close() } }
            let rows = [
                Self.unit(2, "MB-MOI", "Chi bộ bản Mới", .cell, parent: "MB"),
                Self.unit(3, "MB-MOI-1", "Tổ đảng 1", .partyGroup, parent: "MB-MOI"),
                Self.unit(4, "MB-HUA", "Chi bộ bản Hua", .cell, parent: "Xã Mường Bằng"),
                Self.unit(5, "MB-XX", "Chi bộ XX", .cell, parent: "XX-NONE"),
                Self.unit(6, "MB-MOI", "Chi bộ bản Mới", .cell, parent: "MB"),
                Self.unit(7, "MB-LA", "Chi bộ Lạ", OrgUnitKind(rawValue: 99), parent: "MB"),
                Self.unit(8, "", "Không Mã", .cell, parent: "MB"),
            ]
            let first = try await Self.run(client, .orgUnits, .update, batches: [(1, rows)])
            #expect(first.checkpoint?.counts == ImportCounts(read: 7, inserted: 3, rejected: 4))
            #expect(
                Self.codes(first) == [5: "unknown_unit", 6: "duplicate_in_import", 7: "invalid", 8: "missing_key"]
            )
            #expect(first.rejections.map(\.row) == [5, 6, 7, 8])
            let parent = try await harness.store.orgUnit(code: "MB-MOI")
            #expect(parent?.parentId == "mb")
            #expect(try await harness.store.orgUnit(code: "MB-MOI-1")?.parentId == parent?.id)
            #expect(try await harness.store.orgUnit(code: "MB-HUA")?.parentId == "mb")

            var renamed = Array(rows[0..<3])
            renamed[2] = Self.unit(4, "MB-HUA", "Chi bộ bản Hua Mường", .cell, parent: "MB")
            let update = try await Self.run(client, .orgUnits, .update, batches: [(1, renamed)])
            #expect(update.checkpoint?.counts == ImportCounts(read: 3, updated: 1, skipped: 2))
            #expect(try await harness.store.orgUnit(code: "MB-HUA")?.name == "Chi bộ bản Hua Mường")
            let skip = try await Self.run(client, .orgUnits, .skip, batches: [(1, rows.prefix(3).map { $0 })])
            #expect(skip.checkpoint?.counts == ImportCounts(read: 3, skipped: 3))
            let fail = try await Self.run(client, .orgUnits, .fail, batches: [(1, rows.prefix(3).map { $0 })])
            #expect(fail.checkpoint?.counts == ImportCounts(read: 3, rejected: 3))
            #expect(fail.rejections.allSatisfy { $0.code == "already_exists" })

            // A member row in an org unit import is refused, not guessed.
            let wrong = try await Self.run(
                client,
                .orgUnits,
                .update,
                batches: [(1, [ImportServiceTests.roster[0]])]
            )
            #expect(Self.codes(wrong) == [2: "invalid"])
        }
    }

    @Test func statusEventsAreKeyedByMemberKindAndDate() async throws {
        try await AccessHarness.with { harness in
            let client = harness.client(.admin)
            defer { Task { await client.close() } }
            try await Self.loadRoster(client)
            func event(_ row: Int32, _ key: MemberKey, _ event: StatusEvent) -> ImportRow {
                ImportRow(rowNumbers: [row], unitRef: "MB-BO", memberKey: key, record: .statusEvent(event))
            }
            let away = StatusEvent(kind: .workingAway, effectiveOn: day(2024, 1, 1), place: "Bình Dương")
            let back = StatusEvent(kind: .returned, effectiveOn: day(2024, 6, 1))
            let rows = [
                event(2, Self.card("030001"), away),
                event(3, Self.card("030001"), back),
                event(4, Self.card("030002"), back),
                event(5, Self.card("039999"), away),
                event(
                    6,
                    Self.named("Lò Thị Hai"),
                    StatusEvent(kind: StatusEventKind(rawValue: 77), effectiveOn: day(2024, 1, 1))
                ),
                event(7, Self.card("030001"), away),
            ]
            let first = try await Self.run(client, .statusEvents, .skip, batches: [(1, rows)])
            #expect(first.checkpoint?.counts == ImportCounts(read: 6, inserted: 2, rejected: 4))
            #expect(
                Self.codes(first) == [4: "invalid", 5: "unknown_member", 6: "invalid", 7: "duplicate_in_import"]
            )
            let member = try await harness.store.member(partyCardNumber: "030001")
            #expect(member?.events.map(\.kind) == [.admitted, .workingAway, .returned])
            #expect(member?.status == .probationary || member?.status == .official)
            let again = try await Self.run(client, .statusEvents, .skip, batches: [(1, Array(rows[0..<2]))])
            #expect(again.checkpoint?.counts == ImportCounts(read: 2, skipped: 2))
            let fail = try await Self.run(client, .statusEvents, .fail, batches: [(1, Array(rows[0..<2]))])
            #expect(fail.checkpoint?.counts == ImportCounts(read: 2, rejected: 2))
            var noted = away
            noted.decisionRef = "12-QĐ/CB"
            let update = try await Self.run(
                client,
                .statusEvents,
                .update,
                batches: [(1, [event(2, Self.card("030001"), noted), event(3, Self.card("030001"), back)])]
            )
            #expect(update.checkpoint?.counts == ImportCounts(read: 2, updated: 1, skipped: 1))
            #expect(try await harness.store.member(partyCardNumber: "030001")?.events.count == 3)
        }
    }

    /// A roster gives dates, not events: the member gets the events they mean, so they count in
    /// their cell from admission; the same events in a status-event file are then skipped.
    @Test func aRosterRowWithoutEventsGetsItsAdmissionEvents() async throws {
        try await AccessHarness.with { harness in
            let client = harness.client(.admin)
            defer { Task { await client.close() } }
            let member = Member(
                partyCardNumber: "031234",
                fullName: "Tòng Văn Mới",
                admittedOn: day(2010, 5, 19),
                officialOn: day(2011, 5, 19)
            )
            let roster = try await Self.run(
                client,
                .members,
                .fail,
                batches: [(1, [ImportRow(rowNumbers: [2], unitRef: "MB-BO", record: .member(member))])]
            )
            #expect(roster.checkpoint?.counts == ImportCounts(read: 1, inserted: 1))
            let stored = try await harness.store.member(partyCardNumber: "031234")
            #expect(stored?.events.map(\.kind) == [.admitted, .madeOfficial])
            #expect(stored?.events.map(\.effectiveOn) == [day(2010, 5, 19), day(2011, 5, 19)])
            #expect(stored?.status == .official)
            let admitted = ImportRow(
                rowNumbers: [2],
                unitRef: "MB-BO",
                memberKey: Self.card("031234"),
                record: .statusEvent(StatusEvent(kind: .admitted, effectiveOn: day(2010, 5, 19)))
            )
            let events = try await Self.run(client, .statusEvents, .skip, batches: [(1, [admitted])])
            #expect(events.checkpoint?.counts == ImportCounts(read: 1, skipped: 1))
            // A meeting before the admission: refused, in the file's terms (card and cell code).
            let early = ImportRow(
                rowNumbers: [9],
                unitRef: "MB-BO",
                attendees: [Self.card("031234")],
                record: .meeting(
                    Meeting(
                        heldOn: day(2009, 3, 3),
                        kind: .regular,
                        attendance: [AttendanceRecord(state: .present)]
                    )
                )
            )
            let refused = try await Self.run(client, .meetings, .skip, batches: [(1, [early])])
            let message = refused.rejections.first?.message ?? ""
            #expect(refused.rejections.first?.code == "invalid")
            #expect(message.contains("card 031234") && message.contains("MB-BO"), "\(message)")
            #expect(!message.contains("m-0"), "\(message)")
        }
    }

    @Test func meetingsWithAttendanceKeepTheCountsReportsRead() async throws {
        try await AccessHarness.with { harness in
            let client = harness.client(.admin)
            defer { Task { await client.close() } }
            try await Self.loadRoster(client)
            // Two members with one name in MB-BO, for an ambiguous attendee.
            let twins = [
                ImportServiceTests.row(8, "MB-BO", card: "038001", name: "Lò Văn Trùng"),
                ImportServiceTests.row(9, "MB-BO", card: "038002", name: "Lò Văn Trùng"),
            ]
            _ = try await Self.run(client, .members, .fail, batches: [(1, twins)])
            var unknownCell = Self.meeting(3, key: "XX-2025-04", cell: "XX-NONE")
            unknownCell.meetingKey = "XX"
            var unknownMember = Self.meeting(4, key: "BO-2025-04-B", start: 480)
            unknownMember.attendees[2] = Self.named("Không Có Ai")
            var ambiguous = Self.meeting(5, key: "BO-2025-04-C", start: 600)
            ambiguous.attendees[2] = Self.named("Lò Văn Trùng")
            var badKind = Self.meeting(6, key: "BO-2025-04-D", start: 700)
            if case .meeting(var record)? = badKind.record {
                record.kind = MeetingKind(rawValue: 42)
                badKind.record = .meeting(record)
            }
            let rows = [Self.meeting(2, key: "BO-2025-04"), unknownCell, unknownMember, ambiguous, badKind]
            let first = try await Self.run(client, .meetings, .update, batches: [(1, rows)])
            #expect(first.checkpoint?.counts == ImportCounts(read: 5, inserted: 1, rejected: 4))
            #expect(
                Self.codes(first) == [3: "unknown_unit", 4: "unknown_member", 5: "ambiguous_match", 6: "invalid"]
            )
            #expect(first.rejections.first { $0.row == 4 }?.message.contains("Không Có Ai") == true)
            let summaries = try await harness.store.meetingSummaries(
                everUnder: "bo",
                from: day(2025, 4, 1),
                through: day(2025, 4, 30)
            )
            #expect(summaries.count == 1)
            // Six members of MB-BO that day (b1, three of the roster, the twins): the two the file
            // left out are recorded as not recorded, outside the expected count.
            #expect(summaries.first?.expected == 4)
            #expect(summaries.first?.present == 2)
            #expect(summaries.first?.absentExcused == 1)
            #expect(summaries.first?.absentUnexcused == 1)
            #expect(summaries.first?.notRecorded == 2)
            let stored = try await harness.store.meeting(id: summaries.first?.id ?? "", revision: nil)
            #expect(stored?.chairMemberId == "b1")
            #expect(stored?.recorderMemberId == "")

            let skip = try await Self.run(
                client,
                .meetings,
                .skip,
                batches: [(1, [Self.meeting(2, key: "BO-2025-04")])]
            )
            #expect(skip.checkpoint?.counts == ImportCounts(read: 1, skipped: 1))
            let all = Self.meeting(2, key: "", states: [.present, .present, .present, .present])
            let update = try await Self.run(client, .meetings, .update, batches: [(1, [all])])
            #expect(update.checkpoint?.counts == ImportCounts(read: 1, updated: 1))
            let recounted = try await harness.store.meetingSummaries(
                everUnder: "bo",
                from: day(2025, 4, 1),
                through: day(2025, 4, 30)
            )
            #expect(recounted.count == 1)
            #expect(recounted.first?.present == 4)
            #expect(recounted.first?.absentExcused == 0)
            let fail = try await Self.run(client, .meetings, .fail, batches: [(1, [all])])
            #expect(Self.codes(fail) == [2: "already_exists"])
        }
    }

    @Test func resolutionsByMeetingKeyOrByCellAndDate() async throws {
        try await AccessHarness.with { harness in
            let client = harness.client(.admin)
            defer { Task { await client.close() } }
            try await Self.loadRoster(client)
            _ = try await Self.run(client, .meetings, .update, batches: [(1, [Self.meeting(2, key: "BO-2025-04")])])
            func resolution(
                _ row: Int32,
                _ text: String,
                key: String = "",
                cell: String = "",
                on: CalendarDate? = nil
            )
                -> ImportRow
            {
                ImportRow(
                    rowNumbers: [row],
                    unitRef: cell,
                    meetingKey: key,
                    meetingHeldOn: on,
                    owner: Self.named("Lò Thị Hai"),
                    record: .resolution(Resolution(text: text, dueOn: day(2025, 9, 30), status: .inProgress))
                )
            }
            let rows = [
                resolution(2, "Bê tông hóa đường bản", key: "BO-2025-04"),
                resolution(3, "Vận động đóng góp", cell: "MB-BO", on: day(2025, 4, 3)),
                resolution(4, "Không có cuộc họp", key: "BO-1999-01"),
                resolution(5, "Ngày không họp", cell: "MB-BO", on: day(2025, 4, 4)),
                resolution(6, "Không nói họp nào"),
            ]
            let first = try await Self.run(client, .resolutions, .skip, batches: [(1, rows)])
            #expect(first.checkpoint?.counts == ImportCounts(read: 5, inserted: 2, rejected: 3))
            #expect(Self.codes(first) == [4: "unknown_meeting", 5: "unknown_meeting", 6: "missing_key"])
            let meetings = try await harness.store.listMeetings(MeetingQuery(cellID: "bo", from: day(2025, 4, 1)))
            let texts = meetings.records.first?.resolutions.map(\.text)
            #expect(texts == ["Bê tông hóa đường bản", "Vận động đóng góp"])
            let hai = try await harness.store.member(partyCardNumber: "030002")
            #expect(meetings.records.first?.resolutions.first?.ownerMemberId == hai?.id)

            let again = try await Self.run(client, .resolutions, .skip, batches: [(1, Array(rows[0..<2]))])
            #expect(again.checkpoint?.counts == ImportCounts(read: 2, skipped: 2))
            var done = rows[0]
            done.record = .resolution(Resolution(text: "Bê tông hóa đường bản", status: .done))
            let update = try await Self.run(client, .resolutions, .update, batches: [(1, [done])])
            #expect(update.checkpoint?.counts == ImportCounts(read: 1, updated: 1))

            // A second meeting that day makes the date ambiguous.
            _ = try await Self.run(
                client,
                .meetings,
                .update,
                batches: [(1, [Self.meeting(2, key: "BO-2025-04-T", kind: .thematic, start: 480)])]
            )
            let ambiguous = try await Self.run(
                client,
                .resolutions,
                .skip,
                batches: [(1, [resolution(2, "Mới", cell: "MB-BO", on: day(2025, 4, 3))])]
            )
            #expect(Self.codes(ambiguous) == [2: "ambiguous_match"])
        }
    }

    @Test func evaluationsAreKeyedBySubjectAndYear() async throws {
        try await AccessHarness.with { harness in
            let client = harness.client(.admin)
            defer { Task { await client.close() } }
            func evaluation(_ row: Int32, unit: String, member: MemberKey? = nil, _ grade: Grade) -> ImportRow {
                ImportRow(
                    rowNumbers: [row],
                    unitRef: unit,
                    memberKey: member,
                    record: .evaluation(Evaluation(year: 2024, result: .grade(grade)))
                )
            }
            let rows = [
                evaluation(2, unit: "MB-ANG", .good),
                evaluation(3, unit: "MB-BO", .excellent),
                evaluation(4, unit: "", member: Self.card("010001"), .good),
                evaluation(5, unit: "XX-NONE", .good),
                evaluation(6, unit: "MB-BO", member: Self.named("Không Có Ai"), .good),
                evaluation(7, unit: "MB-ANG", Grade(rawValue: 9)),
            ]
            let first = try await Self.run(client, .evaluations, .update, batches: [(1, rows)])
            // MB-BO's 2024 evaluation exists (graded good): updated.
            #expect(first.checkpoint?.counts == ImportCounts(read: 6, inserted: 2, updated: 1, rejected: 3))
            #expect(Self.codes(first) == [5: "unknown_unit", 6: "unknown_member", 7: "invalid"])
            #expect(try await harness.store.evaluation(id: harness.ids.evaluationBo)?.result == .grade(.excellent))
            let member = try await harness.store.listEvaluations(EvaluationQuery(year: 2024, subjectID: "b1")).records
            #expect(member.first?.cellId == "bo")
            let skip = try await Self.run(client, .evaluations, .skip, batches: [(1, Array(rows[0..<3]))])
            #expect(skip.checkpoint?.counts == ImportCounts(read: 3, skipped: 3))
            let fail = try await Self.run(client, .evaluations, .fail, batches: [(1, Array(rows[0..<3]))])
            #expect(fail.rejections.map(\.code) == ["already_exists", "already_exists", "already_exists"])
        }
    }

    @Test func duplicateCardsWithinTheFileAndAgainstTheStore() async throws {
        try await AccessHarness.with { harness in
            let client = harness.client(.admin)
            defer { Task { await client.close() } }
            let rows = [
                ImportServiceTests.row(2, "MB-BO", card: "039990", name: "Lò Văn Một"),
                ImportServiceTests.row(3, "MB-ANG", card: "039990", name: "Lò Văn Hai"),
                ImportServiceTests.row(4, "MB-BO", card: "010001", name: "Lò Văn Bình"),
            ]
            let response = try await Self.run(
                client,
                .members,
                .fail,
                batches: [(1, Array(rows[0..<2])), (2, [rows[2]])]
            )
            #expect(response.checkpoint?.counts == ImportCounts(read: 3, inserted: 1, rejected: 2))
            #expect(Self.codes(response) == [3: "duplicate_in_import", 4: "already_exists"])
            #expect(try await harness.store.member(partyCardNumber: "039990")?.fullName == "Lò Văn Một")
        }
    }

    @Test func aResumedImportReportsEveryBatchsRejections() async throws {
        try await AccessHarness.with { harness in
            let client = harness.client(.admin)
            defer { Task { await client.close() } }
            let id = UUID().uuidString.lowercased()
            let bad = ImportServiceTests.row(9, "XX-NONE", card: "039001", name: "Không Có Chi Bộ")
            let roster = ImportServiceTests.roster
            let first = try await Self.run(client, id: id, .members, .update, batches: [(1, [bad] + roster[0..<2])])
            #expect(first.rejections.map(\.row) == [9])
            let rerun = try await Self.run(
                client,
                id: id,
                .members,
                .update,
                batches: [(1, [bad] + roster[0..<2]), (2, [ImportServiceTests.row(1, "MB-BO", card: "", name: "Số")])]
            )
            #expect(rerun.skippedBatches == [1])
            #expect(rerun.rejections.map(\.row) == [1, 9])
            #expect(rerun.rejections.map(\.code) == ["missing_key", "unknown_unit"])
            #expect(rerun.checkpoint?.counts == ImportCounts(read: 4, inserted: 2, rejected: 2))
        }
    }

    @Test func undoVoidsRestoresReportsConflictsAndIsAudited() async throws {
        try await AccessHarness.with { harness in
            let client = harness.client(.admin)
            defer { Task { await client.close() } }
            let first = UUID().uuidString.lowercased()
            let second = UUID().uuidString.lowercased()
            let roster = ImportServiceTests.roster
            _ = try await Self.run(client, id: first, .members, .update, batches: [(1, Array(roster[0..<3]))])
            var renamed = roster[0]
            renamed.record = .member(Member(partyCardNumber: "030001", fullName: "Lò Văn Một Mới", gender: .male))
            let rows = [renamed, roster[1], roster[3], roster[4]]
            let applied = try await Self.run(client, id: second, .members, .update, batches: [(1, rows)])
            #expect(applied.checkpoint?.counts == ImportCounts(read: 4, inserted: 2, updated: 1, skipped: 1))
            // Someone changes a member the second import created.
            let four = try #require(try await harness.store.member(partyCardNumber: "030004"))
            var changed = four
            changed.phone = "0987654321"
            _ = try await client.unary(
                .membersUpdate,
                UpdateMemberRequest(member: changed, updateMask: FieldMask(paths: ["phone"])),
                as: MemberResponse.self
            )

            let officer = harness.client(.officer)
            defer { Task { await officer.close() } }
            let denied = await Outcome.of {
                _ = try await officer.unary(
                    .importUndo,
                    UndoImportRequest(importId: second),
                    as: UndoImportResponse.self
                )
            }
            // Another token's import is answered as absent.
            #expect(denied == .passed(.notFound))

            let dry = try await client.unary(
                .importUndo,
                UndoImportRequest(importId: second, dryRun: true),
                as: UndoImportResponse.self
            )
            #expect(dry.dryRun && dry.voided == 1 && dry.restored == 1 && dry.conflicts.count == 1)
            #expect(try await harness.store.member(partyCardNumber: "030005")?.meta?.voided != true)

            let undone = try await client.unary(
                .importUndo,
                UndoImportRequest(importId: second),
                as: UndoImportResponse.self
            )
            #expect(undone.voided == 1)
            #expect(undone.restored == 1)
            #expect(undone.conflicts.map(\.recordId) == [four.id])
            #expect((undone.checkpoint?.undoneAtMs ?? 0) > 0)
            #expect(try await harness.store.member(partyCardNumber: "030005")?.meta?.voided == true)
            #expect(try await harness.store.member(partyCardNumber: "030004")?.meta?.voided != true)
            let one = try await harness.store.member(partyCardNumber: "030001")
            #expect(one?.fullName == "Lò Văn Một")
            #expect(one?.meta?.revision == 3)
            // The undo is one audit entry naming the import and covering both changes it made;
            // asking for either member's entries finds it.
            let five = try await harness.store.member(partyCardNumber: "030005")
            for member in [one, five] {
                let audit = try await harness.store.auditEntries(
                    AuditQuery(limit: 10_000, entityID: member?.id ?? "?")
                )
                let undo = audit.first { $0.method == "IMPORT_UNDO" }
                #expect(undo?.entity == "import" && undo?.entityId == second && undo?.actor == "admin")
                #expect(undo?.detail == "undo: 1 records voided, 1 restored", "\(String(describing: undo))")
                #expect(undo.flatMap { ChangePositions(text: $0.changes) }?.positions.count == 2)
            }

            let again = try await client.unary(
                .importUndo,
                UndoImportRequest(importId: second),
                as: UndoImportResponse.self
            )
            #expect(again.voided == 0 && again.restored == 0 && again.conflicts.isEmpty)
            let rerun = await Outcome.of {
                _ = try await Self.run(client, id: second, .members, .update, batches: [(2, [roster[5]])])
            }
            #expect(rerun == .passed(.failedPrecondition))
            // The gate audits a failed change after the call, in the background.
            try await waitUntil("the refused rerun to be audited") {
                try await harness.store.auditEntries(AuditQuery(limit: 10_000)).contains {
                    $0.outcome == "FAILED_PRECONDITION" && $0.method == "IMPORT_RUN"
                }
            }
        }
    }

    @Test func aTokenRunsAtMostTwoImportsAtOnce() async throws {
        try await AccessHarness.with { harness in
            let client = harness.client(.admin)
            defer { Task { await client.close() } }
            var continuations: [AsyncStream<RunImportRequest>.Continuation] = []
            var calls: [Task<Void, Never>] = []
            var ids: [String] = []
            for index in 0..<2 {
                let (stream, continuation) = AsyncStream<RunImportRequest>.makeStream()
                let id = UUID().uuidString.lowercased()
                ids.append(id)
                continuation.yield(
                    RunImportRequest(message: .header(ImportHeader(importId: id, entity: .members, onConflict: .skip)))
                )
                // One batch, so the import shows in Import.Status while its stream stays open.
                let rows = [ImportServiceTests.roster[index + 1]]
                continuation.yield(RunImportRequest(message: .batch(ImportBatch(batchNumber: 1, rows: rows))))
                continuations.append(continuation)
                calls.append(
                    Task {
                        _ = try? await client.clientStream(.importRun, requests: stream, as: RunImportResponse.self)
                    }
                )
            }
            // Both imports hold their slots once each has committed its batch.
            try await waitUntil("both open imports to commit a batch", every: .milliseconds(20)) {
                for id in ids {
                    let status = await Outcome.of {
                        _ = try await client.unary(
                            .importStatus,
                            GetImportStatusRequest(importId: id),
                            as: ImportCheckpoint.self
                        )
                    }
                    if status != .passed(.ok) { return false }
                }
                return true
            }
            let third = await Outcome.of {
                _ = try await Self.run(client, .members, .skip, batches: [])
            }
            #expect(third != .passed(.ok))
            // The refusal is audited before the call ends, whatever the client made of it.
            let entries = try await harness.store.auditEntries(AuditQuery(limit: 10_000))
            #expect(
                entries.contains {
                    $0.outcome == "RESOURCE_EXHAUSTED" && $0.method == "IMPORT_RUN"
                        && $0.detail.contains("2 imports running")
                }
            )
            for continuation in continuations { continuation.finish() }
            for call in calls { await call.value }
            let fourth = await Outcome.of {
                _ = try await Self.run(client, .members, .skip, batches: [(1, [ImportServiceTests.roster[0]])])
            }
            #expect(fourth == .passed(.ok))
        }
    }
}
