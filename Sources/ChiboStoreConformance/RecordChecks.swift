import ChiboModel
import ChiboStore

/// A commune with one cell and three members, shared by the member and meeting checks.
enum Fixture {
    static func commune(_ store: any Store) async throws {
        let context = StoreConformance.context()
        _ = try await store.createOrgUnit(OrgUnit(id: "mb", name: "Xã Mường Bằng", kind: .commune), context: context)
        _ = try await store.createOrgUnit(
            OrgUnit(id: "bo", name: "Chi bộ bản Bó", kind: .cell, parentId: "mb"),
            context: context
        )
        let admitted = StatusEvent(kind: .admitted, effectiveOn: StoreConformance.day(2010, 1, 1))
        for (id, name) in [("m1", "Tòng Văn Hạnh"), ("m2", "Lò Thị An"), ("m3", "Đinh Văn Đào")] {
            _ = try await store.createMember(
                Member(id: id, fullName: name, cellId: "bo", events: [admitted]),
                context: context
            )
        }
    }
}

/// Members: derived status, transitions, search and order.
enum MemberChecks {
    typealias Check = StoreConformance.Check

    static let all: [Check] = [
        Check(name: "members: status from events, illegal transitions refused") { store, recorder in
            try await Fixture.commune(store)
            let member = try await store.addStatusEvent(
                memberID: "m1",
                revision: 1,
                event: StatusEvent(kind: .madeOfficial, effectiveOn: StoreConformance.day(2011, 1, 1)),
                context: StoreConformance.context()
            )
            recorder.expect(member.status == .official, "made official")
            await recorder.expectStoreError(
                "a return without leaving",
                {
                    if case .failedPrecondition = $0 { true } else { false }
                }
            ) {
                _ = try await store.addStatusEvent(
                    memberID: "m1",
                    revision: 2,
                    event: StatusEvent(kind: .returned, effectiveOn: StoreConformance.day(2012, 1, 1)),
                    context: StoreConformance.context()
                )
            }
        },
        Check(name: "members: diacritic-insensitive search, Vietnamese order") { store, recorder in
            try await Fixture.commune(store)
            let all = try await store.listMembers(MemberQuery(cellID: "bo"))
            recorder.expect(
                all.records.map(\.fullName) == ["Lò Thị An", "Đinh Văn Đào", "Tòng Văn Hạnh"],
                "sorted by given name: \(all.records.map(\.fullName))"
            )
            let found = try await store.listMembers(MemberQuery(nameQuery: "dinh van dao"))
            recorder.expect(found.records.map(\.id) == ["m3"], "đ folds to d")
        },
    ]
}

/// Meetings: expected attendance, partial logbooks, revisions, voiding.
enum MeetingChecks {
    typealias Check = StoreConformance.Check

    static let all: [Check] = [
        Check(name: "meetings: attendance names exactly the members of the day") { store, recorder in
            try await Fixture.commune(store)
            let meeting = Meeting(
                cellId: "bo",
                heldOn: StoreConformance.day(2020, 5, 3),
                kind: .regular,
                attendance: [AttendanceRecord(memberId: "m1", state: .present)]
            )
            await recorder.expectStoreError(
                "missing members",
                {
                    if case .invalidRecord(let violations) = $0 { violations.count == 2 } else { false }
                }
            ) {
                _ = try await store.recordMeeting(
                    meeting,
                    partialAttendance: false,
                    context: StoreConformance.context()
                )
            }
            let partial = try await store.recordMeeting(
                meeting,
                partialAttendance: true,
                context: StoreConformance.context()
            )
            recorder.expect(
                partial.attendance.filter { $0.state == .notRecorded }.count == 2,
                "the missing are not recorded"
            )
            recorder.expect(partial.attendance.allSatisfy { $0.category == .probationary }, "categories from status")
        },
        Check(name: "meetings: amendments keep revisions; voided meetings leave lists") { store, recorder in
            try await Fixture.commune(store)
            let meeting = try await store.recordMeeting(
                Meeting(
                    cellId: "bo",
                    heldOn: StoreConformance.day(2020, 5, 3),
                    kind: .regular,
                    attendance: ["m1", "m2", "m3"].map { AttendanceRecord(memberId: $0, state: .present) },
                    minutes: "một"
                ),
                partialAttendance: false,
                context: StoreConformance.context()
            )
            let amended = try await store.amendMeeting(
                Meeting(id: meeting.id, minutes: "hai", meta: meeting.meta),
                mask: ["minutes"],
                context: StoreConformance.context()
            )
            recorder.expect(amended.meta?.revision == 2, "revision 2")
            recorder.expect(
                try await store.meeting(id: meeting.id, revision: 1) == meeting,
                "revision 1 stays readable"
            )
            _ = try await store.voidMeeting(
                id: meeting.id,
                revision: 2,
                reason: "ghi nhầm",
                context: StoreConformance.context()
            )
            recorder.expect(try await store.listMeetings(MeetingQuery()).records.isEmpty, "voided meetings leave lists")
            recorder.expect(
                try await store.meeting(id: meeting.id, revision: nil)?.meta?.voided == true,
                "and stay readable"
            )
        },
    ]
}

/// The change feed: complete, ordered, resumable.
enum ChangeFeedChecks {
    typealias Check = StoreConformance.Check

    static let all: [Check] = [
        Check(name: "change feed: every change in order, resumable from a cursor") { store, recorder in
            try await Fixture.commune(store)
            let changes = try await store.changes(after: 0, limit: 100)
            recorder.expect(changes.count == 5, "2 units and 3 members, got \(changes.count)")
            recorder.expect(zip(changes, changes.dropFirst()).allSatisfy { $0.seq < $1.seq }, "cursors increase")
            let rest = try await store.changes(after: changes[1].seq, limit: 100)
            recorder.expect(rest.map(\.seq) == changes.dropFirst(2).map(\.seq), "resumes after the cursor")
        }
    ]
}
