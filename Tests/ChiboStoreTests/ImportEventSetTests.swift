import ChiboModel
import ChiboStore
import Foundation
import Testing

/// A status-event batch applied as a set gives what the row path gives: the same counts and
/// refusals, members, change log, attached members, a verifiable audit log, and the same undo.
/// Each batch goes to two fresh stores on the same backend: as it is (new events take the set
/// path) and with one more row naming a member by name alone, which sends the whole batch
/// down the row path.
@Suite struct ImportEventSetTests {
    static let context = MutationContext(actor: "clerk", nowMs: 1_760_000_000_000)
    /// The clerk of commune MB, who imports and undoes: what a row touches is checked against it.
    static let clerk = MutationContext(actor: "clerk", nowMs: 1_760_000_000_000, writeScope: .subtree(of: "mb"))

    static func day(_ year: Int32, _ month: Int32, _ day: Int32) -> CalendarDate {
        CalendarDate(year: year, month: month, day: day)
    }

    /// Two communes, MB (cells MB-BO, MB-ANG) and CM (cell CM-NA), and a roster whose members
    /// have their admission (and official) events.
    static func seed(_ store: any Store) async throws {
        _ = try await store.createOrgUnit(
            OrgUnit(id: "mb", code: "MB", name: "Xã Mường Bằng", kind: .commune),
            context: context
        )
        _ = try await store.createOrgUnit(
            OrgUnit(id: "cm", code: "CM", name: "Xã Chiềng Mai", kind: .commune),
            context: context
        )
        for (id, code, parent) in [("bo", "MB-BO", "mb"), ("ang", "MB-ANG", "mb"), ("na", "CM-NA", "cm")] {
            _ = try await store.createOrgUnit(
                OrgUnit(id: id, code: code, name: "Chi bộ \(code)", kind: .cell, parentId: parent),
                context: context
            )
        }
        let official = (day(2010, 1, 1), day(2011, 1, 1))
        let roster:
            [(
                card: String, citizen: String, name: String, cell: String, admitted: CalendarDate,
                official: CalendarDate?
            )] = [
                ("A1", "", "Lò Văn An", "MB-BO", official.0, official.1),
                ("B1", "CB1", "Cầm Thị Bình", "MB-BO", day(2020, 3, 1), nil),
                ("C1", "", "Quàng Văn Cường", "MB-ANG", official.0, official.1),
                ("", "CD1", "Tòng Thị Dung", "MB-ANG", official.0, official.1),
                ("E1", "", "Lường Văn Em", "CM-NA", official.0, official.1),
                ("H1", "", "Hà Văn Hùng", "MB-BO", official.0, official.1),
                ("J1", "", "Vì Thị Jang", "MB-BO", official.0, official.1),
                ("K1", "", "Mè Văn Khánh", "MB-ANG", official.0, official.1),
            ]
        let rows = roster.enumerated().map { index, entry in
            ImportRow(
                rowNumbers: [Int32(index + 2)],
                unitRef: entry.cell,
                record: .member(
                    Member(
                        partyCardNumber: entry.card,
                        citizenId: entry.citizen,
                        fullName: entry.name,
                        admittedOn: entry.admitted,
                        officialOn: entry.official,
                        events: [StatusEvent(kind: .admitted, effectiveOn: entry.admitted)]
                            + (entry.official.map { [StatusEvent(kind: .madeOfficial, effectiveOn: $0)] } ?? [])
                    )
                )
            )
        }
        let outcome = try await store.importBatch(
            ImportBatchInput(importID: "roster", batchNumber: 1, entity: .members, onConflict: .fail, rows: rows),
            context: context
        )
        #expect(outcome.counts.inserted == Int64(roster.count), "\(outcome.rejections)")
    }

    static func event(
        _ row: Int32,
        _ key: MemberKey?,
        _ kind: StatusEventKind,
        _ on: CalendarDate,
        unit: String = "",
        other: String = "",
        place: String = ""
    ) -> ImportRow {
        ImportRow(
            rowNumbers: [row],
            unitRef: unit,
            memberKey: key,
            otherUnitRef: other,
            record: .statusEvent(StatusEvent(kind: kind, effectiveOn: on, place: place))
        )
    }

    static func card(_ number: String) -> MemberKey { MemberKey(partyCardNumber: number) }

