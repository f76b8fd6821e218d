import NIOConcurrencyHelpers

/// Tells waiting handlers, such as Health.Watch, that the server began shutting down.
final class ShutdownSignal: Sendable {
    private struct State {
        var signalled = false
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }
    private let state = NIOLockedValueBox(State())

    /// Whether shutdown has begun.
    var isSignalled: Bool { state.withLockedValue { $0.signalled } }

    /// Marks shutdown as begun and wakes every waiter.
    func signal() {
        let waiters = state.withLockedValue { state in
            state.signalled = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once shutdown has begun, or when the calling task is cancelled.
    func wait() async {
        let id = state.withLockedValue { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLockedValue { state in
                    if state.signalled || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLockedValue { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}
