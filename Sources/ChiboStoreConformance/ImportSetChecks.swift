import ChiboDomain
import ChiboModel
import ChiboStore

/// A batch applies as its rows would one after another: the same file imported as one batch
/// and as batches of one row ends with the same records, counts and refusals. Batches of one
/// row have no rows to check together, so they are the row-by-row meaning of the file; a
/// large batch checks new records as a set and must not change it.
enum ImportSetChecks {
    typealias Check = StoreConformance.Check

    /// Two cells that share nothing: one file goes to each, with the cell's letter in every
    /// card number, citizen ID and meeting key, so the two imports cannot touch each other.
    static let cells = [("A", "ca", "Chi bộ A"), ("B", "cb", "Chi bộ B")]

    static let all: [Check] = [
        Check(name: "import sets: members in one batch end as in batches of one row") { store, recorder in
            try await setUp(store)
            for onConflict in [ImportConflictPolicy.update, .skip, .fail] {
                var files: [[ImportRow]] = []
                for (letter, _, name) in cells {
                    files.append(memberRows(letter, cell: name, count: 60, seed: 7 + UInt64(onConflict.rawValue)))
                }
                let tag = "\(onConflict)"
                let whole = try await importFile(store, files[0], .members, onConflict, batchSize: files[0].count)
                let single = try await importFile(store, files[1], .members, onConflict, batchSize: 1)
                try await compare(store, whole, single, tag: tag, &recorder)
                let a = try await membersAsFiled(store, "ca", letter: "A")
                let b = try await membersAsFiled(store, "cb", letter: "B")
                recorder.expect(a == b, "\(tag): members differ:\n\(a)\n\(b)")
                recorder.expect(a.count > 20, "\(tag): the file created members: \(a.count)")
            }
        },
        Check(name: "import sets: meetings in one batch end as in batches of one row") { store, recorder in
            try await setUp(store)
            for onConflict in [ImportConflictPolicy.update, .skip, .fail] {
                var files: [[ImportRow]] = []
                for (letter, _, name) in cells {
                    files.append(meetingRows(letter, cell: name, count: 40, seed: 11 + UInt64(onConflict.rawValue)))
                }
                let tag = "\(onConflict)"
                let whole = try await importFile(store, files[0], .meetings, onConflict, batchSize: files[0].count)
                let single = try await importFile(store, files[1], .meetings, onConflict, batchSize: 1)
                try await compare(store, whole, single, tag: tag, &recorder)
                let a = try await meetingsAsFiled(store, "ca", letter: "A")
                let b = try await meetingsAsFiled(store, "cb", letter: "B")
                recorder.expect(a == b, "\(tag): meetings differ:\n\(a)\n\(b)")
                recorder.expect(a.count > 10, "\(tag): the file recorded meetings: \(a.count)")
            }
        },
    ]

    /// The commune, the two cells, four members in each with cards and citizen IDs, and one
    /// meeting of each cell already recorded.
    static func setUp(_ store: any Store) async throws {
        try await Fixture.commune(store)
        let context = StoreConformance.context()
        let admitted = StatusEvent(kind: .admitted, effectiveOn: StoreConformance.day(2010, 1, 1))
        for (letter, id, name) in cells {
            _ = try await store.createOrgUnit(
                OrgUnit(id: id, name: name, kind: .cell, parentId: "mb"),
                context: context
            )
            for number in 1...4 {
                _ = try await store.createMember(
                    Member(
                        id: "\(id)\(number)",
                        partyCardNumber: "\(letter)S\(number)",
                        citizenId: "\(letter)C\(number)",
                        fullName: "Người \(letter) Số \(number)",
                        cellId: id,
                        events: [admitted]
                    ),
                    context: context
                )
            }
            _ = try await store.recordMeeting(
                Meeting(
                    cellId: id,
                    heldOn: StoreConformance.day(2021, 1, 5),
                    kind: .regular,
                    attendance: (1...4).map { AttendanceRecord(memberId: "\(id)\($0)", state: .present) }
                ),
                partialAttendance: false,
                context: context
            )
        }
    }

    /// A roster of new members, members named twice, citizen IDs shared, stored members,
    /// unknown cells and rows without a key, in an order drawn from `seed`.
    static func memberRows(_ letter: String, cell: String, count: Int, seed: UInt64) -> [ImportRow] {
        var draw = CountChecks.Sequence(state: seed)
        var rows: [ImportRow] = []
        for index in 0..<count {
            var member = Member(fullName: "Thành Viên \(index)")
            member.events = [StatusEvent(kind: .admitted, effectiveOn: StoreConformance.day(2015, 3, 1))]
            var unit = cell
            let earlier = index > 0 ? draw.next(index) : 0
            switch draw.next(8) {
            case 0, 1, 2: (member.partyCardNumber, member.citizenId) = ("\(letter)N\(index)", "\(letter)K\(index)")
            case 3 where index > 0:
                // The card of an earlier row again: a duplicate in the import.
                member.partyCardNumber = "\(letter)N\(earlier)"
            case 4 where index > 0:
                // A new card with an earlier row's citizen ID.
                (member.partyCardNumber, member.citizenId) = ("\(letter)N\(index)", "\(letter)K\(earlier)")
            case 5: member.partyCardNumber = "\(letter)S\(1 + draw.next(4))"
            case 6: (member.partyCardNumber, unit) = ("\(letter)N\(index)", "Chi bộ không có")
            case 7:
                // Made official before admission: refused by the lifecycle.
                member.partyCardNumber = "\(letter)N\(index)"
                member.events.insert(
                    StatusEvent(kind: .madeOfficial, effectiveOn: StoreConformance.day(2014, 1, 1)),
                    at: 0
                )
            default: member.citizenId = "\(letter)K\(index)"
            }
            if draw.next(10) == 0 { (member.partyCardNumber, member.citizenId) = ("", "") }
            rows.append(ImportRow(rowNumbers: [Int32(index + 2)], unitRef: unit, record: .member(member)))
        }
        return rows
    }

