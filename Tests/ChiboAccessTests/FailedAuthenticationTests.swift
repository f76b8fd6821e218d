import ChiboAccess
import ChiboClient
import ChiboModel
import ChiboStore
import ChiboTesting
import Foundation
import NIOConcurrencyHelpers
import Testing

/// Failed authentications slow down and then refuse the failing attempts, per address and per
/// token prefix, and never a valid token. The clock and the hold-back are injected: nothing
/// here sleeps.
@Suite struct FailedAuthenticationTests {
    /// A clock the test moves by hand, and the hold-backs the gate asked for.
    final class Recorder: Sendable {
        private let clock: NIOLockedValueBox<Int64>
        private let waits = NIOLockedValueBox<[Duration]>([])

        init(nowMs: Int64) { clock = NIOLockedValueBox(nowMs) }

        var nowMs: Int64 { clock.withLockedValue { $0 } }
        var pauses: [Duration] { waits.withLockedValue { $0 } }
        func advance(ms: Int64) { clock.withLockedValue { $0 += ms } }
        func pause(_ duration: Duration) { waits.withLockedValue { $0.append(duration) } }
    }

    @Test func failuresAreDelayedThenRefusedUntilTheWindowEnds() {
        let limits = AbuseLimits(
            maxFailures: 5,
            slowAfterFailures: 2,
            failureWindowMs: 60_000,
            firstDelayMs: 100,
            maxDelayMs: 250
        )
        var penalties: [FailurePenalty] = []
        var trips: [Bool] = []
        for second in 0..<7 {
            let (penalty, tripped) = limits.recordFailure(
                host: "10.0.0.1",
                prefix: "chibo_AbCd",
                nowMs: Int64(second) * 1000
            )
            penalties.append(penalty)
            trips.append(tripped)
        }
        #expect(
            penalties == [
                .none, .none, .delay(ms: 100), .delay(ms: 200), .delay(ms: 250),
                .refuse(retryAfterMs: 55_000), .refuse(retryAfterMs: 54_000),
            ]
        )
        #expect(trips == [false, false, false, false, false, true, false], "only the first refusal trips")
        // A new window starts clean.
        let later = limits.recordFailure(host: "10.0.0.1", prefix: "chibo_AbCd", nowMs: 60_000)
        #expect(later.penalty == .none)
    }

    @Test func aTokenPrefixIsCountedAcrossAddresses() {
        let limits = AbuseLimits(maxFailures: 3, slowAfterFailures: 3, failureWindowMs: 60_000)
        var last = FailurePenalty.none
        for host in 1...4 {
            last = limits.recordFailure(host: "10.0.0.\(host)", prefix: "chibo_AbCd", nowMs: 0).penalty
        }
        #expect(last == .refuse(retryAfterMs: 60_000), "four addresses, one prefix")
        let otherPrefix = limits.recordFailure(host: "10.0.0.9", prefix: "chibo_WxYz", nowMs: 0).penalty
        #expect(otherPrefix == .none, "another prefix from a fresh address is not touched")
    }

    @Test func aRefusedTokenIsRememberedForTheWindow() {
        let limits = AbuseLimits(failureWindowMs: 1000)
        _ = limits.recordFailure(host: "h", prefix: "p", tokenHash: "abc", reason: "revoked", nowMs: 0)
        #expect(limits.knownRefusal(tokenHash: "abc", nowMs: 999) == "revoked")
        #expect(limits.knownRefusal(tokenHash: "abc", nowMs: 1000) == nil)
        #expect(limits.knownRefusal(tokenHash: "other", nowMs: 0) == nil)
    }

    @Test func aMisconfiguredClientDoesNotLockOutAValidTokenFromItsAddress() async throws {
        let recorder = Recorder(nowMs: Int64(Date().timeIntervalSince1970 * 1000))
        let limits = AbuseLimits(
            maxFailures: 6,
            slowAfterFailures: 2,
            failureWindowMs: 60_000,
            firstDelayMs: 100,
            maxDelayMs: 400,
            pause: { recorder.pause($0) }
        )
        let clock: @Sendable () -> Int64 = { recorder.nowMs }
        try await AccessHarness.with(limits: limits, nowMs: clock) { harness in
            // A client with a token this server does not know, failing again and again.
            let misconfigured = ChiboClient(
                host: "127.0.0.1",
                port: harness.port,
                configuration: ClientConfiguration(token: AccessToken.generate(), maxAttempts: 1)
            )
            defer { Task { await misconfigured.close() } }
            var refusals: [ClientError] = []
            for _ in 0..<10 {
                do {
                    _ = try await misconfigured.unary(.serverInfoGet, ServerInfoRequest(), as: ServerInfoResponse.self)
                    Issue.record("an unknown token was admitted")
                } catch let error as ClientError {
                    refusals.append(error)
                }
            }
            #expect(
                refusals.map(\.code) == Array(repeating: .unauthenticated, count: 6)
                    + Array(repeating: .resourceExhausted, count: 4)
            )
            #expect(
                recorder.pauses == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(400)],
                "the third to sixth failures are held back, doubling up to the most"
            )
            let refused = try #require(refusals.last?.message)
            #expect(refused.contains("the token is not known to this server"))
            #expect(refused.contains("too many failed authentications from 127.0.0.1"))
            #expect(refused.contains("valid tokens are not affected"))

            // Valid tokens from the same address are served at once, on new connections too.
            for role in [Role.admin, .viewer] {
                let valid = harness.client(role)
                let info = try await valid.unary(.serverInfoGet, ServerInfoRequest(), as: ServerInfoResponse.self)
                #expect(!info.serverVersion.isEmpty)
                await valid.close()
            }
            #expect(recorder.pauses.count == 4, "a valid token is never held back")

            // The refusal is audited once, not once per attempt.
            let entries = try await harness.store.auditEntries(AuditQuery(limit: 1000)).filter { $0.method == "auth" }
            #expect(entries.filter { $0.outcome == "UNAUTHENTICATED" }.count == 6)
            #expect(entries.filter { $0.outcome == "RESOURCE_EXHAUSTED" }.count == 1)

            // When the window ends the failing token is answered as an unknown one again.
            recorder.advance(ms: 60_000)
            do {
                _ = try await misconfigured.unary(.serverInfoGet, ServerInfoRequest(), as: ServerInfoResponse.self)
                Issue.record("an unknown token was admitted")
            } catch let error as ClientError {
                #expect(error.code == .unauthenticated)
            }
        }
    }
}
