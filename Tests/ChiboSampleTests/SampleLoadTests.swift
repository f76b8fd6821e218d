import ChiboClient
import ChiboCodec
import ChiboModel
import ChiboRecords
import ChiboSample
import ChiboServer
import ChiboStoreSQLite
import ChiboTesting
import Foundation
import Logging
import Testing

/// Mường Bằng loaded into a real server on loopback through the client, then counted back.
@Suite struct SampleLoadTests {
    private static func withServer(_ body: @Sendable (ChiboClient) async throws -> Void) async throws {
        let folder = temporaryFolder("chibo-sample")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(path: folder.appendingPathComponent("chibo.sqlite").path)
        var registry = MethodRegistry()
        Records.register(into: &registry, store: store)
        let server = ChiboServer(
            configuration: ServerConfiguration(port: 0, storage: store.backendName),
            registry: registry,
            logger: TestServer.quietLogger
        )
        try await TestServer.run(server) { running in
            let client = ChiboClient(host: "127.0.0.1", port: running.port)
            try await body(client)
            await client.close()
        }
    }

    /// Every record of a list, following the pages.
    private static func all<Request: Sendable, Record: ProtoMessage>(
        _ client: ChiboClient,
        _ method: ChiboModel.Method,
        _ request: Request,
        page: WritableKeyPath<Request, PageRequest?>,
        as type: Record.Type
    ) async throws -> [Record] where Request: ProtoMessage {
        var request = request
        var records: [Record] = []
        while true {
            let stream = try await client.serverStream(method, request, as: Record.self)
            for try await record in stream { records.append(record) }
            let next = try stream.trailer(as: PageEnd.self)?.nextPageToken ?? ""
            if next.isEmpty { return records }
            request[keyPath: page] = PageRequest(pageSize: 1000, pageToken: next)
        }
    }

    @Test func muongBangLoadsOnceAndCountsBack() async throws {
        try await Self.withServer { client in
            let dataset = SampleDataset(kind: .muongBang)
            let (counts, _) = try dataset.summary()
            #expect(try await SampleLoader(client: client).isLoaded(dataset) == false)
            let first = try await SampleLoader(client: client, concurrency: 8).load(dataset)
            #expect(try await SampleLoader(client: client).isLoaded(dataset))
            #expect(first.loaded.orgUnits == 30)
            #expect(first.loaded.members == 316)
            #expect(first.loaded.meetings == counts.meetings)
            #expect(first.loaded.attendance == counts.attendance)
            #expect(first.loaded.supervisors == 26)
            #expect(first.loaded.ruleSets == 1)
            #expect(first.loaded.evaluations == counts.evaluations)
            #expect(first.skipped.isEmpty)

            // Loading again (as after an interruption) creates nothing twice.
            let again = try await SampleLoader(client: client, concurrency: 4).load(dataset)
            #expect(again.loaded == first.loaded)

            let units = try await Self.all(
                client,
                .orgUnitsList,
                ListOrgUnitsRequest(page: PageRequest(pageSize: 1000), subtreeOf: "sl"),
                page: \.page,
                as: OrgUnit.self
            )
            #expect(units.count == 30)
            #expect(units.filter { $0.kind == .cell }.count == 27)
            #expect(units.first { $0.id == "mb-bo" }?.supervisors.count == 1)
            let members = try await Self.all(
                client,
                .membersList,
                ListMembersRequest(page: PageRequest(pageSize: 1000), subtreeOf: "mb"),
                page: \.page,
                as: Member.self
            )
            #expect(members.count == 316)
            #expect(members.filter { $0.cellId == "mb-bo" }.count == 22)
            #expect(members.contains { $0.status == .workingAway })
            #expect(members.contains { $0.status == .probationary })
            #expect(members.contains { $0.status == .exempt })
            let meetings = try await Self.all(
                client,
                .meetingsList,
                ListMeetingsRequest(page: PageRequest(pageSize: 1000), subtreeOf: "mb"),
                page: \.page,
                as: Meeting.self
            )
            #expect(meetings.count == counts.meetings)
            #expect(meetings.reduce(0) { $0 + $1.attendance.count } == counts.attendance)
            let banBo = meetings.filter { $0.cellId == "mb-bo" && $0.kind == .regular }
            #expect(banBo.allSatisfy { $0.heldOn?.day == 3 })

            // The reports find what the dataset was built to show.
            let overview = try await client.unary(
                .reportsOverview,
                OverviewRequest(unitId: "mb", year: 2019),
                as: OverviewReport.self
            )
            #expect(overview.cells == 27)
            #expect(overview.members == 316)
            #expect((8900...9500).contains(overview.attendance?.rateBp ?? 0), "\(overview.attendance?.rateBp ?? 0)")
            #expect(overview.ruleSetId.contains("mb-rules-2019"))
            let anomalies = dataset.plan.communes[0].anomalies
            func flags(_ kind: FlagKind) -> Int { overview.flags.filter { $0.kind == kind }.count }
            #expect(flags(.missedRegularMeeting) == anomalies.missedRegular.count)
            #expect(flags(.missedThematicMeeting) == anomalies.missedThematic.count)
            #expect(flags(.offDayMeeting) == anomalies.offDay.count)
            #expect(flags(.excusedAbsencesInRow) >= 1)
            #expect(flags(.unexcusedAbsenceMonths) >= 1)
            let specials = dataset.plan.communes[0].specialMembers
            #expect(flags(.probationOverdue) == specials.filter { $0.role == .probationOverdue }.count)
            #expect(flags(.returnOverdue) == specials.filter { $0.role == .workingAwayOverdue }.count)
            #expect(flags(.resolutionOverdue) >= 1)
            // The cap on excellent members, read as "of those rated good", is broken once.
            #expect(flags(.gradingCapBroken) == 1)
            let grading = try #require(overview.grading.first)
            #expect(grading.cells.first { $0.grade == .excellent }?.count == 6)
        }
    }
}