    /// A logbook of new meetings, meetings given twice by date or by key, the meeting
    /// already stored, unknown attendees and a member twice, in an order drawn from `seed`.
    static func meetingRows(_ letter: String, cell: String, count: Int, seed: UInt64) -> [ImportRow] {
        var draw = CountChecks.Sequence(state: seed)
        var rows: [ImportRow] = []
        var days: [Int32] = []
        for index in 0..<count {
            let states: [AttendanceState] = [.present, .absentExcused, .absentUnexcused, .present]
            var cards = (1...4).map { "\(letter)S\($0)" }
            var day = Int32(index + 1)
            var key = ""
            var kind = MeetingKind.regular
            switch draw.next(8) {
            case 0, 1: break
            case 2 where !days.isEmpty: day = days[draw.next(days.count)]
            case 3: key = "\(letter)-K\(draw.next(4))"
            case 4: cards[draw.next(4)] = "\(letter)X9"
            case 5: day = 0
            case 6: cards[1] = cards[0]
            default: kind = .thematic
            }
            days.append(day)
            let heldOn =
                day == 0
                ? StoreConformance.day(2021, 1, 5)
                : StoreConformance.day(2022, 1 + (day - 1) / 28, 1 + (day - 1) % 28)
            let picked = (0..<4).filter { _ in draw.next(5) != 0 }
            let meeting = Meeting(
                heldOn: heldOn,
                kind: kind,
                topic: kind == .thematic ? "Chuyên đề \(index)" : "",
                attendance: picked.map { AttendanceRecord(state: states[$0]) }
            )
            rows.append(
                ImportRow(
                    rowNumbers: [Int32(index + 2)],
                    unitRef: cell,
                    attendees: picked.map { MemberKey(partyCardNumber: cards[$0]) },
                    meetingKey: key,
                    record: .meeting(meeting)
                )
            )
        }
        return rows
    }

    /// Imports `rows` under a new import id, `batchSize` rows a batch; returns the id.
    static func importFile(
        _ store: any Store,
        _ rows: [ImportRow],
        _ entity: ImportEntityKind,
        _ onConflict: ImportConflictPolicy,
        batchSize: Int
    ) async throws -> String {
        let importID = RecordID.make("imp")
        var batch: Int64 = 0
        var start = 0
        while start < rows.count {
            batch += 1
            _ = try await store.importBatch(
                ImportBatchInput(
                    importID: importID,
                    batchNumber: batch,
                    entity: entity,
                    onConflict: onConflict,
                    rows: Array(rows[start..<min(rows.count, start + batchSize)])
                ),
                context: StoreConformance.context()
            )
            start += batchSize
        }
        return importID
    }

    /// The two imports' totals and refusals (row, field and code) are the same.
    static func compare(
        _ store: any Store,
        _ whole: String,
        _ single: String,
        tag: String,
        _ recorder: inout StoreConformance.Recorder
    ) async throws {
        let counts = try await (
            store.importCheckpoint(importID: whole)?.counts, store.importCheckpoint(importID: single)?.counts
        )
        recorder.expect(counts.0 == counts.1, "\(tag): counts \(String(describing: counts))")
        recorder.expect((counts.0?.inserted ?? 0) > 0, "\(tag): the file inserted records")
        recorder.expect((counts.0?.rejected ?? 0) > 0, "\(tag): the file had refusals")
        let refusals = try await (
            store.importRejections(importID: whole).map { "\($0.row) \($0.field) \($0.code)" },
            store.importRejections(importID: single).map { "\($0.row) \($0.field) \($0.code)" }
        )
        recorder.expect(refusals.0 == refusals.1, "\(tag): refusals\n\(refusals.0)\n\(refusals.1)")
    }

    /// A cell's members as the file named them: card and citizen ID without the cell's
    /// letter, name and status, in card order.
    static func membersAsFiled(_ store: any Store, _ cell: String, letter: String) async throws -> [String] {
        try await store.listMembers(MemberQuery(cellID: cell)).records.map { member in
            let card = member.partyCardNumber.replacingOccurrences(of: letter, with: "_")
            let citizen = member.citizenId.replacingOccurrences(of: letter, with: "_")
            return "\(card) \(citizen) \(member.fullName) \(member.status) r\(member.meta?.revision ?? 0)"
        }.sorted()
    }

    /// A cell's meetings: date, kind, topic and each attendee's card and state, in date order.
    static func meetingsAsFiled(_ store: any Store, _ cell: String, letter: String) async throws -> [String] {
        let cards = Dictionary(
            try await store.listMembers(MemberQuery(cellID: cell)).records.map {
                ($0.id, $0.partyCardNumber.replacingOccurrences(of: letter, with: "_"))
            },
            uniquingKeysWith: { first, _ in first }
        )
        return try await store.listMeetings(MeetingQuery(cellID: cell)).records.map { meeting in
            let attendance = meeting.attendance.map { "\(cards[$0.memberId] ?? "?"):\($0.state)" }.sorted()
            let held = DateKeys.key(meeting.heldOn) ?? ""
            return "\(held) \(meeting.kind) \(meeting.topic) r\(meeting.meta?.revision ?? 0) \(attendance)"
        }.sorted()
    }
}
