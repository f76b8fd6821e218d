import ChiboModel
import ChiboServer
import ChiboStore
import Foundation

/// The time services stamp changes with; tests may fix it.
public struct RecordsClock: Sendable {
    /// Now, in Unix milliseconds.
    public var nowMs: @Sendable () -> Int64

    /// Creates a clock.
    public init(nowMs: @escaping @Sendable () -> Int64) {
        self.nowMs = nowMs
    }

    /// The system clock.
    public static let system = RecordsClock { Int64(Date().timeIntervalSince1970 * 1000) }

    /// The context of a change made now under a request's options, by the caller of the
    /// current call (its token name and role, its address and the method, for the audit log),
    /// limited to what the caller's token may change.
    public func mutationContext(_ options: MutationOptions?) -> MutationContext {
        let call = CurrentCall.context
        return MutationContext(
            requestID: options?.requestId ?? "",
            validateOnly: options?.validateOnly ?? false,
            actor: call?.identity?.name ?? "",
            nowMs: nowMs(),
            role: call?.identity?.role ?? "",
            peer: call?.peerText ?? "",
            method: call?.methodName ?? "",
            writeScope: Self.writeScope(of: call?.identity)
        )
    }

    /// What a caller may change: everything for an admin (and for calls made without a gate,
    /// such as the server's own commands), else the subtree of the token's unit.
    static func writeScope(of identity: CallerIdentity?) -> WriteScope {
        guard let identity, identity.role != "admin" else { return .unrestricted }
        return .subtree(of: identity.scopeUnitID)
    }

    /// The context of a change asked for by `request`: its options, and the digest of the
    /// request without them, which binds the request id to this request (a retry repeats it;
    /// another request under the same id is refused).
    public func mutationContext(for request: some MutatingRequest) -> MutationContext {
        var context = mutationContext(request.options)
        var canonical = request
        canonical.options = nil
        if !context.requestID.isEmpty, let bytes = try? canonical.serializedBytes() {
            context.requestDigest = MutationContext.requestDigest(of: bytes)
        }
        return context
    }

    /// Today's date in Vietnam (UTC+7), the date a paper record would carry.
    public func today() -> CalendarDate {
        let seconds = nowMs() / 1000 + 7 * 3600
        let days = Int(seconds.dividedFloor(by: 86_400))
        return CalendarDate(daysSince1970: days)
    }
}

extension Int64 {
    fileprivate func dividedFloor(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor < 0) ? quotient - 1 : quotient
    }
}
