import ChiboAccess
import ChiboClient
import ChiboModel
import ChiboTesting
import Foundation
import Testing

/// What a scoped token reaches beyond a single call's request: reads by date after a cell moves
/// away, imports that belong to their token, and answers that reveal nothing outside the scope.
@Suite struct ScopeReachTests {

    /// A token of `role` scoped to `scope`, made on the harness's store.
    static func token(
        _ harness: AccessHarness,
        _ name: String,
        _ role: Role,
        _ scope: String
    ) async throws -> ChiboClient {
        let minted = try await TokenAuthority(store: harness.store).mint(
            name: name,
            role: role,
            scopeUnitID: scope,
            expiresOn: nil,
            nowMs: 0
        )
        return ChiboClient(
            host: "127.0.0.1",
            port: harness.port,
            configuration: ClientConfiguration(token: minted.token, maxAttempts: 1)
        )
    }

    static func code(_ call: () async throws -> Void) async -> StatusCode {
        do {
            try await call()
            return .ok
        } catch let error as ClientError {
            return error.code
        } catch {
            return .unknown
        }
    }

    static func message(_ call: () async throws -> Void) async -> String {
        do {
            try await call()
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test(arguments: AccessBackend.all) func aCellThatLeftIsReadByTheOldCommuneUpToTheDayItLeft(
        backend: AccessBackend
    ) async throws {
        try await AccessHarness.with(backend: backend) { harness in
            let admin = harness.client(.admin)
            // ang (with a1, admitted in 2000) moves from mb to cm on 2026-01-01; a2 joins it after.
            let ang = try await admin.unary(.orgUnitsGet, GetOrgUnitRequest(id: "ang"), as: OrgUnitResponse.self).unit
            _ = try await admin.unary(
                .orgUnitsMove,
                MoveOrgUnitRequest(
                    id: "ang",
                    revision: ang?.meta?.revision ?? 1,
                    newParentId: "cm",
                    effectiveOn: day(2026, 1, 1)
                ),
                as: OrgUnitResponse.self
            )
            _ = try await admin.unary(
                .membersCreate,
                CreateMemberRequest(
                    member: Member(
                        id: "a2",
                        fullName: "Hà Thị Sau",
                        cellId: "ang",
                        events: [StatusEvent(kind: .admitted, effectiveOn: day(2026, 6, 1))]
                    )
                ),
                as: MemberResponse.self
            )
            var meetings: [String: String] = [:]
            for held in [day(2025, 3, 3), day(2026, 8, 3)] {
                let present = held.year == 2025 ? ["a1"] : ["a1", "a2"]
                let meeting = try await admin.unary(
                    .meetingsRecord,
                    RecordMeetingRequest(
                        meeting: Meeting(
                            cellId: "ang",
                            heldOn: held,
                            kind: .regular,
                            attendance: present.map { AttendanceRecord(memberId: $0, state: .present) }
                        )
                    ),
                    as: MeetingResponse.self
                ).meeting
                meetings[held.isoKey] = meeting?.id ?? ""
            }

            let officer = harness.client(.officer)
            #expect(
                await Self.code {
                    _ = try await officer.unary(.membersGet, GetMemberRequest(id: "a1"), as: MemberResponse.self)
                } == .ok
            )
            #expect(
                await Self.code {
                    _ = try await officer.unary(.membersGet, GetMemberRequest(id: "a2"), as: MemberResponse.self)
                }
                    == .notFound,
                "a member admitted after the cell left is not the old commune's"
            )
            #expect(
                await Self.code {
                    _ = try await officer.unary(
                        .meetingsGet,
                        GetMeetingRequest(id: meetings["2025-03-03"] ?? ""),
                        as: MeetingResponse.self
                    )
                } == .ok
            )
            #expect(
                await Self.code {
                    _ = try await officer.unary(
                        .meetingsGet,
                        GetMeetingRequest(id: meetings["2026-08-03"] ?? ""),
                        as: MeetingResponse.self
                    )
                } == .notFound,
                "a meeting held after the cell left"
            )
            var listed: [String] = []
            for try await member in try await officer.serverStream(
                .membersList,
                ListMembersRequest(cellId: "ang"),
                as: Member.self
            ) {
                listed.append(member.id)
            }
            #expect(listed == ["a1"], "the cell's members as they were on its last day in mb: \(listed)")
            var held: [String] = []
            for try await meeting in try await officer.serverStream(
                .meetingsList,
                ListMeetingsRequest(cellId: "ang"),
                as: Meeting.self
            ) {
                held.append(meeting.heldOn?.isoKey ?? "")
            }
            #expect(held == ["2025-03-03"], "the cell's meetings up to the day it left: \(held)")
            var fed: [String] = []
            for try await event in try await officer.serverStream(
                .changesFollow,
                FollowChangesRequest(),
                as: ChangeEvent.self
            ) {
                fed.append("\(event.entity) \(event.entityId)")
            }
            // Meetings show by the date they were held; changes of members by the day they were made
            // (here every change was made after the move, so none of the cell's members shows).
            #expect(fed.contains("meeting \(meetings["2025-03-03"] ?? "")"), "the feed: \(fed)")
            #expect(!fed.contains("member a2") && !fed.contains("member a1"), "the feed: \(fed)")
            #expect(!fed.contains("meeting \(meetings["2026-08-03"] ?? "")"), "no meeting of the cell after it left")

