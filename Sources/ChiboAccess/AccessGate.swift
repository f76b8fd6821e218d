import ChiboCodec
import ChiboModel
import ChiboServer
import ChiboStore
import ChiboWire
import Foundation
import Logging

/// The server's gate: authenticates the token of every call, checks its role and scope against
/// `AccessPolicy`, narrows lists to the scope, applies the abuse limits and writes the audit
/// entries the store does not (refusals, failed logins, exports, failed changes).
public final class AccessGate: CallGate {
    /// The token checks.
    public let authority: TokenAuthority
    /// The scope checks.
    public let scopes: ScopeResolver
    /// The abuse limits.
    public let limits: AbuseLimits
    /// How often the server checks the token of a connection with calls open again: a revoked
    /// or expired token's calls end within this interval (streams included).
    public let recheckInterval: Duration?
    let store: any Store
    let nowMs: @Sendable () -> Int64

    /// Creates a gate over a store; `recheckInterval` is how soon a revocation or an expiry
    /// ends the calls already open (nil: never), `nowMs` the clock expiry is judged by.
    public init(
        store: any Store,
        limits: AbuseLimits = AbuseLimits(),
        recheckInterval: Duration? = .seconds(1),
        nowMs: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) {
        self.store = store
        self.authority = TokenAuthority(store: store)
        self.scopes = ScopeResolver(store: store)
        self.limits = limits
        self.recheckInterval = recheckInterval
        self.nowMs = nowMs
    }

    /// Today in Vietnam (UTC+7).
    func today() -> CalendarDate {
        CalendarDate(daysSince1970: Int((nowMs() / 1000 + 7 * 3600) / 86_400))
    }

    /// Authenticates the caller, checks the method and units against the policy, narrows a list
    /// to the scope, and audits exports and refusals.
    public func admit<Request: ProtoMessage>(_ request: Request, context: inout CallContext) async throws -> Request {
        let need = AccessPolicy.need(context.method, request)
        if case .open = need { return request }
        let identity = try await authenticate(&context)
        let takesSlot = !context.callSlotHeld
        guard !takesSlot || limits.beginCall(tokenID: identity.tokenID) else {
            try await refuse(context, .resourceExhausted, Self.callLimitMessage(identity.name, limits.maxCallsPerToken))
        }
        do {
            let admitted = try await authorize(need, request, identity: identity, context: context)
            if AccessPolicy.isExport(context.method) {
                try await audit(context, outcome: "OK", detail: "read", entityID: Self.unitID(of: request))
            }
            return admitted
        } catch {
            if takesSlot { limits.endCall(tokenID: identity.tokenID) }
            throw error
        }
    }

    /// Admits a client stream (bulk import): admins and officers only.
    public func admitStream(context: inout CallContext) async throws {
        let identity = try await authenticate(&context)
        guard let role = Role(rawValue: identity.role), role == .admin || role == .officer else {
            try await refuse(context, .permissionDenied, "\(identity.role) tokens may not stream records in")
        }
        let takesSlot = !context.callSlotHeld
        guard !takesSlot || limits.beginCall(tokenID: identity.tokenID) else {
            try await refuse(context, .resourceExhausted, Self.callLimitMessage(identity.name, limits.maxCallsPerToken))
        }
        if context.method == .importRun && !limits.beginImport(tokenID: identity.tokenID) {
            if takesSlot { limits.endCall(tokenID: identity.tokenID) }
            try await refuse(
                context,
                .resourceExhausted,
                "the token \(identity.name) has \(limits.maxImportsPerToken) imports running; wait for one to finish"
            )
        }
    }

    /// Releases the call's slot and audits a change that failed.
    public func finished(context: CallContext, error: (any Error)?) {
        guard let identity = context.identity else { return }
        if !context.callSlotHeld { limits.endCall(tokenID: identity.tokenID) }
        if context.method == .importRun { limits.endImport(tokenID: identity.tokenID) }
        if let error, AccessPolicy.isMutation(context.method) {
            let status = CallError.status(for: error)
            let entry = entry(
                context,
                outcome: Self.name(of: status.code),
                detail: status.message
            )
            let store = self.store
            Task { try? await store.appendAudit([entry]) }
        }
    }

    /// Looks the token up again, past the cache: a revoked or expired token ends the
    /// connection's open calls with UNAUTHENTICATED (audited). A store that cannot answer
    /// leaves them running; the next recheck asks again.
    public func recheck(token: String, peer: String) async -> CallError? {
        do {
            _ = try await authority.identify(token, nowMs: nowMs(), today: today(), fresh: true)
            return nil
        } catch let refusal as TokenAuthority.Refusal {
            let entry = AuditEntry(
                atMs: nowMs(),
                peer: peer,
                method: "auth",
                outcome: "UNAUTHENTICATED",
                detail: "\(refusal.description); the connection's open calls were ended"
            )
            try? await store.appendAudit([entry])
            return CallError(.unauthenticated, "\(refusal.description); the call was ended")
        } catch {
            return nil
        }
    }

