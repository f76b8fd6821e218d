import ChiboModel
import ChiboServer
import ChiboStore
import Foundation
import NIOConcurrencyHelpers

/// Makes tokens and checks them. Checks are cached for a second, so a busy connection does not
/// hit the database on every call while a revocation still takes effect within a second.
public final class TokenAuthority: Sendable {
    let store: any Store
    let cacheLifetimeMs: Int64
    private let cache = NIOLockedValueBox<[String: (identity: CallerIdentity, checkedAtMs: Int64)]>([:])

    /// Creates an authority over a store.
    public init(store: any Store, cacheLifetimeMs: Int64 = 1000) {
        self.store = store
        self.cacheLifetimeMs = cacheLifetimeMs
    }

    /// Why a token is refused.
    public enum Refusal: Error, Hashable, Sendable, CustomStringConvertible {
        /// No token was given.
        case missing
        /// The string is not a Chibo token (wrong shape or checksum).
        case malformed
        /// No such token.
        case unknown
        /// The token expired on this date.
        case expired(CalendarDate)
        /// The token was revoked.
        case revoked

        /// A readable reason.
        public var description: String {
            switch self {
            case .missing: "this method needs a token (give one with the hello)"
            case .malformed: "the token is not a Chibo token (wrong shape or checksum)"
            case .unknown: "the token is not known to this server"
            case .expired(let date): "the token expired on \(date.vietnameseText)"
            case .revoked: "the token was revoked"
            }
        }
    }

    /// Makes a token and stores its hash; returns the token, shown this once, and its record.
    /// Admin and auditor tokens take no scope (they are not bound to a subtree): one given is
    /// refused with `StoreError.failedPrecondition` rather than stored to mislead.
    public func mint(
        name: String,
        role: Role,
        scopeUnitID: String,
        expiresOn: CalendarDate?,
        nowMs: Int64
    ) async throws -> (token: String, record: TokenRecord) {
        if !scopeUnitID.isEmpty && (role == .admin || role == .auditor) {
            throw StoreError.failedPrecondition("a \(role.rawValue) token takes no scope; it is not bound to a subtree")
        }
        let token = AccessToken.generate()
        let record = try await store.createToken(
            TokenRecord(
                name: name,
                role: role.rawValue,
                scopeUnitID: scopeUnitID,
                hash: AccessToken.hash(token),
                hint: AccessToken.hint(token),
                createdAtMs: nowMs,
                expiresOn: expiresOn
            )
        )
        return (token, record)
    }

    /// The caller a token stands for on `today`, or why it is refused. `fresh` skips the cache
    /// (a recheck of open calls); a refusal found in the store drops the token from the cache,
    /// so the next call on any connection is refused too.
    public func identify(
        _ token: String,
        nowMs: Int64,
        today: CalendarDate,
        fresh: Bool = false
    ) async throws -> CallerIdentity {
        guard !token.isEmpty else { throw Refusal.missing }
        guard AccessToken.isWellFormed(token) else { throw Refusal.malformed }
        let hash = AccessToken.hash(token)
        if !fresh, let cached = cache.withLockedValue({ $0[hash] }), nowMs - cached.checkedAtMs < cacheLifetimeMs {
            return cached.identity
        }
        let found: TokenRecord?
        do {
            found = try await store.token(hash: hash)
        } catch StoreError.unavailable(let reason) {
            // The database is restarting or failing over: the caller may try again.
            throw CallError(.unavailable, "the token cannot be checked now: \(reason)")
        }
        guard let record = found else { throw forget(hash, Refusal.unknown) }
        if record.revokedAtMs != nil { throw forget(hash, Refusal.revoked) }
        if let expires = record.expiresOn, today >= expires { throw forget(hash, Refusal.expired(expires)) }
        let identity = CallerIdentity(
            tokenID: record.id,
            name: record.name,
            role: record.role,
            scopeUnitID: record.scopeUnitID
        )
        cache.withLockedValue { cache in
            if cache.count > 10_000 { cache.removeAll() }
            cache[hash] = (identity, nowMs)
        }
        return identity
    }

    /// Drops a refused token from the cache and returns the refusal.
    private func forget(_ hash: String, _ refusal: Refusal) -> Refusal {
        cache.withLockedValue { _ = $0.removeValue(forKey: hash) }
        return refusal
    }
}
