import ChiboAccess
import ChiboClient
import ChiboModel
import ChiboStore
import ChiboTesting
import Foundation
import PropertyBased
import Testing

/// The differential scope test: generated write requests of every write method, sent over TCP
/// with the officer token scoped to mb (the harness's tree: tinh ─ mb ─ bo, ang; tinh ─ cm ─ na),
/// naming units, members and records inside and outside the scope in every field that refers to
/// one. After each request, every record of the store that lies outside mb — before or after the
/// request — must be byte for byte what it was: whatever the request said and whatever the
/// server answered, nothing outside the token's scope changed. On SQLite and PostgreSQL.
@Suite struct ScopeDifferentialTests {
    /// The units, members and dates the generated requests draw from.
    static let units = ["tinh", "mb", "cm", "bo", "ang", "na", "nope"]
    static let cells = ["bo", "ang", "na"]
    static let members = ["b1", "a1", "n1", "nope"]
    static let dates = [
        CalendarDate(year: 2024, month: 6, day: 1), CalendarDate(year: 2025, month: 3, day: 3),
        CalendarDate(year: 2026, month: 1, day: 1),
    ]

    @Test(arguments: AccessBackend.all)
    func noWriteOfAnOfficerChangesARowOutsideItsScope(backend: AccessBackend) async throws {
        try await AccessHarness.with(backend: backend) { harness in
            let officer = harness.client(.officer)
            let admin = harness.client(.admin)
            let adminImport = try await Self.importAsAdmin(admin)
            var methods: Set<String> = []
            var changedInside = 0
            await propertyCheck(count: 300, input: WriteAttempt.generator) { attempt in
                let before = try await Self.rows(harness.store)
                let outcome = await Outcome.of {
                    try await attempt.send(officer, admin: admin, ids: harness.ids, adminImport: adminImport)
                }
                let after = try await Self.rows(harness.store)
                methods.insert(attempt.method)
                if before != after { changedInside += 1 }
                for key in Set(before.rows.keys).union(after.rows.keys) {
                    let old = before.rows[key]
                    let new = after.rows[key]
                    let outside = (old.map { !before.inside($0) } ?? false) || (new.map { !after.inside($0) } ?? false)
                    #expect(
                        !outside || old == new,
                        "\(attempt) (\(outcome)) changed \(key) outside the scope: \(old?.units ?? []) → \(new?.units ?? [])"
                    )
                }
            }
            #expect(methods.count == WriteAttempt.methodCount, "every write method was tried: \(methods.sorted())")
            #expect(changedInside > 0, "some requests changed records inside the scope")
            await officer.close()
            await admin.close()
        }
    }

    /// An import of a member into na by the admin, which the officer may not undo.
    static func importAsAdmin(_ admin: ChiboClient) async throws -> String {
        let id = UUID().uuidString
        let header = ImportHeader(importId: id, entity: .members, onConflict: .skip)
        let row = ImportRow(
            rowNumbers: [2],
            unitRef: "CM-NA",
            record: .member(Member(partyCardNumber: "020777", fullName: "Lường Thị Nhập"))
        )
        let requests = AsyncStream<RunImportRequest> { continuation in
            continuation.yield(RunImportRequest(message: .header(header)))
            continuation.yield(RunImportRequest(message: .batch(ImportBatch(batchNumber: 1, rows: [row]))))
            continuation.finish()
        }
        _ = try await admin.clientStream(.importRun, requests: requests, as: RunImportResponse.self)
        return id
    }

    /// One stored record: the units it belongs to and its bytes.
    struct Row: Equatable {
        var units: [String]
        var bytes: [UInt8]
    }

    /// Every record of the store — units, members (their events inside), meetings (their
    /// attendance and resolutions inside), rule sets, evaluations — keyed by kind and id, with the
    /// units under mb at that moment.
    struct Snapshot: Equatable {
        var rows: [String: Row]
        var underMB: Set<String>

        func inside(_ row: Row) -> Bool { row.units.allSatisfy(underMB.contains) }
    }

    /// Reads every record through the store itself, as it is stored (voided ones included), on
    /// whichever backend the harness runs.
    static func rows(_ store: any Store) async throws -> Snapshot {
        var rows: [String: Row] = [:]
        // Every record ever changed is in the change log: read each as it is now (ended and
        // voided ones included), and the seeded national rule sets besides.
        var ids: [String: Set<String>] = [:]
        for change in try await store.changes(after: 0, limit: 10_000) {
            ids[change.entity, default: []].insert(change.entityId)
        }
        var all: [OrgUnit] = []
        for id in ids["org_unit"] ?? [] { if let unit = try await store.orgUnit(id: id) { all.append(unit) } }
        var parents: [String: String] = [:]
        for unit in all {
            parents[unit.id] = unit.parentId
            rows["org_unit \(unit.id)"] = Row(units: [unit.id], bytes: try unit.serializedBytes())
        }
        var underMB: Set<String> = []
        for id in parents.keys {
            var current: String? = id
            for _ in 0..<16 {
                guard let unit = current, !unit.isEmpty else { break }
                if unit == "mb" {
                    underMB.insert(id)
                    break
                }
                current = parents[unit]
            }
        }
        var cells: [String: String] = [:]
        for id in ids["member"] ?? [] {
            guard let member = try await store.member(id: id) else { continue }
            cells[member.id] = member.cellId
            // A temporary transfer attaches the member to a second cell: outside when either is.
            let attached = member.events.filter { $0.kind == .temporaryTransferOut }.map(\.otherUnitId)
            let units = [member.cellId] + attached.filter { !$0.isEmpty }
            rows["member \(member.id)"] = Row(units: units, bytes: try member.serializedBytes())
        }
        for id in ids["meeting"] ?? [] {
            guard let meeting = try await store.meeting(id: id, revision: nil) else { continue }
            rows["meeting \(meeting.id)"] = Row(units: [meeting.cellId], bytes: try meeting.serializedBytes())
        }
        let listed = try await store.listRuleSets(RuleSetQuery(includeVoided: true, pageSize: 1_000)).records
        for id in (ids["rule_set"] ?? []).union(listed.map(\.id)) {
            guard let rules = try await store.ruleSet(id: id) else { continue }
            rows["rule_set \(rules.id)"] = Row(units: [rules.scopeUnitId], bytes: try rules.serializedBytes())
        }
        // Members first: an evaluation of a member belongs to the member's cell.
        for id in ids["evaluation"] ?? [] {
            guard let evaluation = try await store.evaluation(id: id) else { continue }
            let subject = evaluation.subject == .member ? cells[evaluation.subjectId] ?? "" : evaluation.subjectId
            let units = [subject] + (evaluation.cellId.isEmpty ? [] : [evaluation.cellId])
            rows["evaluation \(evaluation.id)"] = Row(units: units, bytes: try evaluation.serializedBytes())
        }
        return Snapshot(rows: rows, underMB: underMB)
    }
}

