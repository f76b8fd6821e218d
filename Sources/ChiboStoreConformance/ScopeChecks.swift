import ChiboModel
import ChiboStore

/// Scope on effects: a change made for a token scoped to one commune that would write anything
/// outside it fails as a whole, whatever its request named, and writes nothing.
///
/// The tree: tinh (province) ─ mb (commune) ─ bo, ang (cells); tinh ─ xb (commune) ─ c1 (cell).
/// Members a1, a2 in ang, b1 in bo, x1 in c1. Changes are made with the scope of mb.
enum ScopeChecks {
    typealias Check = StoreConformance.Check

    static let mb = WriteScope.subtree(of: "mb")

    static func scoped(_ scope: WriteScope = mb, validateOnly: Bool = false) -> MutationContext {
        var context = StoreConformance.context(validateOnly: validateOnly)
        context.writeScope = scope
        return context
    }

    static func tree(_ store: any Store) async throws {
        let context = StoreConformance.context()
        for unit in [
            OrgUnit(id: "tinh", code: "SL", name: "Tỉnh Sơn La", kind: .province),
            OrgUnit(id: "mb", code: "MB", name: "Xã Mường Bằng", kind: .commune, parentId: "tinh"),
            OrgUnit(id: "xb", code: "XB", name: "Xã Xuân Bình", kind: .commune, parentId: "tinh"),
            OrgUnit(id: "bo", code: "MB-BO", name: "Chi bộ bản Bó", kind: .cell, parentId: "mb"),
            OrgUnit(id: "ang", code: "MB-ANG", name: "Chi bộ bản Áng", kind: .cell, parentId: "mb"),
            OrgUnit(id: "c1", code: "XB-C1", name: "Chi bộ 1", kind: .cell, parentId: "xb"),
        ] {
            _ = try await store.createOrgUnit(unit, context: context)
        }
        let admitted = StatusEvent(kind: .admitted, effectiveOn: StoreConformance.day(2010, 1, 1))
        for (id, cell, name) in [
            ("a1", "ang", "Lò Văn Áng"), ("a2", "ang", "Lò Thị Hai"), ("b1", "bo", "Tòng Văn Bó"),
            ("x1", "c1", "Hà Văn Xuân"),
        ] {
            _ = try await store.createMember(
                Member(id: id, fullName: name, cellId: cell, events: [admitted]),
                context: context
            )
        }
    }

    /// Everything the store holds, as the change log and the current records: a refused change
    /// must leave it byte for byte.
    static func fingerprint(_ store: any Store) async throws -> [String] {
        var lines = try await store.changes(after: 0, limit: 10_000).map { "\($0.seq) \($0.entity) \($0.entityId)" }
        for unit in try await store.listOrgUnits(OrgUnitQuery(includeVoided: true, pageSize: 1_000)).records {
            lines.append("unit \(unit.id) \(try unit.serializedBytes())")
        }
        for member in try await store.listMembers(MemberQuery(includeVoided: true, pageSize: 1_000)).records {
            lines.append("member \(member.id) \(try member.serializedBytes())")
        }
        return lines
    }

    /// Expects `body` to fail as outside the scope and to leave the store as it was.
    static func refused(
        _ what: String,
        _ store: any Store,
        _ recorder: inout StoreConformance.Recorder,
        _ body: () async throws -> Void
    ) async throws {
        let before = try await fingerprint(store)
        await recorder.expectStoreError(what, { if case .outsideScope = $0 { true } else { false } }, body)
        let after = try await fingerprint(store)
        recorder.expect(before == after, "\(what): the store changed")
    }

