import ChiboAccess
import ChiboClient
import ChiboModel
import ChiboStore
import ChiboTesting
import Foundation
import GRDB
import Testing

/// Tokens (shape, expiry, revocation), lists narrowed to the scope, personal data by role, the
/// audit log and its chain, and the abuse limits.
@Suite struct TokenAndAuditTests {
    @Test func tokensHaveAPrefixAndAChecksum() {
        let token = AccessToken.generate()
        #expect(token.hasPrefix("chibo_"))
        #expect(token.count == AccessToken.length)
        #expect(AccessToken.isWellFormed(token))
        // One character changed breaks the checksum.
        var characters = Array(token)
        characters[10] = characters[10] == "a" ? "b" : "a"
        #expect(!AccessToken.isWellFormed(String(characters)))
        #expect(!AccessToken.isWellFormed("chibo_short"))
        #expect(AccessToken.generate() != token)
        #expect(AccessToken.hash(token).count == 64)
    }

    @Test func malformedUnknownExpiredAndRevokedTokensAreRefused() async throws {
        // The gate's clock, moved by hand past the token cache's lifetime below.
        let time = ManualTime()
        try await AccessHarness.with(nowMs: time.function) { harness in
            func infoCode(_ token: String) async -> Outcome {
                let client = ChiboClient(
                    host: "127.0.0.1",
                    port: harness.port,
                    configuration: ClientConfiguration(token: token, maxAttempts: 1)
                )
                let outcome = await Outcome.of {
                    _ = try await client.unary(.serverInfoGet, ServerInfoRequest(), as: ServerInfoResponse.self)
                }
                await client.close()
                return outcome
            }
            let authority = TokenAuthority(store: harness.store)
            #expect(await infoCode("not-a-token") == .refused(.unauthenticated))
            #expect(await infoCode(AccessToken.generate()) == .refused(.unauthenticated), "well formed but unknown")
            let expired = try await authority.mint(
                name: "expired",
                role: .viewer,
                scopeUnitID: "mb",
                expiresOn: CalendarDate(year: 2020, month: 1, day: 1),
                nowMs: 0
            )
            #expect(await infoCode(expired.token) == .refused(.unauthenticated))
            let revoked = try await authority.mint(
                name: "soon revoked",
                role: .viewer,
                scopeUnitID: "mb",
                expiresOn: nil,
                nowMs: 0
            )
            #expect(await infoCode(revoked.token) == .passed(.ok))
            _ = try await harness.store.revokeToken(idOrName: "soon revoked", atMs: 1)
            // Checks are cached for a second at most: move the gate's clock past it.
            time.advance(by: .milliseconds(1100))
            #expect(await infoCode(revoked.token) == .refused(.unauthenticated))
            let stored = try await harness.store.tokens()
            #expect(stored.allSatisfy { !$0.hash.contains("chibo_") && $0.hash.count == 64 }, "only hashes are kept")
            let failures = try await harness.store.auditEntries(AuditQuery(limit: 1000, actor: "")).filter {
                $0.method == "auth"
            }
            #expect(failures.count >= 4, "failed authentications are audited")
        }
    }

    @Test func listsShowOnlyTheScopeAndPersonalDataOnlyToOfficers() async throws {
        try await AccessHarness.with { harness in
            func members(_ role: Role) async throws -> [Member] {
                let client = harness.client(role)
                defer { Task { await client.close() } }
                var result: [Member] = []
                for try await member in try await client.serverStream(
                    .membersList,
                    ListMembersRequest(),
                    as: Member.self
                ) {
                    result.append(member)
                }
                return result
            }
            #expect(Set(try await members(.admin).map(\.id)) == ["b1", "a1", "n1"])
            let officer = try await members(.officer)
            #expect(Set(officer.map(\.id)) == ["b1", "a1"])
            #expect(officer.first { $0.id == "b1" }?.citizenId == "014085000123")
            let viewer = try await members(.viewer)
            #expect(Set(viewer.map(\.id)) == ["b1", "a1"])
            let b1 = try #require(viewer.first { $0.id == "b1" })
            #expect(b1.citizenId.isEmpty && b1.phone.isEmpty && b1.birthDate == nil, "redacted for a viewer")
            #expect(b1.fullName == "Lò Văn Bình")
            #expect(try await members(.secretary).map(\.id) == ["b1"])
        }
    }

