import ChiboCodec
import ChiboGRPC
import ChiboModel
import ChiboTesting
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Testing

/// Chibo's services over standard gRPC with a grpc-swift client over real loopback TCP: every
/// kind of call through the shared registry and gate, the standard error model, tokens,
/// deadlines.
@Suite struct GRPCCallTests {
    static let runImport = Call<RunImportRequest, RunImportResponse>("chibo.v1.Import", "Run")
    static let listMembers = Call<ListMembersRequest, Member>("chibo.v1.Members", "List")
    static let listUnits = Call<ListOrgUnitsRequest, OrgUnit>("chibo.v1.OrgUnits", "List")
    static let getMember = Call<GetMemberRequest, MemberResponse>("chibo.v1.Members", "Get")
    static let serverInfo = Call<ServerInfoRequest, ServerInfoResponse>("chibo.v1.ServerInfo", "Get")
    static let follow = Call<FollowChangesRequest, ChangeEvent>("chibo.v1.Changes", "Follow")

    /// An import of `rows` of `entity` as one batch.
    static func importing(_ entity: ImportEntityKind, _ rows: [ImportRow]) -> [RunImportRequest] {
        [
            RunImportRequest(
                message: .header(ImportHeader(importId: UUID().uuidString, entity: entity, onConflict: .skip))
            ),
            RunImportRequest(message: .batch(ImportBatch(batchNumber: 1, rows: rows))),
        ]
    }

    /// A commune "GR" with a cell "GR-1" holding three members, imported over gRPC.
    static func loadCell(_ client: GRPCClient<HTTP2ClientTransport.Posix>, token: String) async throws -> String {
        let auth = GRPCHarness.bearer(token)
        let units = try await runImport.clientStream(
            client,
            importing(
                .orgUnits,
                [
                    ImportRow(rowNumbers: [2], record: .orgUnit(OrgUnit(code: "GR", name: "Xã Gờ", kind: .commune))),
                    ImportRow(
                        rowNumbers: [3],
                        unitRef: "GR",
                        record: .orgUnit(OrgUnit(code: "GR-1", name: "Chi bộ Một", kind: .cell))
                    ),
                ]
            ),
            metadata: auth
        )
        #expect(units.checkpoint?.counts?.inserted == 2)
        let admitted = [StatusEvent(kind: .admitted, effectiveOn: CalendarDate(year: 2001, month: 2, day: 3))]
        let rows = ["Lò Văn Một", "Lò Thị Hai", "Cầm Văn Ba"].enumerated().map { index, name in
            ImportRow(
                rowNumbers: [Int32(index + 2)],
                unitRef: "GR-1",
                record: .member(
                    Member(partyCardNumber: "03000\(index)", fullName: name, gender: .male, events: admitted)
                )
            )
        }
        let members = try await runImport.clientStream(client, importing(.members, rows), metadata: auth)
        #expect(members.checkpoint?.counts?.inserted == 3)
        let (listed, _) = try await listUnits.serverStream(client, ListOrgUnitsRequest(), metadata: auth)
        return try #require(listed.first { $0.code == "GR-1" }).id
    }

    @Test func unaryServerStreamingAndClientStreamingCalls() async throws {
        try await GRPCHarness.with { harness in
            try await harness.client { client in
                let auth = GRPCHarness.bearer(harness.admin)
                let cell = try await Self.loadCell(client, token: harness.admin)
                let (first, trailer) = try await Self.listMembers.serverStream(
                    client,
                    ListMembersRequest(page: PageRequest(pageSize: 2), cellId: cell),
                    metadata: auth
                )
                #expect(first.count == 2)
                let next = try #require(trailer[stringValues: "chibo-next-page-token"].first { _ in true })
                #expect(!next.isEmpty)
                let pageEnd = try #require(trailer[binaryValues: "chibo-trailer-bin"].first { _ in true })
                let decoded = try PageEnd(serializedBytes: pageEnd)
                #expect(decoded.nextPageToken == next)
                let (rest, end) = try await Self.listMembers.serverStream(
                    client,
                    ListMembersRequest(page: PageRequest(pageSize: 2, pageToken: next), cellId: cell),
                    metadata: auth
                )
                #expect(Set((first + rest).map(\.fullName)) == ["Lò Văn Một", "Lò Thị Hai", "Cầm Văn Ba"])
                #expect(end[stringValues: "chibo-next-page-token"].first { _ in true } == "")
                let got = try await Self.getMember.unary(client, GetMemberRequest(id: first[0].id), metadata: auth)
                #expect(got.member?.fullName == first[0].fullName)
            }
        }
    }

    /// An import's refused rows over gRPC, a page at a time, the next page's token in the
    /// trailing metadata as for every list.
    @Test func anImportsRefusedRowsAreListedPageByPage() async throws {
        let listRejections = Call<ListImportRejectionsRequest, RowRejection>("chibo.v1.Import", "ListRejections")
        try await GRPCHarness.with { harness in
            try await harness.client { client in
                let auth = GRPCHarness.bearer(harness.admin)
                let rows = (0..<5).map { index in
                    ImportRow(
                        rowNumbers: [Int32(10 - index)],
                        unitRef: "NO-SUCH-CELL",
                        record: .member(Member(partyCardNumber: "05000\(index)", fullName: "Không Có \(index)"))
                    )
                }
                let batches = Self.importing(.members, rows)
                guard case .header(let header)? = batches.first?.message else { return }
                let response = try await Self.runImport.clientStream(client, batches, metadata: auth)
                #expect(response.checkpoint?.counts?.rejected == 5)
                var listed: [RowRejection] = []
                var token = ""
                var pages = 0
                repeat {
                    let (page, trailer) = try await listRejections.serverStream(
                        client,
                        ListImportRejectionsRequest(
                            importId: header.importId,
                            page: PageRequest(pageSize: 2, pageToken: token)
                        ),
                        metadata: auth
                    )
                    listed += page
                    token = trailer[stringValues: "chibo-next-page-token"].first { _ in true } ?? ""
                    pages += 1
                } while !token.isEmpty && pages < 10
                #expect(pages == 3)
                #expect(listed.map(\.row) == [6, 7, 8, 9, 10])
                #expect(listed.allSatisfy { $0.code == "unknown_unit" })
            }
        }
    }

