import ChiboStore

/// The SQL dialect of a backend, for the few expressions that differ.
public enum SQLDialect: Sendable {
    case sqlite
    case postgres
}

/// The last entry of the audit chain: its position and hash.
public struct AuditChainTail: Sendable, Hashable {
    /// The entry's position.
    public var seq: Int64
    /// The entry's hash, which the next entry links to.
    public var hash: String

    /// A tail at `seq` with `hash`.
    public init(seq: Int64, hash: String) {
        self.seq = seq
        self.hash = hash
    }
}

/// How a transaction or savepoint body ends.
public enum SQLCompletion: Sendable {
    case commit
    case rollback
}

/// A database connection inside a store operation, as every backend provides it: statements
/// with `?` placeholders, rows read by name, savepoints. Calls block the calling thread, which is
/// never an event loop: each backend's `SQLEngine` runs operations on threads of its own.
///
/// The store is written once against this interface in portable SQL, so SQLite and PostgreSQL
/// share every check and query.
public protocol SQLDatabase: AnyObject {
    /// The backend's dialect.
    var dialect: SQLDialect { get }

    /// The audit chain's last link as this operation last read or wrote it; nil until read.
    /// Implementations keep it for one operation and restore it when a savepoint or the
    /// transaction rolls back.
    var auditTail: AuditChainTail? { get set }

    /// Answers of the scope check remembered within one operation (`SQLStore.isUnder`). Emptied
    /// when an org unit is written and when a savepoint or the transaction rolls back.
    var scopeMemo: [String: Bool] { get set }

    /// The key new audit entries get their MAC from; nil to write them without one. Set by the
    /// store for each write operation (see `SQLStore.auditSeal`).
    var auditKey: AuditKey? { get set }

    /// The changes this operation logged and has not yet audited (`PendingAudit`); nil when
    /// none. Implementations keep it for one operation and restore it when a savepoint or the
    /// transaction rolls back.
    var pendingAudit: PendingAudit? { get set }

    /// Runs a statement that returns no rows. `cached` marks a statement run many times, which a
    /// backend may keep prepared.
    func execute(sql: String, arguments: SQLArguments, cached: Bool) throws

    /// Runs a query and hands each row to `body` in order.
    func forEachRow(sql: String, arguments: SQLArguments, cached: Bool, _ body: (SQLRow) throws -> Void) throws

    /// Runs `body` in a savepoint: undone if it throws (and the error rethrown) or returns
    /// `.rollback`, kept otherwise.
    func inSavepoint(_ body: () throws -> SQLCompletion) throws

    /// Runs `body` in a write transaction, committed when it returns `.commit`. Only inside
    /// `SQLEngine.writeWithoutTransaction`.
    func inTransaction(_ body: () throws -> SQLCompletion) throws

    /// Writes a set of new rows to `table` (`values` row after row, one per column): the rows
    /// of an import batch that were checked together. The default writes multi-row `INSERT`s;
    /// PostgreSQL streams them with `COPY`.
    func insertRows(into table: String, columns: [String], values: [SQLValue]) throws
}

extension SQLDatabase {
    /// Writes the rows with multi-row `INSERT` statements (`RowSet`).
    public func insertRows(into table: String, columns: [String], values: [SQLValue]) throws {
        var rows = RowSet(table, columns)
        rows.append(values: values)
        try rows.writeStatements(self)
    }
}

extension SQLDatabase {
    /// Runs a statement that returns no rows.
    public func execute(sql: String, arguments: SQLArguments = []) throws {
        try execute(sql: sql, arguments: arguments, cached: false)
    }

    /// The placeholder for text bound alone in a select list, as a recursive query's root is:
    /// PostgreSQL gives a bare parameter no collation, and the recursive part's columns are
    /// `COLLATE "C"`; SQLite takes `?` as it is (and plans better with it than with a lookup).
    public var rootParameter: String { dialect == .postgres ? "CAST(? AS TEXT) COLLATE \"C\"" : "?" }

    /// A statement run many times, which the backend may keep prepared.
    public func cachedStatement(sql: String) -> SQLStatement { SQLStatement(database: self, sql: sql) }
}

/// A statement of a database marked as run many times.
public struct SQLStatement {
    let database: any SQLDatabase
    let sql: String

    /// Runs the statement with `arguments`.
    public func execute(arguments: SQLArguments = []) throws {
        try database.execute(sql: sql, arguments: arguments, cached: true)
    }

    func forEachRow(arguments: SQLArguments, _ body: (SQLRow) throws -> Void) throws {
        try database.forEachRow(sql: sql, arguments: arguments, cached: true, body)
    }
}

extension SQLRow {
    /// Every row of a query.
    public static func fetchAll(_ db: any SQLDatabase, sql: String, arguments: SQLArguments = []) throws -> [SQLRow] {
        var rows: [SQLRow] = []
        try db.forEachRow(sql: sql, arguments: arguments, cached: false) { rows.append($0) }
        return rows
    }

    /// Every row of a prepared statement.
    public static func fetchAll(_ statement: SQLStatement, arguments: SQLArguments = []) throws -> [SQLRow] {
        var rows: [SQLRow] = []
        try statement.forEachRow(arguments: arguments) { rows.append($0) }
        return rows
    }

    /// The first row of a query, if any.
    public static func fetchOne(_ db: any SQLDatabase, sql: String, arguments: SQLArguments = []) throws -> SQLRow? {
        try fetchAll(db, sql: sql, arguments: arguments).first
    }

    /// The first row of a prepared statement, if any.
    public static func fetchOne(_ statement: SQLStatement, arguments: SQLArguments = []) throws -> SQLRow? {
        try fetchAll(statement, arguments: arguments).first
    }

    /// Hands each row of a query to `body` without keeping them all: for large results.
    public static func forEach(
        _ db: any SQLDatabase,
        sql: String,
        arguments: SQLArguments = [],
        _ body: (SQLRow) throws -> Void
    ) throws {
        try db.forEachRow(sql: sql, arguments: arguments, cached: false, body)
    }
}

extension SQLValueConvertible {
    /// The first column of every row of a query; NULLs are left out.
    public static func fetchAll(_ db: any SQLDatabase, sql: String, arguments: SQLArguments = []) throws -> [Self] {
        try SQLRow.fetchAll(db, sql: sql, arguments: arguments).compactMap { fromSQLValue($0.values[0]) }
    }

    /// The first column of every row of a prepared statement; NULLs are left out.
    public static func fetchAll(_ statement: SQLStatement, arguments: SQLArguments = []) throws -> [Self] {
        try SQLRow.fetchAll(statement, arguments: arguments).compactMap { fromSQLValue($0.values[0]) }
    }

    /// The first column of the first row of a query; nil when there is no row or it is NULL.
    public static func fetchOne(_ db: any SQLDatabase, sql: String, arguments: SQLArguments = []) throws -> Self? {
        try SQLRow.fetchOne(db, sql: sql, arguments: arguments).flatMap { fromSQLValue($0.values[0]) }
    }

    /// The first column of the first row of a prepared statement; nil when there is no row or it
    /// is NULL.
    public static func fetchOne(_ statement: SQLStatement, arguments: SQLArguments = []) throws -> Self? {
        try SQLRow.fetchOne(statement, arguments: arguments).flatMap { fromSQLValue($0.values[0]) }
    }
}
