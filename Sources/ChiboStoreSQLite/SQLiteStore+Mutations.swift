import ChiboCodec
import ChiboModel
import ChiboStore
import Foundation
import GRDB

extension SQLiteStore {
    /// Runs a change in one write transaction with its request-id bookkeeping: a request id
    /// seen before returns the stored outcome and writes nothing; a validate-only request is
    /// checked in full and rolled back.
    func mutate<Record: ProtoMessage>(
        operation: String,
        context: MutationContext,
        _ body: @Sendable @escaping (Database) throws -> Record
    ) async throws -> Record {
        let record = try await pool.write { db in
            if !context.requestID.isEmpty,
                let row = try Row.fetchOne(
                    db,
                    sql: "SELECT operation, outcome FROM request_log WHERE request_id = ?",
                    arguments: [context.requestID]
                )
            {
                guard (row["operation"] as String) == operation else {
                    throw StoreError.failedPrecondition(
                        "request id \(context.requestID) was already used for another operation"
                    )
                }
                return try Record(serializedBytes: [UInt8](row["outcome"] as Data))
            }
            let record = try body(db)
            if !context.requestID.isEmpty && !context.validateOnly {
                try db.execute(
                    sql: "INSERT INTO request_log (request_id, operation, at_ms, outcome) VALUES (?, ?, ?, ?)",
                    arguments: [context.requestID, operation, context.nowMs, Data(try record.serializedBytes())]
                )
            }
            return record
        }
        if !context.validateOnly { changeSignal.notify() }
        return record
    }

    /// A `subtree(id)` table of a unit (bound to the first `?`) and its descendants in today's
    /// tree; portable SQL (`WITH RECURSIVE` works in SQLite and PostgreSQL).
    static let currentSubtree = """
        WITH RECURSIVE subtree(id) AS (
            SELECT ? UNION SELECT u.id FROM org_unit u JOIN subtree s ON u.parent_id = s.id
        )
        """

    static func exists(_ db: Database, table: String, id: String) throws -> Bool {
        try Row.fetchOne(db, sql: "SELECT 1 FROM \(table) WHERE id = ?", arguments: [id]) != nil
    }

    /// Appends a change to the change log.
    static func logChange(
        _ db: Database,
        context: MutationContext,
        entity: String,
        id: String,
        revision: Int64,
        change: String,
        record: some ProtoMessage
    ) throws {
        try db.execute(
            sql: """
                INSERT INTO change_log (at_ms, actor, entity, entity_id, revision, change, record)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [context.nowMs, context.actor, entity, id, revision, change, Data(try record.serializedBytes())]
        )
    }
}