    @Test func fieldViolationsTravelAsGoogleRPCBadRequest() async throws {
        try await GRPCHarness.with { harness in
            try await harness.client { client in
                let error = await #expect(throws: RPCError.self) {
                    _ = try await Self.getMember.unary(
                        client,
                        GetMemberRequest(),
                        metadata: GRPCHarness.bearer(harness.admin)
                    )
                }
                #expect(error?.code == .invalidArgument)
                #expect(error?.message.hasPrefix("id: required") == true, "\(String(describing: error))")
                let details = try #require(error?.metadata[binaryValues: "grpc-status-details-bin"].first { _ in true })
                let status = try GoogleRPCStatus(serializedBytes: details)
                #expect(status.code == 3)
                #expect(status.message == error?.message)
                let detail = try #require(status.details.first)
                #expect(detail.typeUrl == "type.googleapis.com/google.rpc.BadRequest")
                let badRequest = try GoogleRPCBadRequest(serializedBytes: detail.value)
                #expect(badRequest.fieldViolations.map(\.field) == ["id"])
            }
        }
    }

    @Test func tokensComeFromTheAuthorizationMetadata() async throws {
        try await GRPCHarness.with { harness in
            try await harness.client { client in
                for (metadata, what) in [
                    (Metadata(), "no token"),
                    (GRPCHarness.bearer("chibo_notAToken"), "a bad token"),
                    (["authorization": "Basic YWRtaW4="] as Metadata, "not a bearer token"),
                ] {
                    let error = await #expect(throws: RPCError.self, "\(what)") {
                        _ = try await Self.serverInfo.unary(client, ServerInfoRequest(), metadata: metadata)
                    }
                    #expect(error?.code == .unauthenticated, "\(what): \(String(describing: error))")
                }
                let info = try await Self.serverInfo.unary(
                    client,
                    ServerInfoRequest(),
                    metadata: GRPCHarness.bearer(harness.admin)
                )
                #expect(info.protocolVersion == 1)
                let refused = await #expect(throws: RPCError.self) {
                    _ = try await Self.runImport.clientStream(
                        client,
                        Self.importing(.members, []),
                        metadata: GRPCHarness.bearer(harness.viewer)
                    )
                }
                #expect(refused?.code == .permissionDenied, "\(String(describing: refused))")
            }
        }
    }

    @Test func theDeadlineEndsAFollowedChangeFeed() async throws {
        try await GRPCHarness.with { harness in
            try await harness.client { client in
                let error = await #expect(throws: RPCError.self) {
                    _ = try await Self.follow.serverStream(
                        client,
                        FollowChangesRequest(follow: true),
                        metadata: GRPCHarness.bearer(harness.admin),
                        timeout: .milliseconds(300)
                    )
                }
                #expect(error?.code == .deadlineExceeded, "\(String(describing: error))")
                let info = try await Self.serverInfo.unary(
                    client,
                    ServerInfoRequest(),
                    metadata: GRPCHarness.bearer(harness.admin)
                )
                #expect(info.protocolVersion == 1)
            }
        }
    }

    @Test func anAnonymousPeerSendingMoreThanItsLimitLosesItsConnection() async throws {
        try await GRPCHarness.with { harness in
            try await harness.client { client in
                let error = await #expect(throws: RPCError.self) {
                    _ = try await Self.getMember.unary(
                        client,
                        GetMemberRequest(id: String(repeating: "x", count: 200_000))
                    )
                }
                #expect(error?.code == .unavailable || error?.code == .unknown, "\(String(describing: error))")
            }
            try await harness.client { client in
                let health = Call<GRPCHealthV1HealthCheckRequest, GRPCHealthV1HealthCheckResponse>(
                    "grpc.health.v1.Health",
                    "Check"
                )
                let answer = try await health.unary(client, GRPCHealthV1HealthCheckRequest())
                #expect(answer.status == .serving)
            }
        }
    }

    @Test func tooManyCallsWithoutATokenOnOneConnectionCloseIt() async throws {
        let watch = Call<GRPCHealthV1HealthCheckRequest, GRPCHealthV1HealthCheckResponse>(
            "grpc.health.v1.Health",
            "Watch"
        )
        try await GRPCHarness.with { harness in
            try await harness.client { client in
                // Watches never end by themselves: only the connection's closing ends them.
                let ended = try await withBound("the watches to end") {
                    await withTaskGroup(of: Bool.self) { group in
                        for _ in 0..<20 {
                            group.addTask {
                                (try? await watch.serverStream(client, GRPCHealthV1HealthCheckRequest())) == nil
                            }
                        }
                        return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                    }
                }
                #expect(ended == 20)
            }
        }
    }
}
