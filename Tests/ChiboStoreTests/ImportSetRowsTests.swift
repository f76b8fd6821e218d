import ChiboModel
import ChiboStore
import ChiboStoreSQL
import Foundation
import NIOCore
import Testing

@testable import ChiboStorePostgres

/// An import batch's new rows written as a set: PostgreSQL's `COPY` text format, and text the
/// format gives meaning to stored and read back unchanged on both backends.
@Suite struct ImportSetRowsTests {
    @Test func theCopyTextFormatEscapesWhatItMustAndHexEncodesBytes() {
        let buffer = CopyText.encode(
            [
                .integer(-7), .text("a\tb\nc\\d\re"), .null, .blob(Data([0x00, 0xAB, 0x5C])), .text("Lò Văn"),
                .integer(0),
            ],
            columns: 3
        )
        #expect(String(buffer: buffer) == "-7\ta\\tb\\nc\\\\d\\re\t\\N\n\\\\x00ab5c\tLò Văn\t0\n")
    }

    @Test func everyByteValueIsWrittenAsTwoLowercaseHexDigits() {
        let bytes = Data((0...255).map { UInt8($0) } + (0...255).reversed().map { UInt8($0) })
        let buffer = CopyText.encode([.blob(bytes), .blob(Data()), .text("plain text, no escapes")], columns: 3)
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        #expect(String(buffer: buffer) == "\\\\x\(hex)\t\\\\x\tplain text, no escapes\n")
    }

    @Test(arguments: TestBackend.all)
    func namesWithTabsNewlinesAndBackslashesComeBackAsImported(backend: TestBackend) async throws {
        let store = try await backend.makeStore()
        let context = MutationContext(actor: "test", nowMs: 1_700_000_000_000)
        _ = try await store.createOrgUnit(OrgUnit(id: "mb", name: "Xã Mường Bằng", kind: .commune), context: context)
        _ = try await store.createOrgUnit(
            OrgUnit(id: "bo", code: "MB-BO", name: "Chi bộ bản Bó", kind: .cell, parentId: "mb"),
            context: context
        )
        let awkward = ["Lò\tVăn Một", "Cầm Thị\\Hai", "Quàng Văn\nBa"]
        let rows = awkward.enumerated().map { index, name in
            ImportRow(
                rowNumbers: [Int32(index + 2)],
                unitRef: "MB-BO",
                record: .member(
                    Member(
                        partyCardNumber: "0\(index)\\\t",
                        citizenId: "C\\\(index)",
                        fullName: name,
                        events: [StatusEvent(kind: .admitted, effectiveOn: CalendarDate(year: 2015, month: 1, day: 1))]
                    )
                )
            )
        }
        let outcome = try await store.importBatch(
            ImportBatchInput(importID: "set-rows", batchNumber: 1, entity: .members, onConflict: .fail, rows: rows),
            context: context
        )
        #expect(outcome.counts.inserted == 3, "\(outcome.rejections)")
        let members = try await store.listMembers(MemberQuery(cellID: "bo")).records
        #expect(Set(members.map(\.fullName)) == Set(awkward))
        #expect(Set(members.map(\.partyCardNumber)) == ["00\\\t", "01\\\t", "02\\\t"])
        // The card and citizen ID columns hold the same text: a second import finds each member.
        let again = try await store.importBatch(
            ImportBatchInput(importID: "set-rows-2", batchNumber: 1, entity: .members, onConflict: .skip, rows: rows),
            context: context
        )
        #expect(again.counts.skipped == 3 && again.counts.inserted == 0, "\(again.counts)")
    }

    /// A refusal quotes the value the file gave; read back, its message is cut at 2,000
    /// characters, and the total counts every refused row while `limit` lists the first ones.
    @Test(arguments: TestBackend.all)
    func refusalsAreReadBackFirstOnesAndShortened(backend: TestBackend) async throws {
        let store = try await backend.makeStore()
        let context = MutationContext(actor: "test", nowMs: 1_700_000_000_000)
        let long = String(repeating: "Bản Xa ", count: 1_500)
        let rows = (0..<3).map { index in
            ImportRow(
                rowNumbers: [Int32(index + 2)],
                unitRef: long + "\(index)",
                record: .member(Member(partyCardNumber: "L\(index)", fullName: "Lò Văn \(index)"))
            )
        }
        let outcome = try await store.importBatch(
            ImportBatchInput(importID: "long-refs", batchNumber: 1, entity: .members, onConflict: .fail, rows: rows),
            context: context
        )
        #expect(outcome.counts.rejected == 3)
        #expect(outcome.rejections.first?.message.count ?? 0 > 10_000)
        let (first, total) = try await store.importRejections(importID: "long-refs", limit: 2)
        #expect(total == 3)
        #expect(first.map(\.row) == [2, 3])
        #expect(first.allSatisfy { $0.message.count == 2_000 && $0.code == "unknown_unit" })
        #expect(first.first?.message.hasPrefix("no unit has the code or the name Bản Xa") == true)
    }

    @Test(arguments: TestBackend.all)
    func aValueThatCannotBeStoredFailsTheBatchByNameAndLeavesNothing(backend: TestBackend) async throws {
        let store = try await backend.makeStore()
        let context = MutationContext(actor: "test", nowMs: 1_700_000_000_000)
        _ = try await store.createOrgUnit(OrgUnit(id: "mb", name: "Xã Mường Bằng", kind: .commune), context: context)
        _ = try await store.createOrgUnit(
            OrgUnit(id: "bo", code: "MB-BO", name: "Chi bộ bản Bó", kind: .cell, parentId: "mb"),
            context: context
        )
        // A NUL passes the set's checks and fails when the record is encoded: the set is
        // rolled back, the row path meets the same value, and the batch fails naming it.
        let names = ["Lò Văn Một", "Cầm Thị\u{0}Hai", "Quàng Văn Ba"]
        let rows = names.enumerated().map { index, name in
            ImportRow(
                rowNumbers: [Int32(index + 2)],
                unitRef: "MB-BO",
                record: .member(
                    Member(
                        partyCardNumber: "N\(index)",
                        fullName: name,
                        events: [StatusEvent(kind: .admitted, effectiveOn: CalendarDate(year: 2015, month: 1, day: 1))]
                    )
                )
            )
        }
        await #expect {
            _ = try await store.importBatch(
                ImportBatchInput(importID: "nul-rows", batchNumber: 1, entity: .members, onConflict: .fail, rows: rows),
                context: context
            )
        } throws: { error in
            "\(error)".contains("full_name") && "\(error)".contains("NUL")
        }
        #expect(try await store.listMembers(MemberQuery(cellID: "bo")).records.isEmpty)
        #expect(try await store.importCheckpoint(importID: "nul-rows") == nil)
    }
}
