import ChiboAccess
import ChiboClient
import ChiboModel
import ChiboStore
import ChiboTesting
import Foundation
import Testing

/// Import.Run and Import.Status over TCP against a real SQLite file (the access harness's tree:
/// cells MB-BO and MB-ANG under the officer's commune, CM-NA outside it).
@Suite struct ImportServiceTests {
    static let admitted = [StatusEvent(kind: .admitted, effectiveOn: CalendarDate(year: 2001, month: 2, day: 3))]

    /// A roster row: a member of `cell` with card `card`, citizen ID `citizen`.
    static func row(_ number: Int32, _ cell: String, card: String, citizen: String = "", name: String) -> ImportRow {
        ImportRow(
            rowNumbers: [number],
            unitRef: cell,
            record: .member(
                Member(partyCardNumber: card, citizenId: citizen, fullName: name, gender: .male, events: admitted)
            )
        )
    }

    /// A roster of six members in two cells, rows 2 to 7.
    static let roster: [ImportRow] = [
        row(2, "MB-BO", card: "030001", citizen: "014090000001", name: "Lò Văn Một"),
        row(3, "MB-BO", card: "030002", name: "Lò Thị Hai"),
        row(4, "MB-BO", card: "", citizen: "014090000003", name: "Cầm Văn Ba"),
        row(5, "MB-ANG", card: "030004", name: "Hà Văn Bốn"),
        row(6, "MB-ANG", card: "030005", name: "Hà Thị Năm"),
        row(7, "MB-ANG", card: "030006", name: "Quàng Văn Sáu"),
    ]