/// A generated write: a method and the references its request makes.
struct WriteAttempt: Sendable, CustomStringConvertible {
    var method: String
    var unit: String
    var other: String
    var member: String
    var date: CalendarDate
    var flag: Bool

    var description: String { "\(method)(unit: \(unit), other: \(other), member: \(member), \(date.isoKey), \(flag))" }

    static let methods = [
        "OrgUnits.Create", "OrgUnits.Update", "OrgUnits.Move", "OrgUnits.Merge", "OrgUnits.Split",
        "OrgUnits.AssignSupervisor", "OrgUnits.EndSupervisor", "OrgUnits.VoidRecord", "Members.Create",
        "Members.Update", "Members.AddStatusEvent", "Members.VoidRecord", "Meetings.Record", "Meetings.Amend",
        "Meetings.VoidRecord", "Meetings.UpdateResolution", "Rules.Create", "Rules.VoidRecord",
        "Evaluations.Create", "Evaluations.Update", "Evaluations.VoidRecord", "Import.Run", "Import.Undo",
    ]
    static var methodCount: Int { methods.count }

    static let generator = Generator<WriteAttempt, Shrink.None<WriteAttempt>> { rng in
        WriteAttempt(
            method: methods.randomElement(using: &rng)!,
            unit: ScopeDifferentialTests.units.randomElement(using: &rng)!,
            other: ScopeDifferentialTests.units.randomElement(using: &rng)!,
            member: ScopeDifferentialTests.members.randomElement(using: &rng)!,
            date: ScopeDifferentialTests.dates.randomElement(using: &rng)!,
            flag: Bool.random(using: &rng)
        )
    }

