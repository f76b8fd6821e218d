import ChiboClient
import ChiboModel
import ChiboRecords
import ChiboSample
import ChiboServer
import ChiboStoreSQLite
import Foundation
import Logging
import Testing

/// Mường Bằng loaded into a real server on loopback through the client, then counted back.
@Suite struct SampleLoadTests {
    private static func withServer(_ body: @Sendable (ChiboClient) async throws -> Void) async throws {
        var logger = Logger(label: "chibo.test")
        logger.logLevel = .critical
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chibo-sample-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(path: folder.appendingPathComponent("chibo.sqlite").path)
        var registry = MethodRegistry()
        Records.register(into: &registry, store: store)
        let server = ChiboServer(
            configuration: ServerConfiguration(port: 0, storage: store.backendName),
            registry: registry,
            logger: logger
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            let client = ChiboClient(host: "127.0.0.1", port: try await server.listeningAddress.port!)
            try await body(client)
            await client.close()
            group.cancelAll()
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
            let first = try await SampleLoader(client: client, concurrency: 8).load(dataset)
            #expect(first.loaded.orgUnits == 30)
            #expect(first.loaded.members == 316)
            #expect(first.loaded.meetings == counts.meetings)
            #expect(first.loaded.attendance == counts.attendance)
            #expect(first.loaded.supervisors == 26)
            // Rules and evaluations load where the server has them; a server without them says so.
            #expect(first.loaded.ruleSets + (first.skipped["rule_set"] ?? 0) == 1)
            #expect(first.loaded.evaluations + (first.skipped["evaluation"] ?? 0) == counts.evaluations)

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
        }
    }
}
