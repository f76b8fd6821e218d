import ChiboClient
import ChiboModel
import ChiboTesting
import Foundation
import Synchronization
import Testing

/// Two `chibo-server` processes on one PostgreSQL database (the server `tools/test` starts): a
/// roster imported through one while a cell's meetings are recorded through the other, and every
/// count checked through both.
@Suite(.enabled(if: TestPostgres.isAvailable, "needs the PostgreSQL server tools/test starts"))
struct TwoServersTests {

    @Test func importThroughOneServerWhileRecordingMeetingsThroughTheOther() async throws {
        let url = try #require(
            TestPostgres.environment["CHIBO_TEST_POSTGRES_URL"],
            "CHIBO_TEST_POSTGRES_URL is not set"
        )
        let passwordFile = try #require(TestPostgres.environment["CHIBO_TEST_POSTGRES_PASSWORD_FILE"])
        let password = try String(contentsOfFile: passwordFile, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let database = url + "?schema=two_servers_" + UUID().uuidString.prefix(8).lowercased()
        // The servers read the password from PGPASSWORD, as an operator's would.
        let serverEnvironment = ["PGPASSWORD": password]
        // Every server on the database authenticates the audit log with the same key file.
        let auditKey = temporaryFolder().appendingPathComponent("audit-key").path
        let importing = try ImportServer(database: database, serverEnvironment: serverEnvironment, auditKey: auditKey)
        defer { importing.stop() }
        let recording = try ImportServer(
            database: database,
            serverEnvironment: serverEnvironment,
            token: importing.token,
            auditKey: auditKey
        )
        defer { recording.stop() }
        let cellID = try #require(importing.unitIDs["MB-PH"])

        // Eight members of bản Phiêng, through the recording server.
        let client = recording.client()
        let admitted = StatusEvent(kind: .admitted, effectiveOn: day(2010, 3, 1))
        let official = StatusEvent(kind: .madeOfficial, effectiveOn: day(2011, 3, 1))
        var phieng: [String] = []
        for index in 1...8 {
            let member = try await client.unary(
                .membersCreate,
                CreateMemberRequest(
                    member: Member(
                        partyCardNumber: "PH-\(index)",
                        fullName: "Lường Văn Phiêng \(index)",
                        cellId: cellID,
                        events: [admitted, official]
                    )
                ),
                as: MemberResponse.self
            )
            phieng.append(try #require(member.member?.id))
        }

        // A follower of the change feed on the recording server: it must see the members the
        // other server imports.
        let seen = Mutex<[String: Int]>([:])
        let follower = Task {
            let feed = recording.client()
            defer { Task { await feed.close() } }
            for try await change in try await feed.serverStream(
                .changesFollow,
                FollowChangesRequest(after: 0, follow: true),
                as: ChangeEvent.self
            ) {
                seen.withLock { $0["\(change.entity) \(change.change)", default: 0] += 1 }
            }
        }
        defer { follower.cancel() }

        // 6,000 members into bản Bó through the importing server, in the background, from a
        // roster that arrives in two halves: the import cannot end before the second half is
        // written, so the meetings below run beside it on any machine, fast or slow.
        let rows = 6_000
        let roster = try RosterPipe()
        defer { roster.finish() }
        let summary = temporaryFolder().appendingPathComponent("summary.json").path
        let importID = UUID().uuidString.lowercased()
        let importRun = ImportRun {
            try await Executables.offThePool {
                try importing.chiboImport([
                    roster.path, "--entity", "members", "--import-id", importID, "--summary-json", summary,
                    "--batch-size", "250",
                ])
            }
        }
        try await roster.open(readerEnded: { importRun.isFinished })
        try await roster.write(rows: 1...(rows / 2), header: true)
        // The import's checkpoint is visible through the other server once its first batch commits.
        var started: ImportCheckpoint?
        try await waitUntil("the import's checkpoint through the other server", bound: .seconds(120)) {
            started = try await recording.status(importID)
            return started != nil || importRun.isFinished
        }
        #expect(started != nil, "the import's checkpoint never showed through the other server")
        #expect(!importRun.isFinished, "chibo-import ended with half its roster unread")

        // Two years of monthly meetings of bản Phiêng through the recording server, while the
        // import waits for the rest of its roster: one member excused in turn, the others present.
        for month in 0..<24 {
            let excused = phieng[month % phieng.count]
            let meeting = Meeting(
                cellId: cellID,
                heldOn: day(2019 + Int32(month / 12), Int32(month % 12) + 1, 5),
                startMinute: 1140,
                endMinute: 1260,
                kind: .regular,
                attendance: phieng.map {
                    AttendanceRecord(
                        memberId: $0,
                        state: $0 == excused ? .absentExcused : .present,
                        reason: $0 == excused ? "ốm" : ""
                    )
                }
            )
            _ = try await client.unary(
                .meetingsRecord,
                RecordMeetingRequest(meeting: meeting),
                as: MeetingResponse.self
            )
        }
        // The import's stream stayed open and its progress showed through both servers meanwhile.
        #expect(!importRun.isFinished, "chibo-import ended while the meetings were recorded")
        for server in [importing, recording] {
            let read = try await server.status(importID)?.counts?.read ?? 0
            #expect(read > 0 && read <= Int64(rows / 2), "\(read) rows read of the first \(rows / 2)")
        }

        try await roster.write(rows: (rows / 2 + 1)...rows)
        roster.finish()
        let result = try await importRun.task.value
        #expect(result.status == 0, "\(result.stderr)")
        let counts = try jsonObject(summary)
        #expect(counts["inserted"] as? Int == rows, "\(counts)")
        #expect(counts["rejected"] as? Int == 0, "\(counts)")

        // Every count, through both servers.
        for server in [importing, recording] {
            let reader = server.client()
            var members = 0
            var inBo = 0
            var token = ""
            repeat {
                let stream = try await reader.serverStream(
                    .membersList,
                    ListMembersRequest(page: PageRequest(pageSize: 1000, pageToken: token)),
                    as: Member.self
                )
                for try await member in stream {
                    members += 1
                    if member.cellId == importing.unitIDs["MB-BO"] { inBo += 1 }
                }
                token = try stream.trailer(as: PageEnd.self)?.nextPageToken ?? ""
            } while !token.isEmpty
            #expect(members == rows + phieng.count)
            #expect(inBo == rows)
            var meetings: [Meeting] = []
            for try await meeting in try await reader.serverStream(
                .meetingsList,
                ListMeetingsRequest(page: PageRequest(pageSize: 1000), cellId: cellID),
                as: Meeting.self
            ) {
                meetings.append(meeting)
            }
            #expect(meetings.count == 24)
            #expect(meetings.allSatisfy { $0.attendance.filter { $0.state == .present }.count == 7 })
            #expect(meetings.allSatisfy { $0.attendance.filter { $0.state == .absentExcused }.count == 1 })
            let checkpoint = try await server.status(importID)
            #expect(checkpoint?.counts?.inserted == Int64(rows))
            #expect(checkpoint?.counts?.read == Int64(rows))
            await reader.close()
        }

        // The follower on the recording server saw every member the other server imported.
        let expected = rows + phieng.count
        try? await waitUntil("the follower to see every member", every: .milliseconds(50)) {
            seen.withLock { $0["member create", default: 0] } >= expected
        }
        let feed = seen.withLock { $0 }
        #expect(feed["member create"] == expected, "\(feed)")
        #expect(feed["meeting record"] == 24, "\(feed)")
        await client.close()
    }

    @Test func aRequestIDIsBoundToItsRequestThroughEitherServer() async throws {
        let url = try #require(
            TestPostgres.environment["CHIBO_TEST_POSTGRES_URL"],
            "CHIBO_TEST_POSTGRES_URL is not set"
        )
        let passwordFile = try #require(TestPostgres.environment["CHIBO_TEST_POSTGRES_PASSWORD_FILE"])
        let password = try String(contentsOfFile: passwordFile, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let database = url + "?schema=request_ids_" + UUID().uuidString.prefix(8).lowercased()
        let serverEnvironment = ["PGPASSWORD": password]
        // Every server on a PostgreSQL database is given the same audit key file.
        let auditKey = temporaryFolder().appendingPathComponent("audit-key").path
        let left = try ImportServer(database: database, serverEnvironment: serverEnvironment, auditKey: auditKey)
        defer { left.stop() }
        let right = try ImportServer(
            database: database,
            serverEnvironment: serverEnvironment,
            token: left.token,
            auditKey: auditKey
        )
        defer { right.stop() }
        let commune = try #require(left.unitIDs["MB"])
        func create(_ server: ImportServer, _ name: String) async throws -> OrgUnit? {
            let client = server.client()
            defer { Task { await client.close() } }
            return try await client.unary(
                .orgUnitsCreate,
                CreateOrgUnitRequest(
                    options: MutationOptions(requestId: "new-cell-1"),
                    unit: OrgUnit(name: name, kind: .cell, parentId: commune)
                ),
                as: OrgUnitResponse.self
            ).unit
        }
        let first = try await create(left, "Chi bộ bản Na")
        // The client lost the answer and retries through the other server: the first outcome.
        #expect(try await create(right, "Chi bộ bản Na") == first)
        // Another request under the same id, through either server, is refused.
        for server in [left, right] {
            do {
                _ = try await create(server, "Chi bộ bản Mòn")
                Issue.record("another request under a used request id must be refused")
            } catch let error as ClientError {
                #expect(error.code == .failedPrecondition)
                #expect(error.message.contains("request id new-cell-1"), "\(error.message)")
            }
        }
    }
}

/// The PostgreSQL server the test command started, if any. `tools/test` always starts one and
/// sets `CHIBO_REQUIRE_POSTGRES`, so there a missing server fails the test instead of skipping it.
enum TestPostgres {
    static let environment = ProcessInfo.processInfo.environment

    static var isAvailable: Bool {
        environment["CHIBO_TEST_POSTGRES_URL"] != nil || environment["CHIBO_REQUIRE_POSTGRES"] != nil
    }
}

/// A background run of `chibo-import` that can tell whether it has ended.
final class ImportRun: Sendable {
    /// Whether the run has ended.
    final class Ended: Sendable {
        let value = Mutex(false)
    }

    let task: Task<RunResult, any Error>
    private let ended = Ended()

    init(_ body: @escaping @Sendable () async throws -> RunResult) {
        let ended = self.ended
        task = Task {
            defer { ended.value.withLock { $0 = true } }
            return try await body()
        }
    }

    var isFinished: Bool { ended.value.withLock { $0 } }
}