    /// New events of several members (two of one, in order), one by citizen ID and one by a
    /// card-or-citizen column, a transfer naming its host cell, and rows the checks refuse; a
    /// member with a row naming a stored event and one with the same event twice.
    static let rows: [ImportRow] = [
        event(2, card("A1"), .workingAway, day(2024, 1, 1), unit: "MB-BO", place: "Bình Dương"),
        event(3, card("A1"), .returned, day(2024, 6, 1)),
        event(4, card("B1"), .returned, day(2024, 6, 1)),
        event(5, MemberKey(citizenId: "CB1"), .workingAway, day(2024, 2, 1)),
        event(6, card("X9"), .workingAway, day(2024, 2, 1)),
        event(7, card("C1"), .temporaryTransferOut, day(2024, 3, 1), other: "MB-BO"),
        event(8, MemberKey(cardOrCitizenId: "CD1"), .workingAway, day(2024, 5, 1)),
        event(9, card("E1"), .workingAway, day(2024, 5, 1)),
        event(10, card("A1"), .workingAway, day(2024, 9, 1), unit: "NOPE"),
        event(11, card("H1"), .admitted, day(2010, 1, 1)),
        event(12, card("H1"), .workingAway, day(2024, 4, 1)),
        event(13, card("J1"), .workingAway, day(2024, 1, 1)),
        event(14, card("J1"), .workingAway, day(2024, 1, 1)),
        event(15, nil, .workingAway, day(2024, 1, 1)),
        event(16, card("C1"), .returned, day(2024, 8, 1), other: "CM-NOPE"),
        // A member of MB sent to a cell of another commune: the effect reaches outside MB.
        event(17, card("K1"), .temporaryTransferOut, day(2024, 3, 1), other: "CM-NA"),
    ]

    /// The row that sends a batch down the row path: a name alone, which names no member.
    static let byName = event(99, MemberKey(fullName: "Không Ai"), .workingAway, day(2024, 1, 1), unit: "MB-BO")

    /// What the comparison reads of a store: members by card or citizen ID with their events
    /// (ids and times left out, which each store makes its own), the change log after the
    /// roster in the same terms, and the members attached to MB-BO.
    struct Snapshot: Equatable {
        var members: [String: String] = [:]
        var changes: [String] = []
        var attachedToBo: Set<String> = []
    }

    static func snapshot(_ store: any Store, after seq: Int64) async throws -> Snapshot {
        var snapshot = Snapshot()
        var labels: [String: String] = [:]
        func describe(_ member: Member) -> String {
            let events = member.events.map {
                "\($0.kind) \($0.effectiveOn?.isoKey ?? "") \($0.place) \($0.otherUnitId) \($0.decisionRef)"
            }
            return "\(member.status) r\(member.meta?.revision ?? 0) admitted \(member.admittedOn?.isoKey ?? "")"
                + " official \(member.officialOn?.isoKey ?? "") [\(events.joined(separator: "; "))]"
        }
        for member in try await store.listMembers(MemberQuery(pageSize: 100)).records {
            let label = member.partyCardNumber.isEmpty ? member.citizenId : member.partyCardNumber
            labels[member.id] = label
            snapshot.members[label] = describe(member)
        }
        for change in try await store.changes(after: seq, limit: 1_000) {
            var text =
                "\(change.entity) \(labels[change.entityId] ?? change.entityId) r\(change.revision) \(change.change)"
            if case .member(let member)? = change.record { text += " " + describe(member) }
            snapshot.changes.append(text)
        }
        snapshot.attachedToBo = Set(
            try await store.listMembers(MemberQuery(cellID: "bo", includeAttached: true)).records.map(\.fullName)
        )
        return snapshot
    }

    static func lastSeq(_ store: any Store) async throws -> Int64 {
        try await store.changes(after: 0, limit: 10_000).last?.seq ?? 0
    }

    @Test(arguments: TestBackend.all)
    func aSetOfNewEventsGivesWhatTheRowPathGives(backend: TestBackend) async throws {
        let asSet = try await backend.makeStore()
        let byRow = try await backend.makeStore()
        try await Self.seed(asSet)
        try await Self.seed(byRow)
        let start = try await Self.lastSeq(asSet)
        #expect(try await Self.lastSeq(byRow) == start)
        func batch(
            _ rows: [ImportRow],
            id: String,
            number: Int64 = 1,
            policy: ImportConflictPolicy
        ) -> ImportBatchInput {
            ImportBatchInput(
                importID: id,
                batchNumber: number,
                entity: .statusEvents,
                onConflict: policy,
                rows: rows,
                writableUnits: ["mb"]
            )
        }
        let set = try await asSet.importBatch(batch(Self.rows, id: "events", policy: .skip), context: Self.clerk)
        var row = try await byRow.importBatch(
            batch(Self.rows + [Self.byName], id: "events", policy: .skip),
            context: Self.clerk
        )
        #expect(row.rejections.last?.row == 99 && row.rejections.last?.code == "unknown_member")
        row.rejections.removeAll { $0.row == 99 }
        row.counts.read -= 1
        row.counts.rejected -= 1
        #expect(set.counts == row.counts)
        #expect(set.counts == ImportCounts(read: 16, inserted: 7, skipped: 1, rejected: 8), "\(set.rejections)")
        #expect(set.rejections == row.rejections)
        #expect(
            Dictionary(uniqueKeysWithValues: set.rejections.map { ($0.row, $0.code) }) == [
                4: "invalid", 6: "unknown_member", 9: "out_of_scope", 10: "unknown_unit", 14: "duplicate_in_import",
                15: "missing_key", 16: "unknown_unit", 17: "out_of_scope",
            ]
        )
        let afterSet = try await Self.snapshot(asSet, after: start)
        let afterRow = try await Self.snapshot(byRow, after: start)
        #expect(afterSet == afterRow)
        #expect(afterSet.members["A1"]?.contains("WORKING_AWAY 2024-01-01 Bình Dương") == true)
        #expect(afterSet.members["A1"]?.contains("RETURNED 2024-06-01") == true)
        #expect(afterSet.attachedToBo.contains("Quàng Văn Cường"))
        for store in [asSet, byRow] {
            let audit = try await AuditVerifier.verify(store: store, key: nil)
            #expect(audit.intact, "\(audit.problem)")
        }