    static let all: [Check] = [
        Check(name: "scope: a merge that absorbs into another commune's cell is refused") { store, recorder in
            try await tree(store)
            for validateOnly in [true, false] {
                try await refused("absorbed into c1 (dry run \(validateOnly))", store, &recorder) {
                    _ = try await store.mergeOrgUnits(
                        sourceIDs: ["ang"],
                        successor: OrgUnit(id: "c1", parentId: "mb"),
                        effectiveOn: StoreConformance.day(2023, 6, 1),
                        context: scoped(validateOnly: validateOnly)
                    )
                }
            }
            try await refused("a successor created under xb", store, &recorder) {
                _ = try await store.mergeOrgUnits(
                    sourceIDs: ["ang", "bo"],
                    successor: OrgUnit(name: "Chi bộ mới", kind: .cell, parentId: "xb"),
                    effectiveOn: StoreConformance.day(2023, 6, 1),
                    context: scoped()
                )
            }
            try await refused("xb's cell merged into an mb successor", store, &recorder) {
                _ = try await store.mergeOrgUnits(
                    sourceIDs: ["ang", "c1"],
                    successor: OrgUnit(name: "Chi bộ gộp", kind: .cell, parentId: "mb"),
                    effectiveOn: StoreConformance.day(2023, 6, 1),
                    context: scoped()
                )
            }
            let merged = try await store.mergeOrgUnits(
                sourceIDs: ["ang", "bo"],
                successor: OrgUnit(id: "bo-ang", name: "Chi bộ Bó Áng", kind: .cell, parentId: "mb"),
                effectiveOn: StoreConformance.day(2023, 6, 1),
                context: scoped()
            )
            recorder.expect(merged.first?.id == "bo-ang", "a merge inside the commune goes through")
            let moved = try await store.member(id: "a1")
            recorder.expect(moved?.cellId == "bo-ang", "its members moved: \(moved?.cellId ?? "none")")
        },
        Check(name: "scope: a split whose successor sits in another commune is refused") { store, recorder in
            try await tree(store)
            try await refused("a successor under xb", store, &recorder) {
                _ = try await store.splitOrgUnit(
                    sourceID: "ang",
                    successors: [
                        OrgUnit(id: "ang-1", name: "Áng 1", parentId: "mb"),
                        OrgUnit(id: "ang-2", name: "Áng 2", parentId: "xb"),
                    ],
                    memberMoves: ["a1": "ang-1", "a2": "ang-2"],
                    effectiveOn: StoreConformance.day(2023, 6, 1),
                    context: scoped()
                )
            }
            let split = try await store.splitOrgUnit(
                sourceID: "ang",
                successors: [
                    OrgUnit(id: "ang-1", name: "Áng 1", parentId: "mb"),
                    OrgUnit(id: "ang-2", name: "Áng 2", parentId: "mb"),
                ],
                memberMoves: ["a1": "ang-1", "a2": "ang-2"],
                effectiveOn: StoreConformance.day(2023, 6, 1),
                context: scoped()
            )
            recorder.expect(split.count == 3, "a split inside the commune goes through")
        },
        Check(name: "scope: moves out of and into the commune are refused") { store, recorder in
            try await tree(store)
            try await refused("bo moved under xb", store, &recorder) {
                _ = try await store.moveOrgUnit(
                    id: "bo",
                    revision: 1,
                    newParentID: "xb",
                    effectiveOn: StoreConformance.day(2023, 6, 1),
                    context: scoped()
                )
            }
            try await refused("c1 moved under mb", store, &recorder) {
                _ = try await store.moveOrgUnit(
                    id: "c1",
                    revision: 1,
                    newParentID: "mb",
                    effectiveOn: StoreConformance.day(2023, 6, 1),
                    context: scoped()
                )
            }
            let moved = try await store.moveOrgUnit(
                id: "c1",
                revision: 1,
                newParentID: "mb",
                effectiveOn: StoreConformance.day(2023, 6, 1),
                context: scoped(.subtree(of: "tinh"))
            )
            recorder.expect(moved.parentId == "mb", "the province's officer moves c1")
        },
        Check(name: "scope: evaluations, transfers, members, meetings and rules outside are refused") {
            store,
            recorder in
            try await tree(store)
            try await refused("an evaluation of bo naming xb's cell", store, &recorder) {
                _ = try await store.createEvaluation(
                    Evaluation(subject: .member, subjectId: "b1", year: 2022, cellId: "c1", result: .grade(.good)),
                    context: scoped()
                )
            }
            try await refused("an evaluation of xb's member", store, &recorder) {
                _ = try await store.createEvaluation(
                    Evaluation(subject: .member, subjectId: "x1", year: 2022, cellId: "bo", result: .grade(.good)),
                    context: scoped()
                )
            }
            try await refused("an evaluation of xb's cell", store, &recorder) {
                _ = try await store.createEvaluation(
                    Evaluation(subject: .orgUnit, subjectId: "c1", year: 2022, result: .grade(.good)),
                    context: scoped()
                )
            }
            try await refused("a temporary transfer to xb's cell", store, &recorder) {
                _ = try await store.addStatusEvent(
                    memberID: "b1",
                    revision: 1,
                    event: StatusEvent(
                        kind: .temporaryTransferOut,
                        effectiveOn: StoreConformance.day(2023, 1, 1),
                        otherUnitId: "c1"
                    ),
                    context: scoped()
                )
            }
            try await refused("a member created in xb's cell", store, &recorder) {
                _ = try await store.createMember(
                    Member(
                        fullName: "Người Mới",
                        cellId: "c1",
                        events: [StatusEvent(kind: .admitted, effectiveOn: StoreConformance.day(2020, 1, 1))]
                    ),
                    context: scoped()
                )
            }
            try await refused("xb's member changed", store, &recorder) {
                var member = try await store.member(id: "x1") ?? Member()
                member.phone = "0900000000"
                _ = try await store.updateMember(member, mask: ["phone"], context: scoped())
            }
            try await refused("a meeting of xb's cell", store, &recorder) {
                _ = try await store.recordMeeting(
                    Meeting(
                        cellId: "c1",
                        heldOn: StoreConformance.day(2023, 3, 3),
                        kind: .regular,
                        attendance: [AttendanceRecord(memberId: "x1", state: .present)]
                    ),
                    partialAttendance: false,
                    context: scoped()
                )
            }
            try await refused("a rule set for xb", store, &recorder) {
                _ = try await store.createRuleSet(
                    RuleSet(scopeUnitId: "xb", effectiveFrom: StoreConformance.day(2019, 1, 1), goodAttendanceBp: 9000),
                    context: scoped()
                )
            }
            try await refused("a national rule set", store, &recorder) {
                _ = try await store.createRuleSet(
                    RuleSet(effectiveFrom: StoreConformance.day(2019, 1, 1), goodAttendanceBp: 9000),
                    context: scoped()
                )
            }
            let evaluation = try await store.createEvaluation(
                Evaluation(subject: .member, subjectId: "b1", year: 2022, cellId: "bo", result: .grade(.good)),
                context: scoped()
            )
            recorder.expect(evaluation.cellId == "bo", "an evaluation inside the commune goes through")
            let transferred = try await store.addStatusEvent(
                memberID: "b1",
                revision: 1,
                event: StatusEvent(
                    kind: .temporaryTransferOut,
                    effectiveOn: StoreConformance.day(2023, 1, 1),
                    otherUnitId: "ang"
                ),
                context: scoped()
            )
            recorder.expect(transferred.events.count == 2, "a transfer inside the commune goes through")
            // A permanent transfer only names the other side: the member stays in mb's history.
            let leaving = try await store.addStatusEvent(
                memberID: "a2",
                revision: 1,
                event: StatusEvent(
                    kind: .permanentTransfer,
                    effectiveOn: StoreConformance.day(2023, 2, 1),
                    otherUnitId: "c1"
                ),
                context: scoped()
            )
            recorder.expect(leaving.events.last?.otherUnitId == "c1", "a permanent transfer to xb's cell is recorded")
        },
        Check(name: "scope: a merge whose successor sits under a unit it ends is refused") { store, recorder in
            try await tree(store)
            await recorder.expectStoreError(
                "a successor under ang, merged from ang",
                { if case .failedPrecondition = $0 { true } else { false } }
            ) {
                _ = try await store.mergeOrgUnits(
                    sourceIDs: ["bo", "ang"],
                    successor: OrgUnit(name: "Chi bộ vòng", kind: .cell, parentId: "ang"),
                    effectiveOn: StoreConformance.day(2023, 6, 1),
                    context: scoped(.unrestricted)
                )
            }
        },
        Check(name: "scope: a token scoped to nothing writes nothing; an admin writes anywhere") { store, recorder in
            try await tree(store)
            try await refused("an empty scope", store, &recorder) {
                var member = try await store.member(id: "b1") ?? Member()
                member.phone = "0900000000"
                _ = try await store.updateMember(member, mask: ["phone"], context: scoped(.subtree(of: "")))
            }
            let merged = try await store.mergeOrgUnits(
                sourceIDs: ["ang"],
                successor: OrgUnit(id: "c1"),
                effectiveOn: StoreConformance.day(2023, 6, 1),
                context: scoped(.unrestricted)
            )
            recorder.expect(merged.first?.id == "c1", "an admin absorbs across communes")
        },
    ]
}
