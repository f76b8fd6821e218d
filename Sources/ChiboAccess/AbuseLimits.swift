import NIOConcurrencyHelpers

/// Limits that keep one client from hurting the others: failed authentications per peer host,
/// calls in flight per token, and imports in flight per token.
public final class AbuseLimits: Sendable {
    /// Failed authentications a host may make within `failureWindowMs` before it is refused.
    public let maxFailures: Int
    /// The window failures are counted in, in milliseconds.
    public let failureWindowMs: Int64
    /// Calls one token may have in flight at once.
    public let maxCallsPerToken: Int
    /// Imports (Import.Run calls) one token may have in flight at once: each holds a write
    /// transaction per batch, so a few are enough to starve everyone else.
    public let maxImportsPerToken: Int

    private struct State {
        var failures: [String: [Int64]] = [:]
        var callsInFlight: [String: Int] = [:]
        var importsInFlight: [String: Int] = [:]
    }

    private let state = NIOLockedValueBox(State())

    /// Creates limits.
    public init(
        maxFailures: Int = 20,
        failureWindowMs: Int64 = 60_000,
        maxCallsPerToken: Int = 64,
        maxImportsPerToken: Int = 2
    ) {
        self.maxFailures = maxFailures
        self.failureWindowMs = failureWindowMs
        self.maxCallsPerToken = maxCallsPerToken
        self.maxImportsPerToken = maxImportsPerToken
    }

    /// Milliseconds until `host` may try again, or nil when it may try now.
    public func blockedFor(host: String, nowMs: Int64) -> Int64? {
        state.withLockedValue { state in
            let recent = (state.failures[host] ?? []).filter { nowMs - $0 < failureWindowMs }
            state.failures[host] = recent.isEmpty ? nil : recent
            guard recent.count >= maxFailures, let oldest = recent.first else { return nil }
            return failureWindowMs - (nowMs - oldest)
        }
    }

    /// Counts a failed authentication; returns true when it is the one that reaches the limit.
    public func recordFailure(host: String, nowMs: Int64) -> Bool {
        state.withLockedValue { state in
            var recent = (state.failures[host] ?? []).filter { nowMs - $0 < failureWindowMs }
            recent.append(nowMs)
            if state.failures.count > 100_000 { state.failures.removeAll() }
            state.failures[host] = recent
            return recent.count == maxFailures
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
