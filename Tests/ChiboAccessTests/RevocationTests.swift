import ChiboAccess
import ChiboClient
import ChiboModel
import ChiboStore
import ChiboTesting
import Foundation
import Testing

/// A token revoked or expired while its calls are open: the server checks it again while they
/// run (every 50 ms here) and ends them with UNAUTHENTICATED, streams included.
@Suite struct RevocationTests {
    /// 2025-03-10 23:59 in Vietnam (UTC+7), in milliseconds since 1970.
    static let lastMinuteOfTheTenth: Int64 =
        (Int64(CalendarDate(year: 2025, month: 3, day: 11).daysSince1970) * 86_400
            - 7 * 3600 - 60) * 1000

    @Test(arguments: AccessBackend.all)
    func revokingATokenEndsItsOpenFollowStream(backend: AccessBackend) async throws {
        try await AccessHarness.with(recheckInterval: .milliseconds(50), backend: backend) { harness in
            let minted = try await harness.mint("watcher", expiresOn: nil)
            let client = harness.client(token: minted)
            defer { Task { await client.close() } }
            let ending = try await Self.endingOfAFollowStream(client) {
                _ = try await harness.store.revokeToken(idOrName: "watcher", atMs: 1)
            }
            #expect(ending?.code == .unauthenticated)
            #expect(ending?.message.contains("revoked") == true, "\(String(describing: ending))")

            let entries = try await harness.store.auditEntries(AuditQuery(limit: 10_000))
            #expect(
                entries.contains { $0.method == "auth" && $0.detail.contains("open calls were ended") },
                "the ending is audited"
            )
            let info = await Outcome.of {
                _ = try await client.unary(.serverInfoGet, ServerInfoRequest(), as: ServerInfoResponse.self)
            }
            #expect(info == .refused(.unauthenticated), "new calls on the connection are refused")
        }
    }

    @Test(arguments: AccessBackend.all)
    func anExpiringTokenEndsItsOpenFollowStreamAtMidnight(backend: AccessBackend) async throws {
        let clock = ManualTime(startMs: Self.lastMinuteOfTheTenth)
        try await AccessHarness.with(recheckInterval: .milliseconds(50), nowMs: clock.function, backend: backend) {
            harness in
            let minted = try await harness.mint(
                "until the eleventh",
                expiresOn: CalendarDate(year: 2025, month: 3, day: 11)
            )
            let client = harness.client(token: minted)
            defer { Task { await client.close() } }
            let ending = try await Self.endingOfAFollowStream(client) {
                clock.advance(by: .seconds(60))
            }
            #expect(ending?.code == .unauthenticated)
            #expect(ending?.message.contains("expired") == true, "\(String(describing: ending))")
        }
    }

    /// Follows the change feed, checks that it delivers, runs `cut`, then reads on: the error the
    /// stream ends with, waiting at most 60 seconds (a bound, not a pace).
    static func endingOfAFollowStream(
        _ client: ChiboClient,
        cut: @escaping @Sendable () async throws -> Void
    ) async throws -> ClientError? {
        let stream = try await client.serverStream(
            .changesFollow,
            FollowChangesRequest(follow: true),
            as: ChangeEvent.self
        )
        return try await withBound("the follow stream to end", .seconds(60)) {
            var events = stream.makeAsyncIterator()
            #expect(try await events.next() != nil, "the stream delivers while the token stands")
            try await cut()
            do {
                while try await events.next() != nil {}
                return nil
            } catch let error as ClientError {
                return error
            }
        }
    }
}

extension AccessHarness {
    /// Makes an officer token scoped to mb.
    func mint(_ name: String, expiresOn: CalendarDate?) async throws -> String {
        try await TokenAuthority(store: store).mint(
            name: name,
            role: .officer,
            scopeUnitID: "mb",
            expiresOn: expiresOn,
            nowMs: 0
        ).token
    }

    /// A client that presents `token`.
    func client(token: String) -> ChiboClient {
        ChiboClient(host: "127.0.0.1", port: port, configuration: ClientConfiguration(token: token, maxAttempts: 1))
    }
}
