import ChiboImport
import ChiboImportClient
import ChiboModel
import Foundation
import Testing

/// A CSV roster read by ChiboImport and sent with ImportUpload: the reader's errors and the
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
            let (batches, errors) = try ImportUpload.batches(from: reader, batchSize: 2)
            #expect(batches.map(\.batchNumber) == Array(1...Int64(batches.count)))
            let header = ImportHeader(
                importId: UUID().uuidString.lowercased(),
                entity: .members,
                onConflict: .update
            )
            let outcome = try await ImportUpload.send(
                header: header,
                batches: batches,
                readerErrors: errors,
                client: client
            )
            let counts = outcome.counts
            #expect(counts.read == 5)
            #expect(counts.read == counts.inserted + counts.updated + counts.skipped + counts.rejected)
            #expect(counts.inserted == 3)
            #expect(counts.rejected == 2)
            #expect(try await harness.store.member(partyCardNumber: "040005")?.fullName == "Hà Văn Năm")
        }
    }
}
