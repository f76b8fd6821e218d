import NIOConcurrencyHelpers

/// Limits that keep one client from hurting the others: failed authentications per peer address
/// and per token prefix, calls in flight per token, and imports in flight per token.
///
/// Failed authentications only ever penalise the failing attempts: a valid token is admitted
/// before any count is looked at. Past `slowAfterFailures` failures in a window (per address or
/// per token prefix) each further refusal is held back, `firstDelayMs` doubling up to
/// `maxDelayMs`; past `maxFailures` the failing attempts are refused with RESOURCE_EXHAUSTED
/// until the window ends, and a token already refused is not looked up again.
public final class AbuseLimits: Sendable {
    /// Failed authentications an address or a token prefix may make within `failureWindowMs`
    /// before its failing attempts are refused outright.
    public let maxFailures: Int
    /// Failed authentications before the refusals are held back.
    public let slowAfterFailures: Int
    /// The window failures are counted in, in milliseconds.
    public let failureWindowMs: Int64
    /// Calls one token may have in flight at once.
    public let maxCallsPerToken: Int
    /// Imports (Import.Run calls) one token may have in flight at once: each holds a write
    /// transaction per batch, so a few are enough to starve everyone else.
    public let maxImportsPerToken: Int
    /// How a held-back refusal waits (a test records the wait instead of sleeping).
    public let pause: @Sendable (Duration) async -> Void

    private struct State {
        var failures: FailedAuthentications
        var callsInFlight: [String: Int] = [:]
        var importsInFlight: [String: Int] = [:]
    }

    private let state: NIOLockedValueBox<State>

    /// Creates limits; `firstDelayMs` and `maxDelayMs` bound the hold-back of refusals.
    public init(
        maxFailures: Int = 20,
        slowAfterFailures: Int = 5,
        failureWindowMs: Int64 = 60_000,
        firstDelayMs: Int64 = 250,
        maxDelayMs: Int64 = 2_000,
        maxCallsPerToken: Int = 64,
        maxImportsPerToken: Int = 2,
        pause: @escaping @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) }
    ) {
        self.maxFailures = maxFailures
        self.slowAfterFailures = min(slowAfterFailures, maxFailures)
        self.failureWindowMs = failureWindowMs
        self.maxCallsPerToken = maxCallsPerToken
        self.maxImportsPerToken = maxImportsPerToken
        self.pause = pause
        state = NIOLockedValueBox(
            State(
                failures: FailedAuthentications(
                    slowAfter: min(slowAfterFailures, maxFailures),
                    refuseAfter: maxFailures,
                    windowMs: failureWindowMs,
                    firstDelayMs: firstDelayMs,
                    maxDelayMs: maxDelayMs
                )
            )
        )
    }

    /// The reason a token (by its hash) was refused within the window, or nil: a client retrying
    /// a bad token is answered without a lookup.
    public func knownRefusal(tokenHash: String, nowMs: Int64) -> String? {
        state.withLockedValue { $0.failures.refusal(tokenHash: tokenHash, nowMs: nowMs) }
    }

    /// Counts a failed authentication from `host` with a token starting `prefix` (empty: none
    /// given) and returns its penalty; `tripped` is true for the first refused attempt of a
    /// window. `tokenHash` and `reason` remember a looked-up token's refusal.
    public func recordFailure(
        host: String,
        prefix: String,
        tokenHash: String? = nil,
        reason: String = "",
        nowMs: Int64
    ) -> (penalty: FailurePenalty, tripped: Bool) {
        state.withLockedValue { state in
            if let tokenHash { state.failures.remember(tokenHash: tokenHash, reason: reason, nowMs: nowMs) }
            var keys = ["address " + host]
            if !prefix.isEmpty { keys.append("prefix " + prefix) }
            return state.failures.record(keys: keys, nowMs: nowMs)
        }
    }

    /// Takes a call slot of a token; false when the token has all its calls in flight.
    public func beginCall(tokenID: String) -> Bool {
        state.withLockedValue { state in
            let current = state.callsInFlight[tokenID] ?? 0
            guard current < maxCallsPerToken else { return false }
            state.callsInFlight[tokenID] = current + 1
            return true
        }
    }

    /// Gives a call slot back.
    public func endCall(tokenID: String) {
        state.withLockedValue { state in
            let current = (state.callsInFlight[tokenID] ?? 1) - 1
            state.callsInFlight[tokenID] = current <= 0 ? nil : current
        }
    }

    /// Takes an import slot of a token; false when the token has all its imports in flight.
    public func beginImport(tokenID: String) -> Bool {
        state.withLockedValue { state in
            let current = state.importsInFlight[tokenID] ?? 0
            guard current < maxImportsPerToken else { return false }
            state.importsInFlight[tokenID] = current + 1
            return true
        }
    }

    /// Gives an import slot back.
    public func endImport(tokenID: String) {
        state.withLockedValue { state in
            let current = (state.importsInFlight[tokenID] ?? 1) - 1
            state.importsInFlight[tokenID] = current <= 0 ? nil : current
        }
    }
}