    /// Every method but health.
    public func needsToken(_ method: Method) -> Bool {
        !AccessPolicy.isOpen(method)
    }

    /// The call slots of a hello's token when it is valid now (through the token cache); nil
    /// otherwise. Nothing is audited or counted as a failure here: each call is still judged.
    public func authenticate(helloToken token: String) async -> (any TokenCallSlots)? {
        guard !token.isEmpty,
            let identity = try? await authority.identify(token, nowMs: nowMs(), today: today())
        else { return nil }
        return TokenSlots(limits: limits, tokenID: identity.tokenID, name: identity.name)
    }

    /// The calls and imports a token may have in flight.
    public func announce(into connectionLimits: inout ConnectionLimits) {
        connectionLimits.maxCallsPerToken = limits.maxCallsPerToken
        connectionLimits.maxImportsPerToken = limits.maxImportsPerToken
    }

    /// The refusal of a call over the token's limit.
    static func callLimitMessage(_ name: String, _ limit: Int) -> String {
        "the token \(name) has \(limit) calls in flight, its limit (welcome.limits.max_calls_per_token); "
            + "wait for one to finish"
    }

    /// One token's slots in `AbuseLimits`.
    private struct TokenSlots: TokenCallSlots {
        let limits: AbuseLimits
        let tokenID: String
        let name: String

        func begin() -> CallError? {
            limits.beginCall(tokenID: tokenID)
                ? nil : CallError(.resourceExhausted, AccessGate.callLimitMessage(name, limits.maxCallsPerToken))
        }

        func end() { limits.endCall(tokenID: tokenID) }
    }

    // MARK: Steps

    /// The caller of a call, or a refusal. A valid token is always admitted; failing attempts
    /// are counted per address and per token prefix and held back, then refused (see
    /// `AbuseLimits`).
    private func authenticate(_ context: inout CallContext) async throws -> CallerIdentity {
        let host = context.remoteAddress?.ipAddress ?? ""
        let now = nowMs()
        let token = context.token
        let hash = token.isEmpty ? "" : AccessToken.hash(token)
        let reason: String
        var lookedUp = false
        if !hash.isEmpty, let known = limits.knownRefusal(tokenHash: hash, nowMs: now) {
            reason = known
        } else {
            do {
                let identity = try await authority.identify(token, nowMs: now, today: today())
                context.identity = identity
                return identity
            } catch let refusal as TokenAuthority.Refusal {
                reason = refusal.description
                switch refusal {
                case .unknown, .revoked, .expired: lookedUp = true
                case .malformed: lookedUp = false
                case .missing:
                    // An anonymous connection guesses nothing: refused at once, not counted.
                    var entry = entry(context, outcome: "UNAUTHENTICATED", detail: reason)
                    entry.method = "auth"
                    try await store.appendAudit([entry])
                    throw CallError(.unauthenticated, reason)
                }
            }
        }
        let prefix = String(token.prefix(AccessToken.prefix.count + 4))
        let (penalty, tripped) = limits.recordFailure(
            host: host,
            prefix: prefix,
            tokenHash: lookedUp ? hash : nil,
            reason: reason,
            nowMs: now
        )
        var entry = entry(context, outcome: "UNAUTHENTICATED", detail: reason)
        entry.method = "auth"
        switch penalty {
        case .refuse(let retryAfterMs):
            let source = prefix.isEmpty ? host : "\(host) or with tokens starting \(prefix)…"
            let message =
                "\(reason); too many failed authentications from \(source): failing attempts are refused "
                + "for \(retryAfterMs / 1000 + 1) s (valid tokens are not affected)"
            if tripped {
                entry.outcome = "RESOURCE_EXHAUSTED"
                entry.detail = message
                try await store.appendAudit([entry])
            }
            throw CallError(.resourceExhausted, message)
        case .delay(let ms):
            try await store.appendAudit([entry])
            await limits.pause(.milliseconds(ms))
            throw CallError(.unauthenticated, reason)
        case .none:
            try await store.appendAudit([entry])
            throw CallError(.unauthenticated, reason)
        }
    }