    @Test func aSecretaryRecordsTheirCellsMeetingsOnly() async throws {
        try await AccessHarness.with { harness in
            let secretary = harness.client(.secretary)
            defer { Task { await secretary.close() } }
            let meeting = Meeting(
                cellId: "bo",
                heldOn: day(2025, 4, 3),
                kind: .regular,
                attendance: [AttendanceRecord(memberId: "b1", state: .present)]
            )
            let recorded = try await secretary.unary(
                .meetingsRecord,
                RecordMeetingRequest(meeting: meeting),
                as: MeetingResponse.self
            )
            #expect(recorded.meeting?.meta?.updatedBy == "secretary", "the token's name is the author")
            var other = meeting
            other.cellId = "ang"
            other.attendance = [AttendanceRecord(memberId: "a1", state: .present)]
            await #expect(throws: ClientError.self) {
                _ = try await secretary.unary(
                    .meetingsRecord,
                    RecordMeetingRequest(meeting: other),
                    as: MeetingResponse.self
                )
            }
            await #expect(throws: ClientError.self) {
                _ = try await secretary.unary(.membersGet, GetMemberRequest(id: "a1"), as: MemberResponse.self)
            }
        }
    }

    @Test func everyChangeIsAuditedAndTamperingShows() async throws {
        try await AccessHarness.with { harness in
            let officer = harness.client(.officer)
            defer { Task { await officer.close() } }
            let created = try await officer.unary(
                .membersCreate,
                CreateMemberRequest(
                    member: Member(
                        citizenId: "014085009999",
                        fullName: "Tòng Thị Mới",
                        cellId: "ang",
                        events: [StatusEvent(kind: .admitted, effectiveOn: day(2025, 1, 1))]
                    )
                ),
                as: MemberResponse.self
            )
            let id = try #require(created.member?.id)
            _ = try await officer.unary(
                .membersUpdate,
                UpdateMemberRequest(
                    member: Member(id: id, note: "chuyển đến", meta: RecordMeta(revision: 1)),
                    updateMask: FieldMask(paths: ["note"])
                ),
                as: MemberResponse.self
            )
            // A refused change and a failed one are audited too.
            _ = try? await officer.unary(
                .membersVoidRecord,
                VoidRequest(id: "n1", revision: 1, reason: "x"),
                as: MemberResponse.self
            )
            _ = try? await officer.unary(
                .membersUpdate,
                UpdateMemberRequest(
                    member: Member(id: id, meta: RecordMeta(revision: 9)),
                    updateMask: FieldMask(paths: ["note"])
                ),
                as: MemberResponse.self
            )

            let auditor = harness.client(.auditor)
            defer { Task { await auditor.close() } }
            var entries: [AuditEntry] = []
            for try await entry in try await auditor.serverStream(
                .auditList,
                ListAuditRequest(limit: 1000),
                as: AuditEntry.self
            ) {
                entries.append(entry)
            }
            let aboutMember = entries.filter { $0.entityId == id }
            #expect(aboutMember.map(\.method) == ["MEMBERS_CREATE", "MEMBERS_UPDATE"])
            #expect(
                aboutMember.allSatisfy {
                    $0.actor == "officer" && $0.role == "officer" && $0.peer.hasPrefix("127.0.0.1:")
                }
            )
            let update = try #require(aboutMember.last)
            #expect(update.beforeJson.contains("Tòng Thị Mới") && !update.beforeJson.contains("chuyển đến"))
            #expect(update.afterJson.contains("chuyển đến"))
            #expect(!update.afterJson.contains("014085009999"), "personal fields are left out of the log")
            #expect(
                entries.contains { $0.method == "MEMBERS_VOID_RECORD" && $0.outcome == "NOT_FOUND" },
                "\(entries.map { "\($0.seq) \($0.method) \($0.outcome) \($0.actor)" })"
            )
            // The failed update is audited after the call ends.
            try await waitUntil("the failed update to be audited") {
                try await harness.store.auditEntries(AuditQuery(limit: 10_000)).contains {
                    $0.method == "MEMBERS_UPDATE" && $0.outcome == "ABORTED"
                }
            }

            let intact = try await auditor.unary(.auditVerify, VerifyAuditRequest(), as: VerifyAuditResponse.self)
            #expect(intact.intact && intact.entries >= Int64(entries.count) && intact.headHash.count == 64)

            // Alter one entry in the database file: verification names it.
            let queue = try DatabaseQueue(path: harness.path)
            let target = try #require(aboutMember.first?.seq)
            try await queue.write { db in
                try db.execute(sql: "UPDATE audit_log SET actor = 'someone else' WHERE seq = ?", arguments: [target])
            }
            try queue.close()
            let broken = try await auditor.unary(.auditVerify, VerifyAuditRequest(), as: VerifyAuditResponse.self)
            #expect(!broken.intact)
            #expect(broken.firstBrokenSeq == target)
            #expect(broken.problem.contains("altered"))
        }
    }

    @Test func callsInFlightAreLimitedPerToken() async throws {
        try await AccessHarness.with(limits: AbuseLimits(maxCallsPerToken: 1)) { harness in
            let viewer = harness.client(.viewer)
            // A follow stream holds the token's one slot.
            let feed = try await viewer.serverStream(
                .changesFollow,
                FollowChangesRequest(follow: true),
                as: ChangeEvent.self
            )
            var iterator = feed.makeAsyncIterator()
            _ = try await iterator.next()
            do {
                _ = try await viewer.unary(.orgUnitsGet, GetOrgUnitRequest(id: "bo"), as: OrgUnitResponse.self)
                Issue.record("a second call should be refused")
            } catch let error as ClientError {
                #expect(error.code == .resourceExhausted)
            }
            // Another token is not affected.
            let admin = harness.client(.admin)
            _ = try await admin.unary(.orgUnitsGet, GetOrgUnitRequest(id: "bo"), as: OrgUnitResponse.self)
            await viewer.close()
            await admin.close()
        }
    }
}
