import NIOConcurrencyHelpers
import NIOCore

/// The listener's address once bound, for callers waiting on it.
final class BoundAddress: Sendable {
    private struct State {
        var address: SocketAddress?
        var failure: (any Error)?
        var waiters: [CheckedContinuation<SocketAddress, any Error>] = []
    }

    private let state = NIOLockedValueBox(State())

    /// Waits for the bind; throws its failure.
    var address: SocketAddress {
        get async throws {
            try await withCheckedThrowingContinuation { continuation in
                state.withLockedValue { state in
                    if let address = state.address {
                        continuation.resume(returning: address)
                    } else if let failure = state.failure {
                        continuation.resume(throwing: failure)
                    } else {
                        state.waiters.append(continuation)
                    }
                }
            }
        }
    }

    func resolve(_ address: SocketAddress) {
        let waiters = state.withLockedValue { state in
            state.address = address
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: address) }
    }

    func fail(_ error: any Error) {
        let waiters = state.withLockedValue { state in
            state.failure = error
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(throwing: error) }
    }
}