    private func authorize<Request: ProtoMessage>(
        _ need: Need,
        _ request: Request,
        identity: CallerIdentity,
        context: CallContext
    ) async throws -> Request {
        let role = Role(rawValue: identity.role)
        let scope = identity.scopeUnitID
        let isAdmin = role == .admin
        func deny(_ why: String) async throws -> Never {
            try await refuse(context, .permissionDenied, why)
        }
        switch need {
        case .open, .signedIn:
            if case .signedIn = need, role == .auditor, context.method != .serverInfoGet {
                try await deny("auditor tokens read only the audit log")
            }
            return request
        case .audit:
            if role != .admin && role != .auditor { try await deny("only admin and auditor tokens read the audit log") }
            return request
        case .adminOnly:
            if !isAdmin { try await deny("only an admin token may do this (\(context.methodName))") }
            return request
        case .importers:
            if role != .admin && role != .officer { try await deny("only admin and officer tokens import records") }
            return request
        case .read(let refs):
            guard let role, role != .auditor else { try await deny("auditor tokens read only the audit log") }
            if isAdmin { return request }
            for target in try await targets(refs) where !(try await target.isReadable(scopes, scope: scope)) {
                try await refuse(context, .notFound, "\(target.label) does not exist")
            }
            // A report of a unit that has left the scope covers only the time it lay in it.
            let reported = Self.unitID(of: request)
            if !reported.isEmpty {
                let windows = try await scopes.windows(of: reported, scope: scope)
                if !windows.isEmpty && !windows.contains(where: { $0.contains(today().isoKey) }) {
                    guard let clamped = AccessPolicy.clampedReport(request, to: windows) else {
                        try await deny(
                            "org unit \(reported) left the token's scope; ask for a period while it was in it"
                        )
                    }
                    return clamped
                }
            }
            return request
        case .write(let refs), .meetings(let refs):
            var allowed: Set<Role> = [.admin, .officer]
            if case .meetings = need { allowed.insert(.secretary) }
            guard let role, allowed.contains(role) else {
                try await deny("a \(identity.role) token may not do this (\(context.methodName))")
            }
            if isAdmin { return request }
            let day = today()
            for target in try await targets(refs) {
                // Out of the token's reach is answered as absent: no oracle for other communes' records.
                if !(try await target.isReadable(scopes, scope: scope)) {
                    try await refuse(context, .notFound, "\(target.label) does not exist")
                }
                if target.readOnly { continue }
                if target.isNationalRuleSet { try await deny("only an admin token may change national rules") }
                if !(try await scopes.canWrite(target.unitNow, scope: scope, today: day)) {
                    try await deny("\(target.label) is outside the units your token may change")
                }
            }
            return request
        case .readList(let named):
            guard let role, role != .auditor else { try await deny("auditor tokens read only the audit log") }
            if isAdmin { return request }
            let given = named.filter { !$0.isEmpty }
            var narrowed = given.isEmpty ? AccessPolicy.narrowed(request, to: scope) : request
            let day = today()
            for unit in given {
                let windows = try await scopes.windows(of: unit, scope: scope)
                if windows.isEmpty { try await refuse(context, .notFound, "org unit \(unit) does not exist") }
                // A unit that has left the scope is listed as it was while it lay in it.
                if !windows.contains(where: { $0.contains(day.isoKey) }) {
                    guard let clamped = AccessPolicy.clamped(narrowed, to: windows) else {
                        try await deny("org unit \(unit) left the token's scope; ask for a date while it was in it")
                    }
                    narrowed = clamped
                }
            }
            return narrowed
        }
    }

    /// The records a request's references name, each with the unit it belongs to now and how
    /// its readability is judged; a record that does not exist is left out (the handler answers
    /// NOT_FOUND, the same answer an out-of-scope record gets here).
    private func targets(_ refs: [UnitRef]) async throws -> [AccessTarget] {
        var result: [AccessTarget] = []
        for ref in refs {
            if let target = try await target(ref) { result.append(target) }
        }
        return result
    }

