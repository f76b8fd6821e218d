import ChiboStore
import Foundation

/// Each version of a record is stored once. The current version lives in its table's `record`
/// column, where every read of current records finds it; every earlier version lives in its
/// change-log entry. The change-log entry of the current version holds NULL instead of a second
/// copy, and its bytes are moved there (`supersede`) just before the row is overwritten by the
/// next version. Readers of the change log take a NULL record from the record's table
/// (`changeRecordColumn`). The history, the change feed and the audit log's hashes all read
/// the same bytes.
extension SQLStore {
    /// The table holding the current version of each kind of record the change log names.
    public static let recordTables = [
        "org_unit": "org_unit", "member": "member", "meeting": "meeting", "rule_set": "rule_set",
        "evaluation": "evaluation",
    ]

    /// Moves the bytes of a record's current version into its change-log entry before the
    /// record's row is overwritten; nothing to do when the entry already holds them.
    static func supersede(_ db: any SQLDatabase, entity: String, id: String) throws {
        guard let table = recordTables[entity] else { return }
        try db.cachedStatement(
            sql: """
                UPDATE change_log SET record = (SELECT record FROM \(table) WHERE id = ?)
                WHERE seq = (SELECT MAX(seq) FROM change_log WHERE entity = ? AND entity_id = ?) AND record IS NULL
                """
        ).execute(arguments: [id, entity, id])
    }

    /// The statement that appends a change: the record is stored as NULL when its table's row
    /// holds exactly these bytes (the version is current and kept there), in full otherwise.
    static func changeInsert(entity: String) -> String {
        guard let table = recordTables[entity] else {
            return """
                INSERT INTO change_log (at_ms, actor, entity, entity_id, revision, change, record)
                VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING seq
                """
        }
        return """
            INSERT INTO change_log (at_ms, actor, entity, entity_id, revision, change, record)
            SELECT ?, ?, ?, ?, ?, ?, CASE WHEN (SELECT record FROM \(table) WHERE id = ?) = ? THEN NULL ELSE ? END
            RETURNING seq
            """
    }

    /// The arguments of `changeInsert(entity:)`.
    static func changeInsertArguments(
        entity: String,
        id: String,
        revision: Int64,
        change: String,
        record: Data,
        context: MutationContext
    ) -> SQLArguments {
        var arguments: SQLArguments = [context.nowMs, context.actor, entity, id, revision, change]
        arguments += recordTables[entity] == nil ? [record] : [id, record, record]
        return arguments
    }

    /// A change-log row's record bytes in SQL, for the row under `alias`: its own, or for the
    /// current version, the record's row.
    static func changeRecordColumn(_ alias: String) -> String {
        let current = recordTables.sorted { $0.key < $1.key }.map { entity, table in
            "WHEN '\(entity)' THEN (SELECT record FROM \(table) WHERE id = \(alias).entity_id)"
        }
        return "COALESCE(\(alias).record, CASE \(alias).entity \(current.joined(separator: " ")) END)"
    }

    /// The migration that drops the change-log copy of each current version of `entity`'s
    /// records, where the record's row holds the same bytes.
    public static func migrationDroppingCurrentCopies(entity: String, table: String) -> String {
        """
        UPDATE change_log SET record = NULL
        WHERE entity = '\(entity)' AND record IS NOT NULL
        AND seq = (SELECT MAX(c.seq) FROM change_log c WHERE c.entity = '\(entity)' AND c.entity_id = change_log.entity_id)
        AND record = (SELECT t.record FROM \(table) t WHERE t.id = change_log.entity_id)
        """
    }

    /// The migration that drops the meeting revisions the change log holds alike (the first
    /// change of that revision, as `loadMeeting` reads them).
    public static let migrationDroppingMeetingRevisions = """
        DELETE FROM meeting_revision WHERE record = (
            SELECT \(changeRecordColumn("c")) FROM change_log c
            WHERE c.entity = 'meeting' AND c.entity_id = meeting_revision.meeting_id
            AND c.revision = meeting_revision.revision ORDER BY c.seq LIMIT 1
        )
        """
}
