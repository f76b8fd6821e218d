/// A condition a test waited for did not come true within its bound.
public struct WaitTimedOut: Error, CustomStringConvertible {
    /// What the test waited for.
    public let what: String
    /// The bound that passed.
    public let bound: Duration

    /// What was waited for and how long.
    public var description: String { "waited \(bound) for \(what)" }
}

/// Waits until `condition` holds, checking it every few milliseconds; throws `WaitTimedOut`
/// naming `what` once `bound` has passed. The bound is generous on purpose: it only stops a
/// test that would otherwise hang, so a slow machine makes the test slower, never wrong.
public func waitUntil(
    _ what: String,
    bound: Duration = .seconds(60),
    every interval: Duration = .milliseconds(5),
    _ condition: () async throws -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + bound
    while try await !condition() {
        if clock.now >= deadline { throw WaitTimedOut(what: what, bound: bound) }
        try await Task.sleep(for: interval)
    }
}

/// Runs `operation`; throws `WaitTimedOut` naming `what` if it has not finished within
/// `bound` (the operation is then cancelled). A guard against hanging, not a measurement.
public func withBound<Result: Sendable>(
    _ what: String,
    _ bound: Duration = .seconds(60),
    _ operation: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    try await withThrowingTaskGroup(of: Result?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: bound)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let result = first else {
            throw WaitTimedOut(what: what, bound: bound)
        }
        return result
    }
}