            // Reports of the cell cover only its time in mb.
            let overview = { (year: Int32) in
                await Self.code {
                    _ = try await officer.unary(
                        .reportsOverview,
                        OverviewRequest(unitId: "ang", year: year),
                        as: OverviewReport.self
                    )
                }
            }
            #expect(await overview(2025) == .ok)
            #expect(await overview(2026) == .permissionDenied, "the year the cell left")
            let attendance = await Self.code {
                let rows = try await officer.serverStream(
                    .reportsAttendance,
                    AttendanceReportRequest(unitId: "ang", from: day(2025, 1, 1), period: .month),
                    as: AttendanceRow.self
                )
                for try await _ in rows {}
            }
            #expect(attendance == .ok, "a period cut to the day the cell left")

            // The new commune reads the cell from the day it arrived.
            let newOfficer = try await Self.token(harness, "officer-cm", .officer, "cm")
            #expect(
                await Self.code {
                    _ = try await newOfficer.unary(.membersGet, GetMemberRequest(id: "a2"), as: MemberResponse.self)
                } == .ok
            )
            #expect(
                await Self.code {
                    _ = try await newOfficer.unary(
                        .meetingsGet,
                        GetMeetingRequest(id: meetings["2025-03-03"] ?? ""),
                        as: MeetingResponse.self
                    )
                } == .notFound,
                "the old commune's meeting is not the new commune's"
            )
            for client in [admin, officer, newOfficer] { await client.close() }
        }
    }

    @Test(arguments: AccessBackend.all) func anImportBelongsToItsToken(backend: AccessBackend) async throws {
        try await AccessHarness.with(backend: backend) { harness in
            let officer = harness.client(.officer)
            let other = try await Self.token(harness, "officer-2", .officer, "mb")
            let importID = UUID().uuidString
            func run(_ client: ChiboClient, batch: Int64) async throws -> RunImportResponse {
                let header = ImportHeader(importId: importID, entity: .members, onConflict: .skip)
                let row = ImportRow(
                    rowNumbers: [Int32(batch) + 1],
                    unitRef: "MB-BO",
                    record: .member(Member(partyCardNumber: "03000\(batch)", fullName: "Người Nhập \(batch)"))
                )
                let requests = AsyncStream<RunImportRequest> { continuation in
                    continuation.yield(RunImportRequest(message: .header(header)))
                    continuation.yield(RunImportRequest(message: .batch(ImportBatch(batchNumber: batch, rows: [row]))))
                    continuation.finish()
                }
                return try await client.clientStream(.importRun, requests: requests, as: RunImportResponse.self)
            }
            _ = try await run(officer, batch: 1)
            #expect(
                await Self.code { _ = try await run(other, batch: 2) } == .notFound,
                "another token appends nothing"
            )
            let status = GetImportStatusRequest(importId: importID)
            #expect(
                await Self.code { _ = try await other.unary(.importStatus, status, as: ImportCheckpoint.self) }
                    == .notFound
            )
            let listing = ListImportRejectionsRequest(importId: importID)
            #expect(
                await Self.code {
                    for try await _ in try await other.serverStream(
                        .importListRejections,
                        listing,
                        as: RowRejection.self
                    ) {}
                } == .notFound,
                "another token lists none of its refused rows"
            )
            #expect(
                await Self.code {
                    for try await _ in try await officer.serverStream(
                        .importListRejections,
                        listing,
                        as: RowRejection.self
                    ) {}
                } == .ok
            )
            let unknownID = UUID().uuidString
            let foreign = await Self.message {
                _ = try await other.unary(.importStatus, status, as: ImportCheckpoint.self)
            }
            let unknown = await Self.message {
                _ = try await other.unary(
                    .importStatus,
                    GetImportStatusRequest(importId: unknownID),
                    as: ImportCheckpoint.self
                )
            }
            #expect(
                foreign.replacingOccurrences(of: importID, with: "ID")
                    == unknown.replacingOccurrences(of: unknownID, with: "ID"),
                "another token's import reads as an unknown one: \(foreign) / \(unknown)"
            )
            #expect(
                await Self.code {
                    _ = try await other.unary(
                        .importUndo,
                        UndoImportRequest(importId: importID),
                        as: UndoImportResponse.self
                    )
                } == .notFound
            )
            let mine = try await officer.unary(.importStatus, status, as: ImportCheckpoint.self)
            #expect(mine.lastBatch == 1 && mine.counts?.inserted == 1, "the owner's import took one batch only")
            let undone = try await officer.unary(
                .importUndo,
                UndoImportRequest(importId: importID),
                as: UndoImportResponse.self
            )
            #expect(undone.voided == 1)
            for client in [officer, other] { await client.close() }
        }
    }

    @Test(arguments: AccessBackend.all) func outOfScopeIsAnsweredAsAbsent(backend: AccessBackend) async throws {
        try await AccessHarness.with(backend: backend) { harness in
            let officer = harness.client(.officer)
            // n1 (card 020001) is in cm's cell na; 029999 is no one's card.
            let foreign = await Self.message {
                _ = try await officer.unary(
                    .membersGet,
                    GetMemberRequest(partyCardNumber: "020001"),
                    as: MemberResponse.self
                )
            }
            let unknown = await Self.message {
                _ = try await officer.unary(
                    .membersGet,
                    GetMemberRequest(partyCardNumber: "029999"),
                    as: MemberResponse.self
                )
            }
            #expect(
                foreign.replacingOccurrences(of: "020001", with: "N")
                    == unknown.replacingOccurrences(of: "029999", with: "N")
            )
            #expect(foreign.contains("does not exist"), "\(foreign)")
            #expect(!foreign.contains("Lường") && !foreign.contains("CM-NA"), "no holder named: \(foreign)")
            let supervisor = await Self.message {
                _ = try await officer.unary(
                    .orgUnitsAssignSupervisor,
                    AssignSupervisorRequest(unitId: "bo", assignment: SupervisorAssignment(memberId: "n1")),
                    as: OrgUnitResponse.self
                )
            }
            #expect(!supervisor.contains("Lường Văn Nam"), "a foreign member's name never comes back: \(supervisor)")
            #expect(
                await Self.code {
                    _ = try await officer.unary(
                        .orgUnitsAssignSupervisor,
                        AssignSupervisorRequest(unitId: "bo", assignment: SupervisorAssignment(memberId: "n1")),
                        as: OrgUnitResponse.self
                    )
                } == .notFound
            )
            #expect(
                await Self.code {
                    _ = try await officer.unary(.orgUnitsGet, GetOrgUnitRequest(id: "na"), as: OrgUnitResponse.self)
                } == .notFound
            )
            await officer.close()
        }
    }
}
