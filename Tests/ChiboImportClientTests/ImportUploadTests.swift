import ChiboCLI
import ChiboImport
import ChiboImportClient
import ChiboModel
import ChiboTesting
import Foundation
import Testing

/// A CSV roster read by ChiboImport and sent with ImportRequests: the reader's errors and the
/// server's refusals add up to the rows of the file.
@Suite struct ImportUploadTests {
    static let csv = """
        STT,Số thẻ đảng viên,Số CCCD,Họ và tên,Chi bộ
        1,040001,,Lò Văn Một,MB-BO
        2,040002,,Lò Thị Hai,MB-ANG
        3,040003,,Cầm Văn Ba,XX-NONE
        4,,,Không Có Số,MB-BO
        5,040005,,Hà Văn Năm,MB-BO

        """

    @Test func aRosterFileAddsUp() async throws {
        try await AccessHarness.with { harness in
            let client = harness.client(.admin)
            defer { Task { await client.close() } }
            let reader = try ImportReader(
                source: .bytes(name: "roster.csv", Array(Self.csv.utf8)),
                options: ImportOptions(entity: .members)
            )
            let header = ImportHeader(
                importId: UUID().uuidString.lowercased(),
                entity: .members,
                onConflict: .update
            )
            let tracker = UploadTracker()
            let requests = ImportRequests(reader: reader, header: header, batchSize: 2, tracker: tracker)
            let response = try await client.clientStream(.importRun, requests: requests, as: RunImportResponse.self)
            #expect(tracker.snapshot.lastBatchSent == 2)
            let errors = Int64(tracker.readerErrorCount)
            var counts = try #require(response.checkpoint?.counts)
            counts.read += errors
            counts.rejected += errors
            #expect(counts.read == 5)
            #expect(counts.read == counts.inserted + counts.updated + counts.skipped + counts.rejected)
            #expect(counts.inserted == 3)
            #expect(counts.rejected == 2)
            #expect(try await harness.store.member(partyCardNumber: "040005")?.fullName == "Hà Văn Năm")
        }
    }

    @Test func theToolWritesThePrivateRejectFileAndTheSummary() async throws {
        try await AccessHarness.with { harness in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chibo-import-\(UUID())")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let roster = folder.appendingPathComponent("roster.csv").path
            try Data(Self.csv.utf8).write(to: URL(fileURLWithPath: roster))
            let rejects = folder.appendingPathComponent("rejects.csv").path
            let summary = folder.appendingPathComponent("summary.json").path
            let base = [
                roster, "--entity", "members", "--server", "127.0.0.1:\(harness.port)", "--on-conflict", "update",
                "--summary-json", summary, "--reject-file", rejects,
            ]
            let token = [
                "CHIBO_TOKEN": harness.tokens[.admin] ?? "",
                "CHIBO_CONFIG": folder.appendingPathComponent("none.json").path,
            ]
            let quiet = Console(out: { _ in }, err: { _ in })
            // A dry run writes nothing to the server but reports the same numbers.
            let dry = await ImportCommand.run(arguments: base + ["--dry-run"], environment: token, console: quiet)
            #expect(dry == 1)
            #expect(try await harness.store.member(partyCardNumber: "040001") == nil)
            let code = await ImportCommand.run(arguments: base, environment: token, console: quiet)
            #expect(code == 1)
            #expect(try await harness.store.member(partyCardNumber: "040001") != nil)
            let mode = try FileManager.default.attributesOfItem(atPath: rejects)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            let lines = try String(contentsOfFile: rejects, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 3)
            #expect(lines.contains { $0.contains("unknown_unit") })
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: summary)))
            let object = try #require(json as? [String: Any])
            #expect(object["read"] as? Int == 5)
            #expect(object["inserted"] as? Int == 3)
            #expect(object["rejected"] as? Int == 2)
            let usage = await ImportCommand.run(arguments: [roster], environment: token, console: quiet)
            #expect(usage == 2)
        }
    }
}
