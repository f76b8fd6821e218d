import ChiboAccess
import ChiboClient
import ChiboModel
import ChiboTesting
import Testing

/// `welcome.limits` says what a client will hit: the frame limit in force on its connection and
/// the per-token limits the gate enforces; a call over the token's limit is refused when it
/// opens, with a message naming the announced limit.
@Suite struct TokenLimitsAnnouncedTests {
    @Test func theWelcomeAnnouncesTheTokensLimitsAndTheFrameLimitInForce() async throws {
        try await AccessHarness.with(limits: AbuseLimits(maxCallsPerToken: 3, maxImportsPerToken: 1)) { harness in
            let viewer = harness.client(.viewer)
            let limits = try #require(try await viewer.welcome().limits)
            #expect(limits.maxCallsPerToken == 3)
            #expect(limits.maxImportsPerToken == 1)
            #expect(limits.maxFrameBytes == 4 << 20, "a valid token has the full frame limit")
            #expect(limits.anonymousMaxFrameBytes == 64 << 10)
            await viewer.close()

            let anonymous = harness.client(nil)
            #expect(try await anonymous.welcome().limits?.maxFrameBytes == 64 << 10)
            await anonymous.close()
        }
    }

    @Test func callsOverTheTokensLimitAreRefusedAtOnce() async throws {
        try await AccessHarness.with(limits: AbuseLimits(maxCallsPerToken: 3)) { harness in
            let viewer = harness.client(.viewer)
            // Three follow streams hold the token's three slots.
            var feeds: [ResponseSequence<ChangeEvent>.AsyncIterator] = []
            for _ in 0..<3 {
                let feed = try await viewer.serverStream(
                    .changesFollow,
                    FollowChangesRequest(follow: true),
                    as: ChangeEvent.self
                )
                var iterator = feed.makeAsyncIterator()
                _ = try await iterator.next()
                feeds.append(iterator)
            }
            for _ in 0..<5 {
                do {
                    _ = try await viewer.unary(.orgUnitsGet, GetOrgUnitRequest(id: "bo"), as: OrgUnitResponse.self)
                    Issue.record("a call over the token's limit should be refused")
                } catch let error as ClientError {
                    #expect(error.code == .resourceExhausted)
                    #expect(error.message.contains("max_calls_per_token"))
                }
            }
            // Health does not stand on the token and takes no slot.
            _ = try await viewer.unary(.healthCheck, HealthCheckRequest(), as: HealthCheckResponse.self)
            #expect(feeds.count == 3)
            await viewer.close()
        }
    }
}
