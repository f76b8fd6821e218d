/// Where a SQL store runs its operations: each backend's connections and threads. Reads see one
/// consistent state; writes are serialised (one writer at a time, across every server sharing
/// the database) and committed when the body returns, rolled back when it throws.
public protocol SQLEngine: Sendable {
    /// The number of migrations applied to the database: its schema version.
    var schemaVersion: Int { get async throws }

    /// Runs a read-only operation.
    func read<T: Sendable>(_ body: @Sendable @escaping (any SQLDatabase) throws -> T) async throws -> T

    /// Runs a read-only operation on the database writes go to, never on a standby: the reads
    /// that belong to a write (the audit log's head after a commit, for one).
    func readPrimary<T: Sendable>(_ body: @Sendable @escaping (any SQLDatabase) throws -> T) async throws -> T

    /// Runs a write operation in one transaction.
    func write<T: Sendable>(_ body: @Sendable @escaping (any SQLDatabase) throws -> T) async throws -> T

    /// Runs a write operation that opens its own transaction with `SQLDatabase.inTransaction`,
    /// to decide itself whether to commit.
    func writeWithoutTransaction<T: Sendable>(
        _ body: @Sendable @escaping (any SQLDatabase) throws -> T
    ) async throws -> T
}

extension SQLEngine {
    /// An engine without standbys reads where it writes.
    public func readPrimary<T: Sendable>(
        _ body: @Sendable @escaping (any SQLDatabase) throws -> T
    ) async throws -> T {
        try await read(body)
    }
}