    private func target(_ ref: UnitRef) async throws -> AccessTarget? {
        switch ref {
        case .readable(let inner):
            guard var target = try await target(inner) else { return nil }
            target.readOnly = true
            return target
        case .unit(let id):
            guard !id.isEmpty, let unit = try await store.orgUnit(id: id) else { return nil }
            return AccessTarget(label: "org unit \(id)", unitNow: unit.id, read: .unit(unit.id))
        case .unitCode(let code):
            guard let unit = try await store.orgUnit(code: code) else { return nil }
            return AccessTarget(label: "org unit \(code)", unitNow: unit.id, read: .unit(unit.id))
        case .member(let id):
            guard !id.isEmpty, let member = try await store.member(id: id) else { return nil }
            return AccessTarget(label: "member \(id)", unitNow: member.cellId, read: .member(member))
        case .memberCard(let card):
            guard let member = try await store.member(partyCardNumber: card) else { return nil }
            return AccessTarget(label: "member \(card)", unitNow: member.cellId, read: .member(member))
        case .meeting(let id):
            guard !id.isEmpty, let meeting = try await store.meeting(id: id, revision: nil) else { return nil }
            return AccessTarget(
                label: "meeting \(id)",
                unitNow: meeting.cellId,
                read: meeting.heldOn.map { .unitOn(meeting.cellId, $0) } ?? .unit(meeting.cellId)
            )
        case .resolution(let id):
            guard !id.isEmpty, let resolution = try await store.resolution(id: id),
                let meeting = try await store.meeting(id: resolution.meetingId, revision: nil)
            else { return nil }
            return AccessTarget(
                label: "resolution \(id)",
                unitNow: meeting.cellId,
                read: meeting.heldOn.map { .unitOn(meeting.cellId, $0) } ?? .unit(meeting.cellId)
            )
        case .evaluation(let id):
            guard !id.isEmpty, let evaluation = try await store.evaluation(id: id) else { return nil }
            let unit = evaluation.subject == .member ? evaluation.cellId : evaluation.subjectId
            return AccessTarget(
                label: "evaluation \(id)",
                unitNow: unit,
                read: .unitDuring(
                    unit,
                    CalendarDate(year: evaluation.year, month: 1, day: 1),
                    CalendarDate(year: evaluation.year + 1, month: 1, day: 1)
                )
            )
        case .ruleSet(let id):
            guard !id.isEmpty, let rules = try await store.ruleSet(id: id) else { return nil }
            return AccessTarget(
                label: "rule set \(id)",
                unitNow: rules.scopeUnitId,
                read: rules.scopeUnitId.isEmpty ? .everyone : .unit(rules.scopeUnitId),
                isNationalRuleSet: rules.scopeUnitId.isEmpty
            )
        }
    }

    // MARK: Audit

    private func refuse(_ context: CallContext, _ code: StatusCode, _ message: String) async throws -> Never {
        try await store.appendAudit([entry(context, outcome: Self.name(of: code), detail: message)])
        throw CallError(code, message)
    }

    private func audit(_ context: CallContext, outcome: String, detail: String, entityID: String) async throws {
        var entry = entry(context, outcome: outcome, detail: detail)
        entry.entityId = entityID
        try await store.appendAudit([entry])
    }

    private func entry(_ context: CallContext, outcome: String, detail: String) -> AuditEntry {
        AuditEntry(
            atMs: nowMs(),
            actor: context.identity?.name ?? "",
            role: context.identity?.role ?? "",
            peer: context.peerText,
            method: context.methodName,
            outcome: outcome,
            detail: detail
        )
    }

    /// A status code's name as the audit log writes it: "PERMISSION_DENIED".
    static func name(of code: StatusCode) -> String {
        let name = code.protoName ?? "\(code.rawValue)"
        return name.hasPrefix("STATUS_CODE_") ? String(name.dropFirst("STATUS_CODE_".count)) : name
    }

    private static func unitID(of request: some ProtoMessage) -> String {
        switch request {
        case let report as AttendanceReportRequest: report.unitId
        case let report as RegularityReportRequest: report.unitId
        case let report as AbsenceReportRequest: report.unitId
        case let report as ParticipationReportRequest: report.unitId
        case let report as GradingReportRequest: report.unitId
        case let report as DueReportRequest: report.unitId
        case let report as OverviewRequest: report.unitId
        default: ""
        }
    }
}

/// A record a request names, as the gate judges it.
struct AccessTarget {
    /// How the caller named it, for messages: "member 020001".
    var label: String
    /// The unit it belongs to today, which a write must reach.
    var unitNow: String
    /// What makes it readable.
    var read: ReadCheck
    /// Whether the caller only needs to read it (a supervisor named in a change of a cell).
    var readOnly = false
    /// A national rule set: admins only change it.
    var isNationalRuleSet = false

    /// How a record's readability is judged: reads are by date.
    enum ReadCheck {
        case everyone
        case unit(String)
        case unitOn(String, CalendarDate)
        case unitDuring(String, CalendarDate, CalendarDate)
        case member(Member)
    }

    func isReadable(_ scopes: ScopeResolver, scope: String) async throws -> Bool {
        switch read {
        case .everyone: true
        case .unit(let unit): try await scopes.canRead(unit, scope: scope)
        case .unitOn(let unit, let date): try await scopes.canRead(unit, on: date, scope: scope)
        case .unitDuring(let unit, let from, let to): try await scopes.canRead(unit, from: from, to: to, scope: scope)
        case .member(let member): try await scopes.canRead(member, scope: scope)
        }
    }
}
