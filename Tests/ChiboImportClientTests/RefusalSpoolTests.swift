import ChiboImport
import ChiboModel
import Foundation
import Testing

@testable import ChiboImportClient

/// The file check's refused rows of an upload: kept past the first thousand in a temporary file,
/// given back in row order, merged with the server's as they arrive.
@Suite struct RefusalSpoolTests {
    static func refusal(_ row: Int, _ note: String = "") -> Refusal {
        Refusal(
            row: row,
            column: row % 3 == 0 ? "Ngày sinh" : "",
            code: row % 2 == 0 ? "bad_date" : "missing_required",
            message: "hàng \(row): ngày 31/02/1980 không có\(note)"
        )
    }

    @Test func theRefusalsComeBackAsTheyWereAddedFromMemoryAndFromTheFile() {
        let spool = RefusalSpool()
        // Past the thousand kept in memory, with a message longer than a read's 64 KiB.
        let added = (1...2_500).map { Self.refusal($0, $0 == 1_700 ? String(repeating: "ơ", count: 40_000) : "") }
        for refusal in added { spool.add(refusal) }
        #expect(spool.count == 2_500)
        #expect(Array(spool.inOrder()) == added)
        // A message of 5 MiB (a huge cell quoted) is past the codec's default limit for peers.
        let huge = Refusal(
            row: 2_501,
            column: "Họ và tên",
            code: "too_long",
            message: String(repeating: "x", count: 5 << 20)
        )
        spool.add(huge)
        #expect(Array(spool.inOrder()).last == huge)
        // Read again, the same.
        #expect(Array(spool.inOrder()) == added + [huge])
    }

    @Test func refusalsAddedOutOfRowOrderComeBackSortedInTheOrderAddedOnARow() {
        let spool = RefusalSpool()
        var added = (1...1_200).map { Self.refusal($0) }
        added += [Self.refusal(700, " again"), Self.refusal(3), Self.refusal(700, " a third time")]
        for refusal in added { spool.add(refusal) }
        let expected = added.enumerated().sorted { ($0.element.row, $0.offset) < ($1.element.row, $1.offset) }
            .map(\.element)
        #expect(Array(spool.inOrder()) == expected)
    }

    @Test func anAddDuringAReadDoesNotDisturbIt() {
        let spool = RefusalSpool()
        for row in 1...1_500 { spool.add(Self.refusal(row)) }
        let reading = spool.inOrder()
        let firstHalf = (1...1_200).compactMap { _ in reading.next() }
        spool.add(Self.refusal(1_501))
        let rest = Array(reading)
        #expect(firstHalf + rest == (1...1_500).map { Self.refusal($0) })
        #expect(Array(spool.inOrder()).count == 1_501)
    }

    @Test func theMergeDrawsTheReadersRefusalsAsTheyAreDue() {
        let reader = [
            RowError(file: "f.csv", row: 2, column: "Ngày sinh", code: .badDate, message: "31/02"),
            RowError(file: "f.csv", row: 4, code: .missingRequired, message: "Họ và tên"),
            RowError(file: "f.csv", row: 9, code: .badDate, message: "00/00"),
        ]
        let server = [
            RowRejection(row: 3, field: "cell", code: "unknown_unit", message: "XX"),
            RowRejection(row: 4, field: "cell", code: "unknown_unit", message: "XX"),
            RowRejection(row: 4, field: "cell", code: "unknown_unit", message: "XX"),
            RowRejection(row: 7, field: "card", code: "duplicate_in_import", message: "040001"),
        ]
        let spool = RefusalSpool()
        for error in reader { spool.add(Refusal(error)) }
        var merge = RefusalMerge(reader: spool.inOrder())
        var merged: [Refusal] = []
        for rejection in server { merge.add(Refusal(rejection)) { merged.append($0) } }
        merge.finish { merged.append($0) }
        #expect(merged.map(\.row) == [2, 3, 4, 4, 7, 9])
        #expect(merged[2].code == "missing_required", "on a row, the reader's refusal comes first")
        #expect(merged == Refusal.merged(reader: reader, server: server))
    }

    /// A roster whose every row has a date that does not exist.
    static func badDates(_ count: Int) -> ImportReader? {
        var text = "Số thẻ đảng viên,Họ và tên,Ngày sinh,Chi bộ\n"
        for row in 1...count { text += "\(String(format: "%08d", row)),Lò Văn \(row),31/02/1980,MB-BO\n" }
        return try? ImportReader(
            source: .bytes(name: "roster.csv", Array(text.utf8)),
            options: ImportOptions(entity: .members)
        )
    }

    @Test func anUploadWhoseEveryRowIsRefusedSendsNoBatchAndKeepsEveryRow() async throws {
        let reader = try #require(Self.badDates(3_000))
        let tracker = UploadTracker()
        let header = ImportHeader(importId: "all-refused", entity: .members, onConflict: .update)
        var batches = 0
        for try await request in ImportRequests(reader: reader, header: header, batchSize: 500, tracker: tracker) {
            if case .batch? = request.message { batches += 1 }
        }
        #expect(batches == 0)
        #expect(tracker.readerErrorCount == 3_000)
        let refused = Array(tracker.readerRefusals())
        #expect(refused.map(\.row) == Array(2...3_001))
        #expect(refused.allSatisfy { $0.code == "bad_date" })
    }

    @Test func theErrorLimitStopsReadingInsideABatch() async throws {
        let reader = try #require(Self.badDates(3_000))
        let tracker = UploadTracker()
        let header = ImportHeader(importId: "limit", entity: .members, onConflict: .update)
        let requests = ImportRequests(
            reader: reader,
            header: header,
            batchSize: 500,
            tracker: tracker,
            stopOnReaderErrors: 10
        )
        for try await _ in requests {}
        #expect(tracker.readerErrorCount == 11)
        #expect(tracker.snapshot.rowsRead == 11)
        #expect(tracker.snapshot.stopRequested)
    }
}
