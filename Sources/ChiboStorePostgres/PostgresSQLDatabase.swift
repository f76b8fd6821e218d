import ChiboStore
import ChiboStoreSQL
import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// The shared store's database interface over one PostgreSQL connection. Each call waits for
/// its result, so it runs only on the engine's own threads, never on an event loop.
final class PostgresSQLDatabase: SQLDatabase {
    let connection: PostgresConnection
    let logger: Logger
    /// Runs at the start of every write transaction (the advisory lock that serialises writers).
    let beginWrite: String
    /// Runs before every commit of a write transaction (the notification of a change).
    let endWrite: String
    private var savepoints = 0
    private var pending = PendingInserts()
    var auditTail: AuditChainTail?
    var scopeMemo: [String: Bool] = [:]
    var auditKey: AuditKey?
    var pendingAudit: PendingAudit?
    /// Statements that ran to completion on this connection through this interface.
    private(set) var statementsRun = 0
    /// Where the statements sent and the waits for them are counted (the engine's).
    let traffic: TrafficCounter

    init(
        connection: PostgresConnection,
        logger: Logger,
        beginWrite: String,
        endWrite: String,
        traffic: TrafficCounter = TrafficCounter()
    ) {
        self.connection = connection
        self.logger = logger
        self.beginWrite = beginWrite
        self.endWrite = endWrite
        self.traffic = traffic
    }

    var dialect: SQLDialect { .postgres }

    /// Held-back rows are sent this many at a time at most (PostgreSQL takes 65,535 parameters
    /// in a statement).
    static let rowsPerInsert = 500

    func execute(sql: String, arguments: SQLArguments, cached: Bool) throws {
        // Inside a write transaction, statements run many times that insert one row are held
        // back and sent together (see `BufferableInsert`).
        if cached && transactionOpen, let insert = BufferableInsert.parse(sql) {
            pending.add(insert, arguments.values)
            if pending.count >= 4 * Self.rowsPerInsert { try sendPending() }
            return
        }
        try sendPending(before: sql)
        _ = try run(sql, arguments)
    }

    func forEachRow(sql: String, arguments: SQLArguments, cached: Bool, _ body: (SQLRow) throws -> Void) throws {
        try sendPending(before: sql)
        let result = try run(sql, arguments)
        var columns: SQLColumns?
        for row in result.rows {
            var names: [String] = []
            var values: [SQLValue] = []
            for cell in row {
                if columns == nil { names.append(cell.columnName) }
                values.append(try Self.value(cell))
            }
            if columns == nil { columns = SQLColumns(names: names) }
            try body(SQLRow(columns: columns!, values: values))
        }
    }

    func inSavepoint(_ body: () throws -> SQLCompletion) throws {
        savepoints += 1
        let name = "chibo_\(savepoints)"
        defer { savepoints -= 1 }
        try simple("SAVEPOINT \(name)")
        pending.savepointOpened()
        let tail = auditTail
        let audit = pendingAudit
        let completion: SQLCompletion
        do {
            completion = try body()
        } catch {
            try rollBack(to: name, auditTail: tail, pendingAudit: audit)
            throw error
        }
        switch completion {
        case .commit:
            try simple("RELEASE SAVEPOINT \(name)")
            pending.savepointReleased()
        case .rollback:
            try rollBack(to: name, auditTail: tail, pendingAudit: audit)
        }
    }

    private func rollBack(
        to savepoint: String,
        auditTail tail: AuditChainTail?,
        pendingAudit audit: PendingAudit?
    ) throws {
        try simple("ROLLBACK TO SAVEPOINT \(savepoint)", "RELEASE SAVEPOINT \(savepoint)")
        pending.savepointRolledBack()
        auditTail = tail
        pendingAudit = audit
        scopeMemo = [:]
    }

