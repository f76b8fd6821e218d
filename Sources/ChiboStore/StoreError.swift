import ChiboModel

/// Why a store operation failed. Services map each case to a wire status.
public enum StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The record does not exist.
    case notFound(entity: String, id: String)
    /// A record with this id or unique key exists already.
    case alreadyExists(entity: String, key: String)
    /// The update was made against an older revision than the stored one.
    case staleRevision(entity: String, id: String, expected: Int64, actual: Int64)
    /// The request breaks a rule about stored data (an illegal transition, a reference to a
    /// unit not valid on that date).
    case failedPrecondition(String)
    /// The record breaks rules that depend on stored data, field by field (an attendance record
    /// for someone not in the cell, a member the logbook left out).
    case invalidRecord([FieldViolation])
    /// The change would create, alter or move a record (named by kind only) outside the units the
    /// caller may change, judged on what it writes (see `WriteScope`).
    case outsideScope(String)
    /// The database file was written by a newer version of Chibo.
    case newerSchema(path: String)
    /// The database could not be opened or used.
    case unavailable(String)

    /// A readable account of the failure.
    public var description: String {
        switch self {
        case .notFound(let entity, let id): "\(entity) \(id) does not exist"
        case .alreadyExists(let entity, let key): "\(entity) \(key) exists already"
        case .staleRevision(let entity, let id, let expected, let actual):
            "\(entity) \(id) is at revision \(actual), not \(expected): read it again and retry"
        case .failedPrecondition(let message): message
        case .invalidRecord(let violations):
            violations.map { "\($0.field): \($0.description)" }.joined(separator: "; ")
        case .outsideScope(let what):
            "the change would touch \(what) outside the units your token may change"
        case .newerSchema(let path):
            "the database \(path) was written by a newer version of Chibo; upgrade chibo-server to open it"
        case .unavailable(let message): message
        }
    }
}