    /// The members of a cell, read by the admin.
    static func members(of cell: String, _ admin: ChiboClient) async throws -> [Member] {
        var members: [Member] = []
        for try await member in try await admin.serverStream(
            .membersList,
            ListMembersRequest(cellId: cell),
            as: Member.self
        ) {
            members.append(member)
        }
        return members
    }

    /// Sends the request with the officer's client; the admin's reads the current revisions.
    func send(_ client: ChiboClient, admin: ChiboClient, ids: AccessHarness.Ids, adminImport: String) async throws {
        func loadUnit(_ id: String) async throws -> OrgUnit {
            (try? await admin.unary(.orgUnitsGet, GetOrgUnitRequest(id: id), as: OrgUnitResponse.self).unit)
                ?? OrgUnit(
                    id: id
                )
        }
        func loadMember(_ id: String) async throws -> Member {
            (try? await admin.unary(.membersGet, GetMemberRequest(id: id), as: MemberResponse.self).member)
                ?? Member(
                    id: id
                )
        }
        let meetingID = flag ? ids.meetingBo : ids.meetingNa
        let evaluationID = flag ? ids.evaluationBo : ids.evaluationNa
        switch method {
        case "OrgUnits.Create":
            let created = OrgUnit(name: "Chi bộ thử", kind: .cell, parentId: unit)
            _ = try await client.unary(.orgUnitsCreate, CreateOrgUnitRequest(unit: created), as: OrgUnitResponse.self)
        case "OrgUnits.Update":
            var changed = try await loadUnit(unit)
            changed.name += " (sửa)"
            changed.parentId = other
            let mask = flag ? ["name"] : ["name", "parent_id"]
            _ = try await client.unary(
                .orgUnitsUpdate,
                UpdateOrgUnitRequest(unit: changed, updateMask: FieldMask(paths: mask)),
                as: OrgUnitResponse.self
            )
        case "OrgUnits.Move":
            let moving = try await loadUnit(unit)
            _ = try await client.unary(
                .orgUnitsMove,
                MoveOrgUnitRequest(
                    id: unit,
                    revision: moving.meta?.revision ?? 1,
                    newParentId: other,
                    effectiveOn: date
                ),
                as: OrgUnitResponse.self
            )
        case "OrgUnits.Merge":
            // Absorbed into an existing unit by id (with a parent that lies), or a new successor.
            let successor =
                flag
                ? OrgUnit(id: other, parentId: "mb") : OrgUnit(name: "Chi bộ gộp", kind: .cell, parentId: other)
            let sources = unit == "ang" ? ["ang"] : [unit, "ang"]
            _ = try await client.unary(
                .orgUnitsMerge,
                MergeOrgUnitsRequest(sourceIds: sources, successor: successor, effectiveOn: date),
                as: OrgUnitsResponse.self
            )
        case "OrgUnits.Split":
            let inCell = try await Self.members(of: unit, admin)
            let successors = [
                OrgUnit(id: "split-\(UUID().uuidString.prefix(8))", name: "Tách 1", parentId: flag ? "mb" : other),
                OrgUnit(id: "split-\(UUID().uuidString.prefix(8))", name: "Tách 2", parentId: other),
            ]
            var moves: [MemberMove] = []
            for (index, moved) in inCell.enumerated() {
                moves.append(MemberMove(memberId: moved.id, cellId: successors[index % 2].id))
            }
            _ = try await client.unary(
                .orgUnitsSplit,
                SplitOrgUnitRequest(sourceId: unit, successors: successors, effectiveOn: date, memberMoves: moves),
                as: OrgUnitsResponse.self
            )
        case "OrgUnits.AssignSupervisor":
            _ = try await client.unary(
                .orgUnitsAssignSupervisor,
                AssignSupervisorRequest(
                    unitId: unit,
                    assignment: SupervisorAssignment(memberId: member, valid: DateRange(from: date))
                ),
                as: OrgUnitResponse.self
            )
        case "OrgUnits.EndSupervisor":
            let supervised = try await loadUnit(unit)
            _ = try await client.unary(
                .orgUnitsEndSupervisor,
                EndSupervisorRequest(
                    unitId: unit,
                    assignmentId: supervised.supervisors.first?.id ?? "x",
                    endedOn: date
                ),
                as: OrgUnitResponse.self
            )
        case "OrgUnits.VoidRecord":
            let voided = try await loadUnit(unit)
            _ = try await client.unary(
                .orgUnitsVoidRecord,
                VoidRequest(id: unit, revision: voided.meta?.revision ?? 1, reason: "thử"),
                as: OrgUnitResponse.self
            )
        case "Members.Create":
            var events = [StatusEvent(kind: .admitted, effectiveOn: CalendarDate(year: 2020, month: 1, day: 1))]
            if flag {
                events.append(StatusEvent(kind: .temporaryTransferOut, effectiveOn: date, otherUnitId: other))
            }
            _ = try await client.unary(
                .membersCreate,
                CreateMemberRequest(member: Member(fullName: "Người Thử", cellId: unit, events: events)),
                as: MemberResponse.self
            )
        case "Members.Update":
            var changed = try await loadMember(member)
            changed.phone = "0900000001"
            changed.cellId = unit
            _ = try await client.unary(
                .membersUpdate,
                UpdateMemberRequest(member: changed, updateMask: FieldMask(paths: flag ? ["phone"] : ["cell_id"])),
                as: MemberResponse.self
            )
        case "Members.AddStatusEvent":
            let current = try await loadMember(member)
            _ = try await client.unary(
                .membersAddStatusEvent,
                AddStatusEventRequest(
                    memberId: member,
                    revision: current.meta?.revision ?? 1,
                    event: StatusEvent(
                        kind: flag ? .temporaryTransferOut : .permanentTransfer,
                        effectiveOn: date,
                        otherUnitId: unit
                    )
                ),
                as: MemberResponse.self
            )
        case "Members.VoidRecord":
            let current = try await loadMember(member)
            _ = try await client.unary(
                .membersVoidRecord,
                VoidRequest(id: member, revision: current.meta?.revision ?? 1, reason: "thử"),
                as: MemberResponse.self
            )
        case "Meetings.Record":
            let inCell = try await Self.members(of: unit, admin)
            _ = try await client.unary(
                .meetingsRecord,
                RecordMeetingRequest(
                    meeting: Meeting(
                        cellId: unit,
                        heldOn: date,
                        kind: .regular,
                        attendance: inCell.map { AttendanceRecord(memberId: $0.id, state: .present) }
                    ),
                    partialAttendance: true
                ),
                as: MeetingResponse.self
            )
        case "Meetings.Amend":
            var meeting =
                (try? await admin.unary(.meetingsGet, GetMeetingRequest(id: meetingID), as: MeetingResponse.self)
                    .meeting) ?? Meeting(id: meetingID)
            meeting.cellId = unit
            meeting.topic = "Sửa"
            _ = try await client.unary(
                .meetingsAmend,
                AmendMeetingRequest(meeting: meeting, updateMask: FieldMask(paths: flag ? ["topic"] : ["cell_id"])),
                as: MeetingResponse.self
            )
        case "Meetings.VoidRecord":
            let meeting = try? await admin.unary(
                .meetingsGet,
                GetMeetingRequest(id: meetingID),
                as: MeetingResponse.self
            )
            _ = try await client.unary(
                .meetingsVoidRecord,
                VoidRequest(id: meetingID, revision: meeting?.meeting?.meta?.revision ?? 1, reason: "thử"),
                as: MeetingResponse.self
            )
        case "Meetings.UpdateResolution":
            let resolutionID = flag ? ids.resolutionBo : ids.resolutionNa
            let meeting = try? await admin.unary(
                .meetingsGet,
                GetMeetingRequest(id: meetingID),
                as: MeetingResponse.self
            )
            var resolution =
                meeting?.meeting?.resolutions.first { $0.id == resolutionID } ?? Resolution(id: resolutionID)
            resolution.status = .done
            resolution.ownerMemberId = member
            _ = try await client.unary(
                .meetingsUpdateResolution,
                UpdateResolutionRequest(
                    resolution: resolution,
                    updateMask: FieldMask(paths: ["status", "owner_member_id"])
                ),
                as: ResolutionResponse.self
            )
        case "Rules.Create":
            _ = try await client.unary(
                .rulesCreate,
                CreateRuleSetRequest(
                    ruleSet: RuleSet(scopeUnitId: flag ? unit : "", effectiveFrom: date, goodAttendanceBp: 8000)
                ),
                as: RuleSetResponse.self
            )
        case "Rules.VoidRecord":
            let id = flag ? ids.rulesMb : ids.rulesCm
            let rules = try? await admin.unary(.rulesGet, GetRuleSetRequest(id: id), as: RuleSetResponse.self)
            _ = try await client.unary(
                .rulesVoidRecord,
                VoidRequest(id: id, revision: rules?.ruleSet?.meta?.revision ?? 1, reason: "thử"),
                as: RuleSetResponse.self
            )
        case "Evaluations.Create":
            let evaluation =
                flag
                ? Evaluation(subject: .orgUnit, subjectId: unit, year: 2025, cellId: other, result: .grade(.good))
                : Evaluation(subject: .member, subjectId: member, year: 2025, cellId: unit, result: .grade(.good))
            _ = try await client.unary(
                .evaluationsCreate,
                CreateEvaluationRequest(evaluation: evaluation),
                as: EvaluationResponse.self
            )
        case "Evaluations.Update":
            var evaluation =
                (try? await admin.unary(
                    .evaluationsGet,
                    GetEvaluationRequest(id: evaluationID),
                    as: EvaluationResponse.self
                ).evaluation) ?? Evaluation(id: evaluationID)
            evaluation.cellId = unit
            evaluation.note = "sửa"
            _ = try await client.unary(
                .evaluationsUpdate,
                UpdateEvaluationRequest(evaluation: evaluation, updateMask: FieldMask(paths: ["cell_id", "note"])),
                as: EvaluationResponse.self
            )
        case "Evaluations.VoidRecord":
            let evaluation = try? await admin.unary(
                .evaluationsGet,
                GetEvaluationRequest(id: evaluationID),
                as: EvaluationResponse.self
            )
            _ = try await client.unary(
                .evaluationsVoidRecord,
                VoidRequest(id: evaluationID, revision: evaluation?.evaluation?.meta?.revision ?? 1, reason: "thử"),
                as: EvaluationResponse.self
            )
        case "Import.Run":
            // Rows naming units in and out of scope; flag appends to the admin's import.
            let header = ImportHeader(
                importId: flag ? adminImport : UUID().uuidString,
                entity: .members,
                onConflict: .update
            )
            let code = ["bo": "MB-BO", "ang": "MB-ANG", "na": "CM-NA"][unit] ?? unit
            let rows = [
                ImportRow(
                    rowNumbers: [2],
                    unitRef: code,
                    record: .member(Member(partyCardNumber: "020001", fullName: "Lường Văn Nam", phone: "0911"))
                ),
                ImportRow(
                    rowNumbers: [3],
                    unitRef: code,
                    record: .member(Member(partyCardNumber: "099\(Int.random(in: 100...999))", fullName: "Mới"))
                ),
            ]
            let requests = AsyncStream<RunImportRequest> { continuation in
                continuation.yield(RunImportRequest(message: .header(header)))
                continuation.yield(RunImportRequest(message: .batch(ImportBatch(batchNumber: 2, rows: rows))))
                continuation.finish()
            }
            _ = try await client.clientStream(.importRun, requests: requests, as: RunImportResponse.self)
        case "Import.Undo":
            _ = try await client.unary(
                .importUndo,
                UndoImportRequest(importId: adminImport, dryRun: flag),
                as: UndoImportResponse.self
            )
        default:
            Issue.record("no request for \(method)")
        }
    }
}
