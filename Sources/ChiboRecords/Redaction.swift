import ChiboAccess
import ChiboModel
import ChiboServer
import ChiboStore

/// Personal data (citizen ID, phone, birth date) is returned only to the roles that need it
/// (officer and admin); every other caller gets the member without those fields. A server
/// without an access gate (a test harness) has no caller identity and redacts nothing.
enum Redaction {
    /// The member as the current call's caller may see it.
    static func forCaller(_ member: Member) -> Member {
        guard let identity = CurrentCall.context?.identity else { return member }
        if let role = Role(rawValue: identity.role), role.seesPersonalData { return member }
        return member.withoutPersonalData
    }

    /// Audits a read whose response carries personal fields: one entry naming the method, the
    /// token and the members whose fields are returned, never the data. Reads that return none
    /// (other roles, members without such fields) and calls without a caller are not audited.
    /// Written before the response is sent: a read that cannot be audited is not answered.
    static func auditRead(of members: [Member], store: any Store, clock: RecordsClock) async throws {
        guard let call = CurrentCall.context, let identity = call.identity else { return }
        let personal = members.map(forCaller).filter { $0 != $0.withoutPersonalData }.map(\.id)
        guard !personal.isEmpty else { return }
        let entry = AuditEntry(
            atMs: clock.nowMs(),
            actor: identity.name,
            role: identity.role,
            peer: call.peerText,
            method: call.methodName,
            entity: "member",
            entityId: personal.count == 1 ? personal[0] : "",
            outcome: "OK",
            detail: "read the personal fields (citizen ID, phone, birth date) of "
                + (personal.count == 1
                    ? "member \(personal[0])" : "\(personal.count) members: \(personal.joined(separator: ", "))")
        )
        try await StoreErrors.mapping { try await store.appendAudit([entry]) }
    }
}
