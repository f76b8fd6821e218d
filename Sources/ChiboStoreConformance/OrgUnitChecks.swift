import ChiboCodec
import ChiboModel
import ChiboStore

/// Org units: identity, revisions, masks, request ids, dry runs, dated trees, paging.
enum OrgUnitChecks {
    typealias Check = StoreConformance.Check

    static let all: [Check] = [
        Check(name: "org units: create, read back, unique code") { store, recorder in
            let created = try await store.createOrgUnit(
                OrgUnit(code: "MB", name: "Xã Mường Bằng", kind: .commune),
                context: StoreConformance.context()
            )
            recorder.expect(!created.id.isEmpty, "an id is assigned")
            recorder.expect(created.meta?.revision == 1, "the first revision is 1")
            recorder.expect(try await store.orgUnit(id: created.id) == created, "reads back what was stored")
            await recorder.expectStoreError(
                "a second unit with the code",
                {
                    if case .alreadyExists = $0 { true } else { false }
                }
            ) {
                _ = try await store.createOrgUnit(
                    OrgUnit(code: "MB", name: "x", kind: .commune),
                    context: StoreConformance.context()
                )
            }
        },
        Check(name: "org units: revisions and masks") { store, recorder in
            let unit = try await store.createOrgUnit(
                OrgUnit(name: "Chi bộ bản Bó", kind: .cell, meetingDay: 3, note: "n"),
                context: StoreConformance.context()
            )
            let updated = try await store.updateOrgUnit(
                OrgUnit(id: unit.id, name: "changed", meetingDay: 5, meta: unit.meta),
                mask: ["meeting_day"],
                context: StoreConformance.context()
            )
            recorder.expect(updated.meetingDay == 5 && updated.name == "Chi bộ bản Bó", "only masked fields change")
            recorder.expect(updated.meta?.revision == 2, "the revision goes up")
            await recorder.expectStoreError(
                "a stale revision",
                {
                    if case .staleRevision = $0 { true } else { false }
                }
            ) {
                _ = try await store.updateOrgUnit(
                    OrgUnit(id: unit.id, meta: unit.meta),
                    mask: ["note"],
                    context: StoreConformance.context()
                )
            }
        },
        Check(name: "org units: request ids and validate-only") { store, recorder in
            let dry = try await store.createOrgUnit(
                OrgUnit(name: "A", kind: .cell),
                context: StoreConformance.context("r", validateOnly: true)
            )
            recorder.expect(try await store.orgUnit(id: dry.id) == nil, "a dry run writes nothing")
            let first = try await store.createOrgUnit(
                OrgUnit(name: "A", kind: .cell),
                context: StoreConformance.context("r")
            )
            let again = try await store.createOrgUnit(
                OrgUnit(name: "A", kind: .cell),
                context: StoreConformance.context("r")
            )
            recorder.expect(first == again, "a retried request returns the first outcome")
            recorder.expect(try await store.listOrgUnits(OrgUnitQuery()).records.count == 1, "and writes once")
        },
        Check(name: "org units: a request id is bound to its request's digest") { store, recorder in
            func bound(_ requestID: String, _ request: CreateOrgUnitRequest) throws -> MutationContext {
                var context = StoreConformance.context(requestID)
                context.requestDigest = MutationContext.requestDigest(of: try request.serializedBytes())
                return context
            }
            let bo = CreateOrgUnitRequest(unit: OrgUnit(name: "Chi bộ bản Bó", kind: .cell))
            let na = CreateOrgUnitRequest(unit: OrgUnit(name: "Chi bộ bản Na", kind: .cell))
            let first = try await store.createOrgUnit(bo.unit!, context: try bound("d", bo))
            let retried = try await store.createOrgUnit(bo.unit!, context: try bound("d", bo))
            recorder.expect(retried == first, "the same request under the same id gets the first outcome")
            await recorder.expectStoreError(
                "another request under the same id",
                {
                    if case .failedPrecondition(let message) = $0 {
                        return message.contains("request id d") && message.contains("different request")
                    }
                    return false
                }
            ) {
                _ = try await store.createOrgUnit(na.unit!, context: try bound("d", na))
            }
            // A request logged without a digest (before digests were kept) matches by operation.
            let old = try await store.createOrgUnit(na.unit!, context: StoreConformance.context("old"))
            let again = try await store.createOrgUnit(bo.unit!, context: try bound("old", bo))
            recorder.expect(again == old, "an id logged without a digest returns its outcome as before")
            recorder.expect(try await store.listOrgUnits(OrgUnitQuery()).records.count == 2, "two units written")
        },
        Check(name: "org units: trees of past dates, moves, Vietnamese order") { store, recorder in
            let context = StoreConformance.context()
            _ = try await store.createOrgUnit(OrgUnit(id: "p", name: "Tỉnh", kind: .province), context: context)
            _ = try await store.createOrgUnit(
                OrgUnit(id: "d", name: "Huyện", kind: .district, parentId: "p"),
                context: context
            )
            let commune = try await store.createOrgUnit(
                OrgUnit(
                    id: "c",
                    name: "Xã",
                    kind: .commune,
                    parentId: "d",
                    valid: DateRange(from: StoreConformance.day(2000, 1, 1))
                ),
                context: context
            )
            for (id, name) in [("x", "Chi bộ bản Bó"), ("y", "Chi bộ bản Áng")] {
                _ = try await store.createOrgUnit(
                    OrgUnit(id: id, name: name, kind: .cell, parentId: "c"),
                    context: context
                )
            }
            _ = try await store.moveOrgUnit(
                id: "c",
                revision: commune.meta?.revision ?? 0,
                newParentID: "p",
                effectiveOn: StoreConformance.day(2025, 7, 1),
                context: context
            )
            let before = try await store.listOrgUnits(
                OrgUnitQuery(parentID: "d", asOf: StoreConformance.day(2025, 6, 30))
            )
            recorder.expect(before.records.map(\.id) == ["c"], "the old tree stays readable")
            let after = try await store.listOrgUnits(
                OrgUnitQuery(parentID: "d", asOf: StoreConformance.day(2025, 7, 1))
            )
            recorder.expect(after.records.isEmpty, "the move takes effect on its date")
            let cells = try await store.listOrgUnits(OrgUnitQuery(subtreeOf: "p", kind: .cell))
            recorder.expect(
                cells.records.map(\.name) == ["Chi bộ bản Áng", "Chi bộ bản Bó"],
                "sorted ignoring diacritics"
            )
        },
        Check(name: "org units: paging visits every unit once") { store, recorder in
            for index in 0..<23 {
                _ = try await store.createOrgUnit(
                    OrgUnit(id: "u\(index)", name: "Đơn vị \(index % 5)", kind: .cell),
                    context: StoreConformance.context()
                )
            }
            var seen: [String] = []
            var token = ""
            repeat {
                let page = try await store.listOrgUnits(OrgUnitQuery(pageSize: 7, pageToken: token))
                seen += page.records.map(\.id)
                token = page.nextPageToken
            } while !token.isEmpty
            recorder.expect(seen.count == 23 && Set(seen).count == 23, "23 distinct units, got \(seen.count)")
        },
    ]
}
