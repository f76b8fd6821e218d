import ChiboModel
import ChiboServer
import ChiboStore
import Foundation

/// Collects the invalid fields of a request, then throws them together as one
/// INVALID_ARGUMENT, so a client learns every problem at once.
struct Violations {
    private(set) var list: [FieldViolation] = []

    mutating func add(_ field: String, _ description: String) {
        list.append(FieldViolation(field: field, description: description))
    }

    /// Requires a non-empty string of at most `maxLength` characters.
    mutating func requireText(_ value: String, _ field: String, maxLength: Int = 200) {
        if value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            add(field, "required")
        } else if value.count > maxLength {
            add(field, "longer than \(maxLength) characters")
        }
    }

    /// Checks an optional date.
    mutating func checkDate(_ date: CalendarDate?, _ field: String) {
        if let date, !DateKeys.isValid(date) {
            add(field, "\(date.year)-\(date.month)-\(date.day) is not a calendar date")
        }
    }

    /// Checks a date range: valid dates, and `from` before `to`.
    mutating func checkRange(_ range: DateRange?, _ field: String) {
        guard let range else { return }
        checkDate(range.from, field + ".from")
        checkDate(range.to, field + ".to")
        if let from = DateKeys.key(range.from), let to = DateKeys.key(range.to), from >= to {
            add(field, "ends on or before it starts")
        }
    }

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