    func inTransaction(_ body: () throws -> SQLCompletion) throws {
        try simple("BEGIN", beginWrite)
        transactionOpen = true
        auditTail = nil
        pendingAudit = nil
        scopeMemo = [:]
        defer {
            transactionOpen = false
            pending.reset()
            auditTail = nil
            pendingAudit = nil
        }
        let completion: SQLCompletion
        do {
            completion = try body()
            if completion == .commit { try sendPending() }
        } catch {
            try? simple("ROLLBACK")
            throw error
        }
        switch completion {
        case .commit: try simple(endWrite, "COMMIT")
        case .rollback: try simple("ROLLBACK")
        }
    }

    /// Whether a write transaction is open (rows are held back only inside one).
    private var transactionOpen = false

    /// Sends the held-back rows if `sql` names a table they go to (every row when `sql` is nil).
    func sendPending(before sql: String? = nil) throws {
        guard !pending.isEmpty else { return }
        var only: Set<String>?
        if let sql {
            only = pending.touched(by: StatementWords.of(sql))
            if only?.isEmpty == true { return }
        }
        for (insert, rows) in pending.take(only: only) {
            var start = 0
            while start < rows.count {
                let chunk = rows[start..<min(rows.count, start + Self.rowsPerInsert)]
                let statement = insert.statement(rows: chunk.count)
                var values: [SQLValue] = []
                values.reserveCapacity(chunk.count * insert.width)
                for row in chunk { values += row.values }
                _ = try run(statement, SQLArguments(values: values), translated: true)
                start += chunk.count
            }
        }
    }

    /// Runs statements without arguments, one after the other.
    func simple(_ statements: String...) throws {
        for statement in statements { _ = try run(statement, []) }
    }

    private func run(_ sql: String, _ arguments: SQLArguments, translated: Bool = false) throws -> PostgresQueryResult {
        var binds = PostgresBindings(capacity: arguments.values.count)
        for value in arguments.values {
            switch value {
            case .null: binds.appendNull()
            case .integer(let integer): binds.append(integer)
            case .real(let real): binds.append(real)
            case .text(let text): binds.append(text)
            case .blob(let blob): binds.append(ByteBuffer(bytes: blob))
            }
        }
        let query = PostgresQuery(unsafeSQL: translated ? sql : PlaceholderTranslation.numbered(sql), binds: binds)
        let ahead = queued
        queued = []
        traffic.count(statements: ahead.count + 1, waited: true)
        // postgres-nio keeps the statements of a connection in order and sends each as soon as
        // the one before is answered: the thread waits once for them all.
        let answersAhead = ahead.map { connection.query(PostgresQuery(unsafeSQL: $0), logger: logger) }
        let answer = connection.query(query, logger: logger)
        for (statement, answerAhead) in zip(ahead, answersAhead) {
            do {
                _ = try answerAhead.wait()
                statementsRun += 1
            } catch {
                throw Self.storeError(error, sql: statement)
            }
        }
        do {
            let result = try answer.wait()
            statementsRun += 1
            return result
        } catch {
            throw Self.storeError(error, sql: sql)
        }
    }

    /// Statements without arguments to send in front of the next statement (`sendWithNext`).
    private var queued: [String] = []

    /// Sends `statement` (without arguments) just before the next statement, so the thread waits
    /// once for both: the `BEGIN` of a read snapshot. If the next statement never comes,
    /// `dropQueued` forgets it.
    func sendWithNext(_ statement: String) { queued.append(statement) }

    /// Forgets the statements `sendWithNext` kept for a next statement that did not come;
    /// whether there were any.
    func dropQueued() -> Bool {
        defer { queued = [] }
        return !queued.isEmpty
    }

