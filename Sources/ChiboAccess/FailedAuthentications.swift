/// What a failed authentication earns its sender, judged on the failures counted against its
/// address and its token's prefix: nothing yet, a delay before the refusal, or a refusal without
/// a lookup until the window ends. A valid token is never judged: it is admitted first.
public enum FailurePenalty: Hashable, Sendable {
    /// Refused at once with UNAUTHENTICATED.
    case none
    /// Refused with UNAUTHENTICATED after this many milliseconds.
    case delay(ms: Int64)
    /// Refused with RESOURCE_EXHAUSTED; the key may fail again in this many milliseconds.
    case refuse(retryAfterMs: Int64)
}

/// Failed authentications counted per key (an address, or a token prefix) in fixed windows,
/// and the failing tokens remembered so that a client retrying one bad token costs no lookup.
/// Not thread-safe: `AbuseLimits` keeps it behind a lock.
struct FailedAuthentications {
    /// One key's count in its current window.
    struct Count {
        var failures: Int
        var windowStartMs: Int64
    }

    /// Failures before a key's refusals are delayed.
    let slowAfter: Int
    /// Failures before a key's failing attempts are refused outright.
    let refuseAfter: Int
    /// The window failures are counted in.
    let windowMs: Int64
    /// The first delay; each further failure doubles it up to `maxDelayMs`.
    let firstDelayMs: Int64
    /// The longest delay.
    let maxDelayMs: Int64

    private(set) var counts: [String: Count] = [:]
    private var refusedTokens: [String: (reason: String, atMs: Int64)] = [:]
    /// Keys and tokens kept before the oldest are dropped, so that a flood of addresses or
    /// tokens cannot grow the server without bound.
    static let capacity = 100_000

    init(slowAfter: Int, refuseAfter: Int, windowMs: Int64, firstDelayMs: Int64, maxDelayMs: Int64) {
        self.slowAfter = slowAfter
        self.refuseAfter = refuseAfter
        self.windowMs = windowMs
        self.firstDelayMs = firstDelayMs
        self.maxDelayMs = maxDelayMs
    }

    /// The refusal remembered for a token (by its hash) that failed within the window.
    mutating func refusal(tokenHash: String, nowMs: Int64) -> String? {
        guard let known = refusedTokens[tokenHash] else { return nil }
        if nowMs - known.atMs >= windowMs {
            refusedTokens[tokenHash] = nil
            return nil
        }
        return known.reason
    }

    /// Remembers a token that was looked up and refused.
    mutating func remember(tokenHash: String, reason: String, nowMs: Int64) {
        if refusedTokens.count >= Self.capacity { refusedTokens.removeAll() }
        refusedTokens[tokenHash] = (reason, nowMs)
    }

    /// Counts one failure against every key and returns the penalty, judged on the key with
    /// the most failures; `tripped` is true for the failure that starts the refusals.
    mutating func record(keys: [String], nowMs: Int64) -> (penalty: FailurePenalty, tripped: Bool) {
        if counts.count >= Self.capacity { counts = counts.filter { nowMs - $0.value.windowStartMs < windowMs } }
        if counts.count >= Self.capacity { counts.removeAll() }
        var worst = Count(failures: 0, windowStartMs: nowMs)
        var tripped = false
        for key in keys {
            var count = counts[key] ?? Count(failures: 0, windowStartMs: nowMs)
            if nowMs - count.windowStartMs >= windowMs { count = Count(failures: 0, windowStartMs: nowMs) }
            count.failures += 1
            counts[key] = count
            if count.failures > worst.failures { worst = count }
            if count.failures == refuseAfter + 1 { tripped = true }
        }
        return (penalty(worst, nowMs: nowMs), tripped)
    }

    /// The penalty for the `count.failures`-th failure of a window.
    private func penalty(_ count: Count, nowMs: Int64) -> FailurePenalty {
        if count.failures > refuseAfter {
            return .refuse(retryAfterMs: max(1, count.windowStartMs + windowMs - nowMs))
        }
        if count.failures > slowAfter {
            let doublings = min(count.failures - slowAfter - 1, 20)
            return .delay(ms: min(firstDelayMs << doublings, maxDelayMs))
        }
        return .none
    }
}
