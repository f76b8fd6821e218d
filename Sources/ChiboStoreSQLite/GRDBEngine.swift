import ChiboStore
import ChiboStoreSQL
import Foundation
import GRDB

/// The shared store's database interface over one GRDB connection.
final class GRDBDatabase: SQLDatabase {
    let db: Database
    var auditTail: AuditChainTail?
    var scopeMemo: [String: Bool] = [:]
    var auditKey: AuditKey?
    var pendingAudit: PendingAudit?

    init(_ db: Database) { self.db = db }

    var dialect: SQLDialect { .sqlite }

    func execute(sql: String, arguments: SQLArguments, cached: Bool) throws {
        if cached {
            try db.cachedStatement(sql: sql).execute(arguments: Self.arguments(arguments))
        } else {
            try db.execute(sql: sql, arguments: Self.arguments(arguments))
        }
    }

    func forEachRow(sql: String, arguments: SQLArguments, cached: Bool, _ body: (SQLRow) throws -> Void) throws {
        let statement = cached ? try db.cachedStatement(sql: sql) : try db.makeStatement(sql: sql)
        let columns = SQLColumns(names: statement.columnNames)
        let count = statement.columnCount
        let cursor = try Row.fetchCursor(statement, arguments: Self.arguments(arguments))
        while let row = try cursor.next() {
            var values: [SQLValue] = []
            values.reserveCapacity(count)
            for index in 0..<count {
                values.append(Self.value((row[index] as DatabaseValue).storage))
            }
            try body(SQLRow(columns: columns, values: values))
        }
    }

    func inSavepoint(_ body: () throws -> SQLCompletion) throws {
        let tail = auditTail
        let audit = pendingAudit
        do {
            try db.inSavepoint {
                let completion = try body()
                if completion == .rollback {
                    auditTail = tail
                    pendingAudit = audit
                    scopeMemo = [:]
                }
                return completion == .commit ? .commit : .rollback
            }
        } catch {
            auditTail = tail
            pendingAudit = audit
            scopeMemo = [:]
            throw error
        }
    }

    func inTransaction(_ body: () throws -> SQLCompletion) throws {
        auditTail = nil
        pendingAudit = nil
        scopeMemo = [:]
        defer { pendingAudit = nil }
        do {
            try db.inTransaction(.immediate) {
                let completion = try body()
                if completion == .rollback { auditTail = nil }
                return completion == .commit ? .commit : .rollback
            }
        } catch {
            auditTail = nil
            throw error
        }
    }

    static func arguments(_ arguments: SQLArguments) -> StatementArguments {
        StatementArguments(
            arguments.values.map { value -> DatabaseValue in
                switch value {
                case .null: .null
                case .integer(let integer): integer.databaseValue
                case .real(let real): real.databaseValue
                case .text(let text): text.databaseValue
                case .blob(let blob): blob.databaseValue
                }
            }
        )
    }

    static func value(_ storage: DatabaseValue.Storage) -> SQLValue {
        switch storage {
        case .null: .null
        case .int64(let integer): .integer(integer)
        case .double(let real): .real(real)
        case .string(let text): .text(text)
        case .blob(let blob): .blob(blob)
        }
    }
}

/// Runs the shared store's operations on a GRDB pool: reads on its readers, writes on its one
/// writer.
struct GRDBEngine: SQLEngine {
    let pool: DatabasePool

    var schemaVersion: Int {
        get async throws {
            try await pool.read { db in try Migrations.migrator.appliedIdentifiers(db).count }
        }
    }

    func read<T: Sendable>(_ body: @Sendable @escaping (any SQLDatabase) throws -> T) async throws -> T {
        try await pool.read { db in try body(GRDBDatabase(db)) }
    }

    func write<T: Sendable>(_ body: @Sendable @escaping (any SQLDatabase) throws -> T) async throws -> T {
        try await pool.write { db in try body(GRDBDatabase(db)) }
    }

    func writeWithoutTransaction<T: Sendable>(
        _ body: @Sendable @escaping (any SQLDatabase) throws -> T
    ) async throws -> T {
        try await pool.writeWithoutTransaction { db in try body(GRDBDatabase(db)) }
    }
}