    static func run(
        _ client: ChiboClient,
        id: String,
        policy: ImportConflictPolicy,
        dryRun: Bool = false,
        batches: [(Int64, [ImportRow])]
    ) async throws -> RunImportResponse {
        var messages = [
            RunImportRequest(
                message: .header(ImportHeader(importId: id, entity: .members, onConflict: policy, dryRun: dryRun))
            )
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

    static func members(_ store: any Store) async throws -> [Member] {
        try await store.listMembers(MemberQuery(pageSize: 1_000)).records
    }

    static func addsUp(_ counts: ImportCounts?) -> Bool {
        guard let counts else { return false }
        return counts.read == counts.inserted + counts.updated + counts.skipped + counts.rejected
    }

    static func newID() -> String { UUID().uuidString.lowercased() }

    @Test func rosterImportedThenReimportedWithUpdateAndSkip() async throws {
        try await AccessHarness.with { harness in
            let client = harness.client(.admin)
            defer { Task { await client.close() } }
            let before = try await Self.members(harness.store).count
            let first = try await Self.run(
                client,
                id: Self.newID(),
                policy: .update,
                batches: [(1, Array(Self.roster[0..<3])), (2, Array(Self.roster[3...]))]
            )
            #expect(first.checkpoint?.counts == ImportCounts(read: 6, inserted: 6))
            #expect(first.checkpoint?.lastBatch == 2)
            #expect(first.rejections.isEmpty)
            #expect(try await Self.members(harness.store).count == before + 6)

            // The same roster with one name corrected: one update, the rest unchanged.
            var corrected = Self.roster
            corrected[1] = Self.row(3, "MB-BO", card: "030002", name: "Lò Thị Hai Hương")
            let update = try await Self.run(client, id: Self.newID(), policy: .update, batches: [(1, corrected)])
            #expect(update.checkpoint?.counts == ImportCounts(read: 6, updated: 1, skipped: 5))
            let renamed = try await harness.store.member(partyCardNumber: "030002")
            #expect(renamed?.fullName == "Lò Thị Hai Hương")
            #expect(renamed?.meta?.revision == 2)

            // With skip, even the changed row is left alone.
            let skip = try await Self.run(client, id: Self.newID(), policy: .skip, batches: [(1, Self.roster)])
            #expect(skip.checkpoint?.counts == ImportCounts(read: 6, skipped: 6))
            #expect(try await harness.store.member(partyCardNumber: "030002")?.fullName == "Lò Thị Hai Hương")

            // With fail, each matching row is refused, with its row number.
            let fail = try await Self.run(client, id: Self.newID(), policy: .fail, batches: [(1, Self.roster)])
            #expect(fail.checkpoint?.counts == ImportCounts(read: 6, rejected: 6))
            #expect(fail.rejections.map(\.row) == [2, 3, 4, 5, 6, 7])
            #expect(fail.rejections.allSatisfy { $0.code == "already_exists" })

            let after = try await Self.members(harness.store)
            #expect(after.count == before + 6)
            let cards = after.map(\.partyCardNumber).filter { !$0.isEmpty }
            #expect(Set(cards).count == cards.count)
            #expect(after.filter { $0.citizenId == "014090000003" }.count == 1)
        }
    }

    @Test func ambiguousAndInvalidRowsAreRefusedNotGuessed() async throws {
        try await AccessHarness.with { harness in
            let client = harness.client(.admin)
            defer { Task { await client.close() } }
            _ = try await Self.run(client, id: Self.newID(), policy: .update, batches: [(1, Self.roster)])
            let before = try await Self.members(harness.store)
            let rows = [
                // Card of one member (030001), citizen ID of another (row 4's member).
                Self.row(10, "MB-BO", card: "030001", citizen: "014090000003", name: "Lò Văn Một"),
                // A new card with the citizen ID of the member holding 030001.
                Self.row(11, "MB-BO", card: "039999", citizen: "014090000001", name: "Lò Văn Một"),
                Self.row(12, "XX-NONE", card: "039998", name: "Không Có Chi Bộ"),
                Self.row(13, "MB-BO", card: "", name: "Không Có Số"),
                Self.row(14, "MB-BO", card: "039997", citizen: "123", name: "Sai Căn Cước"),
                Self.row(15, "MB-BO", card: "039996", name: "Người Mới"),
            ]
            let response = try await Self.run(client, id: Self.newID(), policy: .update, batches: [(1, rows)])
            #expect(response.checkpoint?.counts == ImportCounts(read: 6, inserted: 1, rejected: 5))
            #expect(Self.addsUp(response.checkpoint?.counts))
            let codes = Dictionary(uniqueKeysWithValues: response.rejections.map { ($0.row, $0.code) })
            #expect(
                codes == [
                    10: "ambiguous_match", 11: "ambiguous_match", 12: "unknown_unit", 13: "missing_key", 14: "invalid",
                ]
            )
            #expect(response.rejections.first { $0.row == 14 }?.field == "citizen_id")
            let after = try await Self.members(harness.store)
            #expect(after.count == before.count + 1)
            #expect(try await harness.store.member(partyCardNumber: "030001")?.citizenId == "014090000001")
        }
    }

    @Test func resumedImportSkipsCommittedBatches() async throws {
        try await AccessHarness.with { harness in
            let client = harness.client(.admin)
            defer { Task { await client.close() } }
            let id = Self.newID()
            let before = try await Self.members(harness.store).count
            // The first run commits batches 1 and 2, then the client stops.
            let first = try await Self.run(
                client,
                id: id,
                policy: .fail,
                batches: [(1, Array(Self.roster[0..<2])), (2, Array(Self.roster[2..<4]))]
            )
            #expect(first.checkpoint?.lastBatch == 2)
            let status = try await client.unary(
                .importStatus,
                GetImportStatusRequest(importId: id),
                as: ImportCheckpoint.self
            )
            #expect(status.lastBatch == 2)
            #expect(status.counts == ImportCounts(read: 4, inserted: 4))
            #expect(status.actor == "admin")
            // The rerun sends everything again: batches 1 and 2 change nothing (with fail, a
            // second application would have refused every row).
            let rerun = try await Self.run(
                client,
                id: id,
                policy: .fail,
                batches: [
                    (1, Array(Self.roster[0..<2])), (2, Array(Self.roster[2..<4])), (3, Array(Self.roster[4...])),
                ]
            )
            #expect(rerun.skippedBatches == [1, 2])
            #expect(rerun.rejections.isEmpty)
            #expect(rerun.checkpoint?.lastBatch == 3)
            #expect(rerun.checkpoint?.counts == ImportCounts(read: 6, inserted: 6))
            #expect(try await Self.members(harness.store).count == before + 6)
        }
    }

    @Test func dryRunWritesNothing() async throws {
        try await AccessHarness.with { harness in
            let client = harness.client(.admin)
            defer { Task { await client.close() } }
            let id = Self.newID()
            let before = try await Self.members(harness.store).count
            let changesBefore = try await harness.store.changes(after: 0, limit: 10_000).count
            var rows = Self.roster
            rows.append(Self.row(8, "XX-NONE", card: "030007", name: "Không Có Chi Bộ"))
            let response = try await Self.run(client, id: id, policy: .update, dryRun: true, batches: [(1, rows)])
            #expect(response.dryRun)
            #expect(response.checkpoint?.counts == ImportCounts(read: 7, inserted: 6, rejected: 1))
            #expect(response.rejections.map(\.code) == ["unknown_unit"])
            #expect(try await Self.members(harness.store).count == before)
            #expect(try await harness.store.changes(after: 0, limit: 10_000).count == changesBefore)
            #expect(try await harness.store.importCheckpoint(importID: id) == nil)
        }
    }

    @Test func officerRowsOutsideScopeAreRefusedRows() async throws {
        try await AccessHarness.with { harness in
            let officer = harness.client(.officer)
            defer { Task { await officer.close() } }
            let rows = [
                Self.row(2, "MB-BO", card: "030001", name: "Lò Văn Một"),
                Self.row(3, "CM-NA", card: "030002", name: "Lò Thị Hai"),
                // n1's card (a member of CM-NA) under a cell in scope: not the officer's member.
                Self.row(4, "MB-BO", card: "020001", name: "Lường Văn Nam"),
            ]
            let response = try await Self.run(officer, id: Self.newID(), policy: .update, batches: [(1, rows)])
            #expect(response.checkpoint?.counts == ImportCounts(read: 3, inserted: 1, rejected: 2))
            #expect(response.rejections.map(\.row) == [3, 4])
            #expect(response.rejections.allSatisfy { $0.code == "out_of_scope" })
            #expect(try await harness.store.member(partyCardNumber: "020001")?.fullName == "Lường Văn Nam")
            #expect(try await harness.store.member(partyCardNumber: "030002") == nil)

            let viewer = harness.client(.viewer)
            defer { Task { await viewer.close() } }
            let refused = await Outcome.of {
                _ = try await Self.run(viewer, id: Self.newID(), policy: .update, batches: [(1, rows)])
            }
            #expect(refused == .refused(.permissionDenied))
        }
    }

    /// Every page of Import.ListRejections for `id`, with the page size asked for.
    static func rejections(_ client: ChiboClient, id: String, pageSize: Int32) async throws -> ([RowRejection], Int) {
        var all: [RowRejection] = []
        var token = ""
        var pages = 0
        repeat {
            let request = ListImportRejectionsRequest(
                importId: id,
                page: PageRequest(pageSize: pageSize, pageToken: token)
            )
            let stream = try await client.serverStream(.importListRejections, request, as: RowRejection.self)
            for try await rejection in stream { all.append(rejection) }
            token = try stream.trailer(as: PageEnd.self)?.nextPageToken ?? ""
            pages += 1
        } while !token.isEmpty
        return (all, pages)
    }

    @Test func everyRefusedRowIsListedPageByPageToTheImportsOwner() async throws {
        try await AccessHarness.with { harness in
            let officer = harness.client(.officer)
            defer { Task { await officer.close() } }
            // 250 rows naming a cell outside the officer's commune, and one good row, over three
            // batches; the rows of a batch are refused in file order.
            let refused = (0..<250).map { index in
                Self.row(
                    Int32(1_000 - index * 3),
                    "CM-NA",
                    card: "04\(String(format: "%04d", index))",
                    name: "Ngoài \(index)"
                )
            }
            let good = Self.row(2, "MB-BO", card: "030001", name: "Lò Văn Một")
            let id = Self.newID()
            let response = try await Self.run(
                officer,
                id: id,
                policy: .update,
                batches: [(1, Array(refused[0..<100])), (2, Array(refused[100..<250]) + [good]), (3, [])]
            )
            #expect(response.checkpoint?.counts?.rejected == 250)
            let (listed, pages) = try await Self.rejections(officer, id: id, pageSize: 100)
            #expect(pages == 3)
            #expect(listed.count == 250)
            #expect(listed.map(\.row) == refused.map { $0.rowNumbers[0] }.sorted())
            #expect(listed.allSatisfy { $0.code == "out_of_scope" })
            let (whole, onePage) = try await Self.rejections(officer, id: id, pageSize: 1_000)
            #expect(onePage == 1)
            #expect(whole == listed)

            // A role that may not import may not read them either (another officer's token
            // is answered NOT_FOUND: ScopeReachTests); an admin may.
            let secretary = harness.client(.secretary)
            defer { Task { await secretary.close() } }
            let other = await Outcome.of { _ = try await Self.rejections(secretary, id: id, pageSize: 10) }
            #expect(other == .refused(.permissionDenied))
            let admin = harness.client(.admin)
            defer { Task { await admin.close() } }
            #expect(try await Self.rejections(admin, id: id, pageSize: 1_000).0.count == 250)

            // A token that is not this list's is named; so is a page too large.
            for (page, field) in [
                (PageRequest(pageToken: "bm90IGEgdG9rZW4="), "page.page_token"),
                (PageRequest(pageToken: PageToken.make(sortKey: "x", id: "y")), "page.page_token"),
                (PageRequest(pageSize: 5_000), "page.page_size"),
            ] {
                do {
                    let stream = try await officer.serverStream(
                        .importListRejections,
                        ListImportRejectionsRequest(importId: id, page: page),
                        as: RowRejection.self
                    )
                    for try await _ in stream {}
                    Issue.record("\(page) was accepted")
                } catch let error as ClientError {
                    #expect(error.code == .invalidArgument)
                    #expect(error.violations.map(\.field) == [field], "\(error)")
                }
            }
        }
    }
}
