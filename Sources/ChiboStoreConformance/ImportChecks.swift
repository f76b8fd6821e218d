import ChiboModel
import ChiboStore

/// Bulk import: natural keys, checkpoints, resumed batches, dry runs, scope.
enum ImportChecks {
    typealias Check = StoreConformance.Check

    static let importID = "6f1c2a9e-4b7d-4e0a-9c1f-2d3e4f5a6b7c"

    static func row(_ row: Int32, card: String, citizen: String = "", name: String) -> MemberImportRow {
        MemberImportRow(
            row: row,
            member: Member(partyCardNumber: card, citizenId: citizen, fullName: name, cellId: "bo")
        )
    }

    static let all: [Check] = [
        Check(name: "import: batches checkpointed, a committed batch changes nothing") { store, recorder in
            try await Fixture.commune(store)
            let rows = [
                row(2, card: "01", citizen: "014090000001", name: "Lò Văn Một"),
                row(3, card: "", citizen: "014090000002", name: "Lò Văn Hai"),
            ]
            let batch = MemberImportBatch(importID: importID, batchNumber: 1, onConflict: .fail, rows: rows)
            let first = try await store.importMembers(batch, context: StoreConformance.context())
            recorder.expect(!first.alreadyCommitted, "first batch applied")
            recorder.expect(first.counts == ImportCounts(read: 2, inserted: 2), "counts \(first.counts)")
            let again = try await store.importMembers(batch, context: StoreConformance.context())
            recorder.expect(again.alreadyCommitted, "the batch again is skipped")
            let checkpoint = try await store.importCheckpoint(importID: importID)
            recorder.expect(checkpoint?.lastBatch == 1, "last batch \(String(describing: checkpoint?.lastBatch))")
            recorder.expect(checkpoint?.counts == ImportCounts(read: 2, inserted: 2), "checkpoint counts")
            let members = try await store.listMembers(MemberQuery(cellID: "bo")).records
            recorder.expect(members.count == 5, "three fixture members and two imported: \(members.count)")
        },
        Check(name: "import: natural keys update, skip, refuse ambiguity; dry run and scope") { store, recorder in
            try await Fixture.commune(store)
            _ = try await store.importMembers(
                MemberImportBatch(
                    importID: importID,
                    batchNumber: 1,
                    onConflict: .update,
                    rows: [
                        row(2, card: "01", name: "Lò Văn Một"), row(3, card: "", citizen: "014090000002", name: "Hai"),
                    ]
                ),
                context: StoreConformance.context()
            )
            let second = try await store.importMembers(
                MemberImportBatch(
                    importID: "0b9a8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d",
                    batchNumber: 1,
                    onConflict: .update,
                    rows: [
                        row(2, card: "01", name: "Lò Văn Một Mới"),
                        row(3, card: "", citizen: "014090000002", name: "Hai"),
                        row(4, card: "01", citizen: "014090000002", name: "Ai"),
                    ]
                ),
                context: StoreConformance.context()
            )
            recorder.expect(
                second.counts == ImportCounts(read: 3, updated: 1, skipped: 1, rejected: 1),
                "\(second.counts)"
            )
            recorder.expect(second.rejections.map(\.code) == ["ambiguous_match"], "\(second.rejections)")
            let dry = try await store.importMembers(
                MemberImportBatch(
                    importID: "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
                    batchNumber: 1,
                    onConflict: .update,
                    rows: [row(2, card: "09", name: "Chín")]
                ),
                context: StoreConformance.context(validateOnly: true)
            )
            recorder.expect(dry.counts.inserted == 1, "dry run counts the insert")
            recorder.expect(try await store.member(partyCardNumber: "09") == nil, "dry run wrote a member")
            recorder.expect(
                try await store.importCheckpoint(importID: "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f") == nil,
                "dry run wrote a checkpoint"
            )
            let scoped = try await store.importMembers(
                MemberImportBatch(
                    importID: "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a",
                    batchNumber: 1,
                    onConflict: .update,
                    rows: [row(2, card: "08", name: "Tám")],
                    writableUnits: ["mb"]
                ),
                context: StoreConformance.context()
            )
            recorder.expect(scoped.rejections.map(\.code) == ["out_of_scope"], "\(scoped.rejections)")
        },
    ]
}
