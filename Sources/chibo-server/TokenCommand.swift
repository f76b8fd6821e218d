import ArgumentParser
import ChiboAccess
import ChiboDomain
import ChiboModel
import ChiboStore
import Foundation

/// `chibo-server token …`: makes, lists and revokes access tokens on the database itself, so the
/// first admin token can be made before any server runs.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Make, list and revoke access tokens (works on the database file directly).",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    /// `token create`.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a token and print it once (only its hash is kept).",
            discussion: """
                Roles: admin (everything), officer (read and write the subtree), secretary (read the \
                cell; record and amend its meetings), viewer (read the subtree), auditor (read the \
                audit log). Every role but admin and auditor needs --scope; admin and auditor \
                tokens take none (an admin reaches every unit, an auditor reads only the audit \
                log), and --scope with them is refused.
                """
        )

        @OptionGroup var database: DatabaseOption

        @OptionGroup var audit: AuditKeyOption

        @Option(name: .long, help: "admin, officer, secretary, viewer or auditor.")
        var role: String

        @Option(name: .long, help: "Code of the org unit whose subtree the token reaches (e.g. MB).")
        var scope: String?

        @Option(name: .long, help: "Name of the token, recorded in the audit log (default: role@scope).")
        var name: String?

        @Option(name: .long, help: "First day the token no longer works, dd/MM/yyyy or yyyy-MM-dd.")
        var expires: String?

        func run() async throws {
            guard let role = Role(rawValue: role) else {
                throw ValidationError("--role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if let scope, let reason = Self.unscoped(role) {
                throw ValidationError(
                    "--scope \(scope): \(reason), so a scope would not bind it; leave --scope out, or make an "
                        + "officer or viewer token for one subtree"
                )
            }
            try await database.withStore(auditSeal: try audit.seal(for: database)) { store in
                var scopeID = ""
                if let scope {
                    let byCode = try await store.orgUnit(code: scope)
                    let unit: OrgUnit?
                    if let byCode { unit = byCode } else { unit = try await store.orgUnit(id: scope) }
                    guard let unit else {
                        throw ValidationError("--scope: no org unit has the code \(scope)")
                    }
                    scopeID = unit.id
                } else if role != .admin && role != .auditor {
                    throw ValidationError("a \(role.rawValue) token needs --scope UNIT_CODE")
                }
                let expiresOn = try expires.map(Self.parseDate)
                let authority = TokenAuthority(store: store)
                let (token, record) = try await authority.mint(
                    name: name ?? "\(role.rawValue)@\(scope ?? "all")",
                    role: role,
                    scopeUnitID: scopeID,
                    expiresOn: expiresOn,
                    nowMs: Int64(Date().timeIntervalSince1970 * 1000)
                )
                FileHandle.standardError.write(
                    Data("token \(record.name) (\(record.id)): shown once, keep it safe\n".utf8)
                )
                print(token)
            }
        }

        /// Why a role takes no scope, or nil when it needs one.
        static func unscoped(_ role: Role) -> String? {
            switch role {
            case .admin: "an admin token reaches every unit"
            case .auditor: "an auditor token reads the whole audit log and nothing else"
            case .officer, .secretary, .viewer: nil
            }
        }

        static func parseDate(_ text: String) throws -> CalendarDate {
            let parts: [Int32]
            if text.contains("/") {
                parts = text.split(separator: "/").compactMap { Int32($0) }.reversed()
            } else {
                parts = text.split(separator: "-").compactMap { Int32($0) }
            }
            guard parts.count == 3 else { throw ValidationError("--expires: \(text) is not a date (dd/MM/yyyy)") }
            let date = CalendarDate(year: parts[0], month: parts[1], day: parts[2])
            guard DateKeys.isValid(date) else { throw ValidationError("--expires: \(text) is not a calendar date") }
            return date
        }
    }

    /// `token list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never the tokens themselves).")

        @OptionGroup var database: DatabaseOption

        func run() async throws {
            try await database.withStore { store in
                print(["ID", "NAME", "ROLE", "SCOPE", "HINT", "EXPIRES", "STATE"].joined(separator: "\t"))
                for token in try await store.tokens() {
                    let scope =
                        token.scopeUnitID.isEmpty
                        ? "-" : (try await store.orgUnit(id: token.scopeUnitID))?.code ?? token.scopeUnitID
                    let state = token.revokedAtMs != nil ? "revoked" : "active"
                    print(
                        [
                            token.id, token.name, token.role, scope, token.hint,
                            token.expiresOn.map(\.vietnameseText) ?? "-", state,
                        ].joined(separator: "\t")
                    )
                }
            }
        }
    }

    /// `token revoke`.
    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by id or name.")

        @OptionGroup var database: DatabaseOption

        @OptionGroup var audit: AuditKeyOption

        @Argument(help: "ID or name of the token.")
        var token: String

        func run() async throws {
            try await database.withStore(auditSeal: try audit.seal(for: database)) { store in
                do {
                    let record = try await store.revokeToken(
                        idOrName: token,
                        atMs: Int64(Date().timeIntervalSince1970 * 1000)
                    )
                    FileHandle.standardError.write(Data("revoked \(record.name) (\(record.id))\n".utf8))
                } catch let error as StoreError {
                    throw ValidationError("\(error)")
                }
            }
        }
    }
}