        #expect(
            set.rejections.first { $0.row == 14 }?.message
                == "the working_away event of 2024-01-01 of Vì Thị Jang (card J1) is already in this import, at row 13"
        )

        // Undone, both stores hold the roster as it was, through the same changes.
        let undoneSet = try await asSet.undoImport(importID: "events", context: Self.clerk)
        var undoneRow = try await byRow.undoImport(importID: "events", context: Self.clerk)
        undoneRow.checkpoint?.counts?.read -= 1
        undoneRow.checkpoint?.counts?.rejected -= 1
        #expect(undoneSet == undoneRow)
        #expect(undoneSet.conflicts.isEmpty && undoneSet.restored == 6, "\(undoneSet)")
        let restoredSet = try await Self.snapshot(asSet, after: start)
        #expect(restoredSet == (try await Self.snapshot(byRow, after: start)))
        for label in ["A1", "B1", "C1", "CD1", "H1", "J1"] {
            #expect(restoredSet.members[label]?.contains("WORKING_AWAY") == false, "\(label)")
            #expect(restoredSet.members[label]?.contains("TEMPORARY_TRANSFER_OUT") == false, "\(label)")
        }

        // The same rows again under each policy: first taken again (the events were undone),
        // then stored, skipped, refused or merged alike; and an import whose second batch names
        // events its first batch claimed.
        let imports: [(id: String, policy: ImportConflictPolicy, batches: [[ImportRow]], expected: ImportCounts)] = [
            ("again", .skip, [Self.rows], ImportCounts(read: 16, inserted: 7, skipped: 1, rejected: 8)),
            ("skip", .skip, [Self.rows], ImportCounts(read: 16, inserted: 1, skipped: 8, rejected: 7)),
            ("fail", .fail, [Self.rows], ImportCounts(read: 16, rejected: 16)),
            ("update", .update, [Self.rows], ImportCounts(read: 16, skipped: 9, rejected: 7)),
            ("two", .skip, [Array(Self.rows.prefix(4)), Self.rows], ImportCounts(read: 20, skipped: 9, rejected: 11)),
        ]
        for (id, policy, batches, expected) in imports {
            var setCounts = ImportCounts()
            var rowCounts = ImportCounts()
            for (index, rows) in batches.enumerated() {
                let number = Int64(index + 1)
                let setAgain = try await asSet.importBatch(
                    batch(rows, id: id, number: number, policy: policy),
                    context: Self.clerk
                )
                var rowAgain = try await byRow.importBatch(
                    batch(rows + [Self.byName], id: id, number: number, policy: policy),
                    context: Self.clerk
                )
                rowAgain.rejections.removeAll { $0.row == 99 }
                #expect(setAgain.rejections == rowAgain.rejections, "\(id)")
                setCounts = setAgain.checkpoint.counts ?? ImportCounts()
                rowCounts = rowAgain.checkpoint.counts ?? ImportCounts()
                rowCounts.read -= number
                rowCounts.rejected -= number
            }
            #expect(setCounts == expected, "\(id)")
            #expect(setCounts == rowCounts, "\(id)")
            #expect(try await Self.snapshot(asSet, after: start) == (try await Self.snapshot(byRow, after: start)))
        }
        let refused = try await asSet.importRejections(importID: "fail")
        #expect(
            refused.first { $0.row == 11 }?.message
                == "the admitted event of 2010-01-01 of Hà Văn Hùng (card H1) already exists"
        )
        #expect(refused.first { $0.row == 11 }?.code == "already_exists")
        let twice = try await asSet.importRejections(importID: "two")
        #expect(twice.filter { $0.code == "duplicate_in_import" }.map(\.row).sorted() == [2, 3, 4, 5, 14])
        for store in [asSet, byRow] {
            let audit = try await AuditVerifier.verify(store: store, key: nil)
            #expect(audit.intact, "\(audit.problem)")
        }
    }
}
