import ChiboDomain
import ChiboModel
import ChiboServer
import ChiboStore

/// What the services add to the domain's violations: paging checks, and throwing them together
/// as one INVALID_ARGUMENT.
extension Violations {
    /// Checks a list's paging (a size of 0 to 1,000, a token this server made) and returns the
    /// page size to ask the store for (100 when none is given) and the token.
    mutating func page(_ page: PageRequest?) -> (size: Int, token: String) {
        let size = Int(page?.pageSize ?? 0)
        if size < 0 || size > 1000 { add("page.page_size", "must be 0 to 1000") }
        let token = page?.pageToken ?? ""
        if !token.isEmpty && PageToken.parse(token) == nil { add("page.page_token", "not a token from this server") }
        return (size == 0 ? 100 : size, token)
    }

    /// Throws the collected violations, if any.
    func throwIfAny() throws {
        guard !list.isEmpty else { return }
        let summary = list.map { "\($0.field): \($0.description)" }.joined(separator: "; ")
        throw CallError(.invalidArgument, summary, violations: list)
    }
}

/// Maps store failures to wire statuses.
enum StoreErrors {
    static func callError(_ error: any Error) -> any Error {
        guard let error = error as? StoreError else { return error }
        switch error {
        case .notFound: return CallError(.notFound, error.description)
        case .alreadyExists: return CallError(.alreadyExists, error.description)
        case .staleRevision: return CallError(.aborted, error.description)
        case .failedPrecondition: return CallError(.failedPrecondition, error.description)
        case .outsideScope: return CallError(.permissionDenied, error.description)
        case .invalidRecord(let violations):
            return CallError(.invalidArgument, error.description, violations: violations)
        case .newerSchema, .unavailable: return CallError(.unavailable, error.description)
        }
    }

    /// Runs a store call, mapping its failures to statuses.
    static func mapping<Result>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch {
            throw callError(error)
        }
    }
}
