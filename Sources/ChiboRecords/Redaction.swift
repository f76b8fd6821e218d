import ChiboAccess
import ChiboModel
import ChiboServer

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
}
