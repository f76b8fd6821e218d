import ChiboStore
import ChiboStoreSQL
import Synchronization

/// One statement a store operation ran: its SQL as the store wrote it (`?` placeholders) and
/// the arguments bound.
struct RecordedStatement: Sendable {
    var sql: String
    var arguments: SQLArguments
}

/// The statements recorded so far, in the order they ran, shared by every operation of a
/// `RecordingEngine`.
final class StatementLog: Sendable {
    private let entries = Mutex<[RecordedStatement]>([])

    /// Adds a statement.
    func append(_ statement: RecordedStatement) { entries.withLock { $0.append(statement) } }

    /// Every statement recorded, and forgets them.
    func take() -> [RecordedStatement] {
        entries.withLock { entries in
            defer { entries = [] }
            return entries
        }
    }
}

/// A backend's engine that records every statement its operations run (`StatementLog`) and
/// otherwise behaves as the engine it wraps: a store over it runs the real calls on the real
/// database, and a test then asks the database how it plans each statement.
struct RecordingEngine: SQLEngine {
    let inner: any SQLEngine
    let log: StatementLog

    var schemaVersion: Int {
        get async throws { try await inner.schemaVersion }
    }

    func read<T: Sendable>(_ body: @Sendable @escaping (any SQLDatabase) throws -> T) async throws -> T {
        let log = log
        return try await inner.read { db in try body(RecordingDatabase(inner: db, log: log)) }
    }

    func write<T: Sendable>(_ body: @Sendable @escaping (any SQLDatabase) throws -> T) async throws -> T {
        let log = log
        return try await inner.write { db in try body(RecordingDatabase(inner: db, log: log)) }
    }

    func writeWithoutTransaction<T: Sendable>(
        _ body: @Sendable @escaping (any SQLDatabase) throws -> T
    ) async throws -> T {
        let log = log
        return try await inner.writeWithoutTransaction { db in try body(RecordingDatabase(inner: db, log: log)) }
    }
}

/// A connection that records each statement before handing it to the backend's connection.
final class RecordingDatabase: SQLDatabase {
    let inner: any SQLDatabase
    let log: StatementLog

    init(inner: any SQLDatabase, log: StatementLog) {
        self.inner = inner
        self.log = log
    }

    var dialect: SQLDialect { inner.dialect }

    var auditTail: AuditChainTail? {
        get { inner.auditTail }
        set { inner.auditTail = newValue }
    }

    var scopeMemo: [String: Bool] {
        get { inner.scopeMemo }
        set { inner.scopeMemo = newValue }
    }

    var auditKey: AuditKey? {
        get { inner.auditKey }
        set { inner.auditKey = newValue }
    }

    var pendingAudit: PendingAudit? {
        get { inner.pendingAudit }
        set { inner.pendingAudit = newValue }
    }

    func execute(sql: String, arguments: SQLArguments, cached: Bool) throws {
        log.append(RecordedStatement(sql: sql, arguments: arguments))
        try inner.execute(sql: sql, arguments: arguments, cached: cached)
    }

    func forEachRow(sql: String, arguments: SQLArguments, cached: Bool, _ body: (SQLRow) throws -> Void) throws {
        log.append(RecordedStatement(sql: sql, arguments: arguments))
        try inner.forEachRow(sql: sql, arguments: arguments, cached: cached, body)
    }

    func inSavepoint(_ body: () throws -> SQLCompletion) throws { try inner.inSavepoint(body) }

    func inTransaction(_ body: () throws -> SQLCompletion) throws { try inner.inTransaction(body) }
}
