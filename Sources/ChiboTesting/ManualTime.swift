import Foundation
import NIOConcurrencyHelpers

/// A clock in Unix milliseconds that moves only when a test says so, for code that takes its
/// time as a `nowMs` function (the access gate, token checks and their cache, abuse limits).
public final class ManualTime: Sendable {
    private let milliseconds: NIOLockedValueBox<Int64>

    /// A clock standing at `startMs` (the real time by default, so today's date is today).
    public init(startMs: Int64 = Int64(Date().timeIntervalSince1970 * 1000)) {
        milliseconds = NIOLockedValueBox(startMs)
    }

    /// The time now, in Unix milliseconds.
    public var nowMs: Int64 { milliseconds.withLockedValue { $0 } }

    /// The clock as the function the code under test calls.
    public var function: @Sendable () -> Int64 { { [self] in nowMs } }

    /// Moves the clock forward by `duration`.
    public func advance(by duration: Duration) {
        let (seconds, attoseconds) = duration.components
        milliseconds.withLockedValue { $0 += seconds * 1000 + attoseconds / 1_000_000_000_000_000 }
    }
}