    /// Sends `statement` (without arguments) and does not wait for its answer: the `COMMIT` of a
    /// read-only snapshot, which has nothing to keep. The connection answers its statements in
    /// order, so the next one sent on it (by this operation or the next) is answered after this
    /// one; a failure, which can only be the connection's, is logged and that next statement
    /// fails with it.
    func sendWithoutWaiting(_ statement: String) {
        traffic.count(statements: 1, waited: false)
        let logger = logger
        connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).whenFailure { error in
            logger.debug("\(statement) failed: \(PostgresEngine.describe(error))")
        }
    }

    /// A column's value in the shared store's terms.
    static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int8, .int4, .int2: return .integer(try cell.decode(Int64.self))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .float8, .float4: return .real(try cell.decode(Double.self))
        case .numeric:
            // SUM over BIGINT columns answers NUMERIC in PostgreSQL; SQLite answers an integer.
            let decimal = try cell.decode(Decimal.self)
            let number = NSDecimalNumber(decimal: decimal)
            if decimal == Decimal(number.int64Value) { return .integer(number.int64Value) }
            return .real(number.doubleValue)
        case .bytea: return .blob(Data(try cell.decode(ByteBuffer.self).readableBytesView))
        default: return .text(try cell.decode(String.self))
        }
    }

    /// A failure as the store reports it: a lost connection, a server shutting down or starting
    /// (SQLSTATE class 57, operator intervention, and class 08, connection exception) and a
    /// server that no longer accepts writes (25006, a primary demoted to a standby) are
    /// `unavailable`, with the server's words; anything else names the server's message and the
    /// statement.
    static func storeError(_ error: any Error, sql: String) -> any Error {
        if let psql = error as? PSQLError {
            switch psql.code {
            case .server:
                let message = psql.serverInfo?[.message] ?? "unknown error"
                let state = psql.serverInfo?[.sqlState] ?? ""
                if state.hasPrefix("57") || state.hasPrefix("08") {
                    return StoreError.unavailable("PostgreSQL: \(message) (SQLSTATE \(state))")
                }
                if state == "25006" {
                    return StoreError.unavailable(
                        "PostgreSQL does not accept writes on this server (a standby): \(message)"
                    )
                }
                if state == "22021" {
                    // SQLite stores any text; PostgreSQL refuses NUL in text.
                    return StoreError.failedPrecondition("text with a NUL character cannot be stored: \(message)")
                }
                return PostgresStatementError(sqlState: state, message: message, statement: sql)
            default:
                return StoreError.unavailable("the connection to PostgreSQL failed: \(PostgresEngine.describe(psql))")
            }
        }
        return error
    }
}

/// A statement PostgreSQL refused: its SQLSTATE, message and the statement.
public struct PostgresStatementError: Error, CustomStringConvertible {
    /// The five-character SQLSTATE code.
    public var sqlState: String
    /// The server's message.
    public var message: String
    /// The statement.
    public var statement: String

    /// The message, its code and the statement.
    public var description: String { "PostgreSQL \(sqlState): \(message) in: \(statement)" }
}

/// The shared store writes SQLite's placeholders: `?` (the next number) and `?NNN` (number NNN).
/// PostgreSQL numbers them `$NNN`. Quoted text and identifiers are left alone.
enum PlaceholderTranslation {
    private static let cache = Cache()

    /// `sql` with `$NNN` placeholders, numbered as SQLite numbers `?` and `?NNN`.
    static func numbered(_ sql: String) -> String {
        if let known = cache.get(sql) { return known }
        var output = ""
        output.reserveCapacity(sql.utf8.count + 16)
        var highest = 0
        var quote: Character?
        var characters = sql.makeIterator()
        var pending: Character? = characters.next()
        while let character = pending {
            pending = characters.next()
            if let open = quote {
                output.append(character)
                if character == open { quote = nil }
                continue
            }
            switch character {
            case "'", "\"":
                quote = character
                output.append(character)
            case "?":
                var digits = ""
                while let next = pending, next.isASCII, next.isNumber {
                    digits.append(next)
                    pending = characters.next()
                }
                let number = Int(digits) ?? (highest + 1)
                highest = max(highest, number)
                output += "$\(number)"
            default:
                output.append(character)
            }
        }
        cache.set(sql, output)
        return output
    }

    /// Translations of the statements seen, which are few and run many times.
    private final class Cache: Sendable {
        private let entries = Mutex<[String: String]>([:])

        func get(_ sql: String) -> String? { entries.withLock { $0[sql] } }

        func set(_ sql: String, _ translated: String) {
            entries.withLock { entries in
                // Statements built with a variable number of arguments could grow it without
                // bound; starting again is cheap.
                if entries.count > 2_000 { entries.removeAll() }
                entries[sql] = translated
            }
        }
    }
}
