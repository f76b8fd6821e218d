import ChiboCodec
import ChiboModel
import ChiboStore
import ChiboStoreSQL
import Foundation
import GRDB

/// The versioned schema. Migrations are only ever appended; a released one never changes.
/// Columns are portable SQL types (TEXT, INTEGER, BLOB); dates are `YYYY-MM-DD` text and search
/// and sort keys are computed in Swift, so every backend answers alike.
enum Migrations {
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: org units, change log, request log") { db in
            try db.execute(
                sql: """
                    CREATE TABLE org_unit (
                        id TEXT PRIMARY KEY NOT NULL,
                        code TEXT,
                        name_key TEXT NOT NULL,
                        kind INTEGER NOT NULL,
                        parent_id TEXT REFERENCES org_unit(id),
                        valid_from TEXT,
                        valid_to TEXT,
                        voided INTEGER NOT NULL DEFAULT 0,
                        revision INTEGER NOT NULL,
                        record BLOB NOT NULL
                    );
                    CREATE UNIQUE INDEX org_unit_by_code ON org_unit(code) WHERE code IS NOT NULL;
                    CREATE INDEX org_unit_by_parent ON org_unit(parent_id, name_key, id);
                    CREATE INDEX org_unit_by_kind ON org_unit(kind, name_key, id);
                    -- Which parent a unit had when: the tree of any past date stays readable.
                    CREATE TABLE org_unit_parent (
                        unit_id TEXT NOT NULL REFERENCES org_unit(id),
                        parent_id TEXT NOT NULL REFERENCES org_unit(id),
                        valid_from TEXT,
                        valid_to TEXT
                    );
                    CREATE INDEX org_unit_parent_by_parent ON org_unit_parent(parent_id, valid_from);
                    CREATE INDEX org_unit_parent_by_unit ON org_unit_parent(unit_id, valid_from);
                    -- Every change, in order: the audit trail and the change feed.
                    CREATE TABLE change_log (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        at_ms INTEGER NOT NULL,
                        actor TEXT NOT NULL,
                        entity TEXT NOT NULL,
                        entity_id TEXT NOT NULL,
                        revision INTEGER NOT NULL,
                        change TEXT NOT NULL,
                        record BLOB NOT NULL
                    );
                    CREATE INDEX change_log_entity ON change_log(entity, entity_id, seq);
                    -- Outcomes of mutating requests by request id, for idempotent retries.
                    CREATE TABLE request_log (
                        request_id TEXT PRIMARY KEY NOT NULL,
                        operation TEXT NOT NULL,
                        at_ms INTEGER NOT NULL,
                        outcome BLOB NOT NULL
                    );
                    """
            )
        }
        migrator.registerMigration("v2: members and status events") { db in
            try db.execute(
                sql: """
                    CREATE TABLE member (
                        id TEXT PRIMARY KEY NOT NULL,
                        party_card_number TEXT,
                        cell_id TEXT REFERENCES org_unit(id),
                        status INTEGER NOT NULL,
                        name_key TEXT NOT NULL,
                        sort_key TEXT NOT NULL,
                        voided INTEGER NOT NULL DEFAULT 0,
                        revision INTEGER NOT NULL,
                        record BLOB NOT NULL
                    );
                    CREATE UNIQUE INDEX member_by_card ON member(party_card_number) WHERE party_card_number IS NOT NULL;
                    CREATE INDEX member_by_cell ON member(cell_id, sort_key, id);
                    CREATE INDEX member_by_sort ON member(sort_key, id);
                    CREATE INDEX member_by_status ON member(status, sort_key, id);
                    -- Status events, for timelines and for who belonged where on a date.
                    CREATE TABLE member_event (
                        id TEXT PRIMARY KEY NOT NULL,
                        member_id TEXT NOT NULL REFERENCES member(id),
                        kind INTEGER NOT NULL,
                        effective_on TEXT NOT NULL,
                        other_unit_id TEXT,
                        record BLOB NOT NULL
                    );
                    CREATE INDEX member_event_by_member ON member_event(member_id, effective_on);
                    """
            )
        }
        migrator.registerMigration("v3: meetings, revisions, attendance, resolutions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meeting (
                        id TEXT PRIMARY KEY NOT NULL,
                        cell_id TEXT NOT NULL REFERENCES org_unit(id),
                        held_on TEXT NOT NULL,
                        kind INTEGER NOT NULL,
                        voided INTEGER NOT NULL DEFAULT 0,
                        revision INTEGER NOT NULL,
                        record BLOB NOT NULL
                    );
                    CREATE INDEX meeting_by_cell ON meeting(cell_id, held_on, id);
                    CREATE INDEX meeting_by_date ON meeting(held_on, id);
                    -- Every revision of every meeting: amendments never lose what was recorded.
                    CREATE TABLE meeting_revision (
                        meeting_id TEXT NOT NULL REFERENCES meeting(id),
                        revision INTEGER NOT NULL,
                        record BLOB NOT NULL,
                        PRIMARY KEY (meeting_id, revision)
                    );
                    -- The current attendance, one row per member per meeting, for the reports.
                    CREATE TABLE attendance (
                        meeting_id TEXT NOT NULL REFERENCES meeting(id),
                        member_id TEXT NOT NULL REFERENCES member(id),
                        cell_id TEXT NOT NULL,
                        held_on TEXT NOT NULL,
                        state INTEGER NOT NULL,
                        category INTEGER NOT NULL,
                        spoke INTEGER NOT NULL,
                        PRIMARY KEY (meeting_id, member_id)
                    );
                    CREATE INDEX attendance_by_member ON attendance(member_id, held_on);
                    CREATE INDEX attendance_by_cell ON attendance(cell_id, held_on);
                    CREATE TABLE resolution (
                        id TEXT PRIMARY KEY NOT NULL,
                        meeting_id TEXT NOT NULL REFERENCES meeting(id),
                        owner_member_id TEXT,
                        due_on TEXT,
                        status INTEGER NOT NULL,
                        revision INTEGER NOT NULL,
                        record BLOB NOT NULL
                    );
                    CREATE INDEX resolution_by_meeting ON resolution(meeting_id);
                    CREATE INDEX resolution_by_owner ON resolution(owner_member_id, due_on);
                    """
            )
        }
        migrator.registerMigration("v4: members' cell history") { db in
            try db.execute(
                sql: """
                    -- Which cell each member belonged to when, as cells merge and split.
                    CREATE TABLE member_cell (
                        member_id TEXT NOT NULL REFERENCES member(id),
                        cell_id TEXT NOT NULL REFERENCES org_unit(id),
                        valid_from TEXT,
                        valid_to TEXT
                    );
                    CREATE INDEX member_cell_by_cell ON member_cell(cell_id, valid_from);
                    CREATE INDEX member_cell_by_member ON member_cell(member_id);
                    """
            )
        }
        migrator.registerMigration("v5: rule sets, evaluations, per-meeting counts") { db in
            try db.execute(
                sql: """
                    -- Effective-dated thresholds; a NULL scope is national.
                    CREATE TABLE rule_set (
                        id TEXT PRIMARY KEY NOT NULL,
                        scope_unit_id TEXT REFERENCES org_unit(id),
                        effective_from TEXT NOT NULL,
                        voided INTEGER NOT NULL DEFAULT 0,
                        revision INTEGER NOT NULL,
                        record BLOB NOT NULL
                    );
                    CREATE INDEX rule_set_by_scope ON rule_set(scope_unit_id, effective_from, id);
                    -- Yearly evaluations: one per subject and year among those not voided.
                    CREATE TABLE evaluation (
                        id TEXT PRIMARY KEY NOT NULL,
                        subject INTEGER NOT NULL,
                        subject_id TEXT NOT NULL,
                        year INTEGER NOT NULL,
                        cell_id TEXT,
                        voided INTEGER NOT NULL DEFAULT 0,
                        revision INTEGER NOT NULL,
                        record BLOB NOT NULL
                    );
                    CREATE UNIQUE INDEX evaluation_by_subject ON evaluation(subject, subject_id, year) WHERE voided = 0;
                    CREATE INDEX evaluation_by_year ON evaluation(year, subject, subject_id, id);
                    -- Per-meeting counts, kept when a meeting is written, so reports read one row
                    -- per meeting instead of rescanning attendance.
                    ALTER TABLE meeting ADD COLUMN start_minute INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE meeting ADD COLUMN end_minute INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE meeting ADD COLUMN expected_count INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE meeting ADD COLUMN present_count INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE meeting ADD COLUMN excused_count INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE meeting ADD COLUMN unexcused_count INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE meeting ADD COLUMN not_recorded_count INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE meeting ADD COLUMN spoke_count INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE meeting ADD COLUMN supervisor_present INTEGER NOT NULL DEFAULT 0;
                    """
            )
            let meetings = try Data.fetchAll(db, sql: "SELECT record FROM meeting")
            for data in meetings {
                try SQLStore.writeMeetingSummary(
                    GRDBDatabase(db),
                    MeetingSummary(of: Meeting(serializedBytes: [UInt8](data)))
                )
            }
            for rules in NationalRules.all {
                try SQLStore.writeRuleSet(GRDBDatabase(db), rules, insert: true)
            }
        }
        migrator.registerMigration("v6: tokens and the audit log") { db in
            try db.execute(
                sql: """
                    -- Access tokens, stored as hashes only.
                    CREATE TABLE token (
                        id TEXT PRIMARY KEY NOT NULL,
                        name TEXT NOT NULL UNIQUE,
                        role TEXT NOT NULL,
                        scope_unit_id TEXT,
                        hash TEXT NOT NULL UNIQUE,
                        hint TEXT NOT NULL,
                        created_at_ms INTEGER NOT NULL,
                        expires_on TEXT,
                        revoked_at_ms INTEGER
                    );
                    -- The append-only, hash-chained audit log. A unique prev_hash keeps one chain
                    -- even when several servers append to one database.
                    CREATE TABLE audit_log (
                        seq INTEGER PRIMARY KEY NOT NULL,
                        at_ms INTEGER NOT NULL,
                        actor TEXT NOT NULL,
                        role TEXT NOT NULL,
                        peer TEXT NOT NULL,
                        method TEXT NOT NULL,
                        entity TEXT NOT NULL,
                        entity_id TEXT NOT NULL,
                        outcome TEXT NOT NULL,
                        detail TEXT NOT NULL,
                        before_json TEXT NOT NULL,
                        after_json TEXT NOT NULL,
                        prev_hash TEXT NOT NULL UNIQUE,
                        hash TEXT NOT NULL
                    );
                    CREATE INDEX audit_log_by_entity ON audit_log(entity, entity_id, seq);
                    CREATE INDEX audit_log_by_actor ON audit_log(actor, seq);
                    """
            )
        }
        migrator.registerMigration("v7: member events by the unit on the other side") { db in
            try db.execute(
                sql: """
                    -- Recording a meeting looks for members temporarily transferred to the cell by
                    -- the cell named in their events; without this index every meeting scanned
                    -- every status event (50 ms a meeting with 250,000 members).
                    CREATE INDEX member_event_by_other_unit ON member_event(other_unit_id)
                        WHERE other_unit_id IS NOT NULL;
                    """
            )
        }
        migrator.registerMigration("v8: indexes the reports read") { db in
            try db.execute(
                sql: """
                    -- The per-meeting counts in an index of their own: the columns sit after the
                    -- record in the table row, so reading them there walks each record's overflow
                    -- pages; from this covering index a province's year is a few megabytes.
                    CREATE INDEX meeting_counts ON meeting(
                        cell_id, held_on, voided, id, kind, start_minute, end_minute, expected_count,
                        present_count, excused_count, unexcused_count, not_recorded_count, spoke_count,
                        supervisor_present
                    );
                    -- Attendance by cell and date, covering what the member reports read.
                    DROP INDEX attendance_by_cell;
                    CREATE INDEX attendance_by_cell ON attendance(cell_id, held_on, member_id, meeting_id, state, category);
                    -- The few voided meetings, which the member reports leave out.
                    CREATE INDEX meeting_voided ON meeting(id) WHERE voided = 1;
                    -- A subtree's evaluations of a year: units by id, members by their cell.
                    CREATE INDEX evaluation_by_subject_year ON evaluation(subject_id, year);
                    CREATE INDEX evaluation_by_cell_year ON evaluation(cell_id, year);
                    """
            )
        }
        migrator.registerMigration("v9: bulk import checkpoints and members by citizen ID") { db in
            try db.execute(
                sql: """
                    -- Where each import stands: the last batch committed and the running counts,
                    -- written in the batch's transaction so a resumed import changes nothing twice.
                    CREATE TABLE import_checkpoint (
                        import_id TEXT PRIMARY KEY NOT NULL,
                        entity INTEGER NOT NULL,
                        last_batch INTEGER NOT NULL,
                        read_count INTEGER NOT NULL,
                        inserted_count INTEGER NOT NULL,
                        updated_count INTEGER NOT NULL,
                        skipped_count INTEGER NOT NULL,
                        rejected_count INTEGER NOT NULL,
                        actor TEXT NOT NULL,
                        updated_at_ms INTEGER NOT NULL
                    );
                    -- A member without a card number is found again by citizen ID.
                    ALTER TABLE member ADD COLUMN citizen_id TEXT;
                    CREATE INDEX member_by_citizen_id ON member(citizen_id) WHERE citizen_id IS NOT NULL;
                    """
            )
            let rows = try Row.fetchAll(db, sql: "SELECT id, record FROM member")
            for row in rows {
                let member = try Member(serializedBytes: [UInt8](row["record"] as Data))
                guard !member.citizenId.isEmpty else { continue }
                try db.execute(
                    sql: "UPDATE member SET citizen_id = ? WHERE id = ?",
                    arguments: [member.citizenId, row["id"] as String]
                )
            }
        }
        migrator.registerMigration("v10: import rejections, effects, keys and undo") { db in
            try db.execute(
                sql: """
                    -- Every row an import refused, kept with the batch that refused it, so a
                    -- resumed import reports the rejections of its earlier batches.
                    CREATE TABLE import_rejection (
                        import_id TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        batch INTEGER NOT NULL,
                        row INTEGER NOT NULL,
                        field TEXT NOT NULL,
                        code TEXT NOT NULL,
                        message TEXT NOT NULL,
                        PRIMARY KEY (import_id, seq)
                    );
                    CREATE INDEX import_rejection_by_row ON import_rejection(import_id, row, seq);
                    -- What each import did to each record, in order, for undo: created or updated,
                    -- the record before (updated only) and the revision the import left.
                    CREATE TABLE import_effect (
                        import_id TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        entity TEXT NOT NULL,
                        record_id TEXT NOT NULL,
                        effect TEXT NOT NULL,
                        before BLOB,
                        revision INTEGER NOT NULL,
                        PRIMARY KEY (import_id, seq)
                    );
                    CREATE INDEX import_effect_by_record ON import_effect(entity, record_id);
                    -- The natural keys an import has applied (entity and record), so the same key
                    -- twice in one file is refused, across batches and resumes.
                    CREATE TABLE import_key (
                        import_id TEXT NOT NULL,
                        natural_key TEXT NOT NULL,
                        row INTEGER NOT NULL,
                        PRIMARY KEY (import_id, natural_key)
                    );
                    -- Meeting keys chosen by the files, global, to the meeting each names.
                    CREATE TABLE import_meeting_key (
                        meeting_key TEXT PRIMARY KEY NOT NULL,
                        meeting_id TEXT NOT NULL REFERENCES meeting(id),
                        import_id TEXT NOT NULL
                    );
                    CREATE INDEX import_meeting_key_by_import ON import_meeting_key(import_id);
                    -- When the import was undone; 0 while it stands.
                    ALTER TABLE import_checkpoint ADD COLUMN undone_at_ms INTEGER NOT NULL DEFAULT 0;
                    """
            )
        }
        migrator.registerMigration("v11: member sort keys without NUL") { db in
            // The separators of the sort key were NUL and U+0001; they are now U+0001 and
            // U+0002 (same order), so that PostgreSQL, whose text cannot hold NUL, keeps the
            // same keys.
            let rows = try Row.fetchAll(db, sql: "SELECT id, record FROM member")
            let update = try db.makeStatement(sql: "UPDATE member SET sort_key = ? WHERE id = ?")
            for row in rows {
                let member = try Member(serializedBytes: [UInt8](row["record"] as Data))
                try update.execute(arguments: [SQLStore.sortKey(of: member), row["id"] as String])
            }
        }
        migrator.registerMigration("v12: audit entries authenticated with a key") { db in
            try db.execute(
                sql: """
                    -- HMAC-SHA256 of the entry with the server's audit key, "KEY_ID:HEX"; empty for
                    -- entries written without a key (all those before this version).
                    ALTER TABLE audit_log ADD COLUMN mac TEXT NOT NULL DEFAULT '';
                    """
            )
        }
        migrator.registerMigration("v13: request digests") { db in
            // The SHA-256 of the request a request id was first used with, so the id reused with
            // another request is refused; rows from before keep '' and match on the operation.
            try db.execute(sql: "ALTER TABLE request_log ADD COLUMN request_digest TEXT NOT NULL DEFAULT ''")
        }
        migrator.registerMigration("v14: audit entries that name their changes instead of copying them") { db in
            // Entries of layout 2 name the change-log positions they cover and hold a hash of
            // those changes' stored bytes, instead of the records as JSON; entries written before
            // keep layout 1 and their JSON, and verify as they did.
            try db.execute(
                sql: """
                    ALTER TABLE audit_log ADD COLUMN layout INTEGER NOT NULL DEFAULT 1;
                    ALTER TABLE audit_log ADD COLUMN changes TEXT NOT NULL DEFAULT '';
                    ALTER TABLE audit_log ADD COLUMN records_hash TEXT NOT NULL DEFAULT '';
                    ALTER TABLE audit_log ADD COLUMN change_first INTEGER;
                    ALTER TABLE audit_log ADD COLUMN change_last INTEGER;
                    CREATE INDEX audit_log_by_change ON audit_log(change_first) WHERE change_first IS NOT NULL;
                    """
            )
        }
        migrator.registerMigration("v15: each version of a record stored once") { db in
            // The change-log entry of each record's current version gives up its copy (the
            // record's row holds it; `SQLStore.supersede` moves it back when the next version
            // comes); meeting revisions the change log holds alike are dropped from
            // meeting_revision, which new versions no longer fill; a request whose outcome is
            // the record its change logged names the change (`outcome_seq`).
            // SQLite cannot drop a NOT NULL: the change log is rebuilt with a nullable record.
            try db.execute(
                sql: """
                    CREATE TABLE change_log_v15 (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        at_ms INTEGER NOT NULL,
                        actor TEXT NOT NULL,
                        entity TEXT NOT NULL,
                        entity_id TEXT NOT NULL,
                        revision INTEGER NOT NULL,
                        change TEXT NOT NULL,
                        record BLOB
                    );
                    INSERT INTO change_log_v15 (seq, at_ms, actor, entity, entity_id, revision, change, record)
                        SELECT seq, at_ms, actor, entity, entity_id, revision, change, record FROM change_log;
                    DROP TABLE change_log;
                    ALTER TABLE change_log_v15 RENAME TO change_log;
                    CREATE INDEX change_log_entity ON change_log(entity, entity_id, seq);
                    """
            )
            for (entity, table) in SQLStore.recordTables.sorted(by: { $0.key < $1.key }) {
                try db.execute(sql: SQLStore.migrationDroppingCurrentCopies(entity: entity, table: table))
            }
            try db.execute(sql: SQLStore.migrationDroppingMeetingRevisions)
            try db.execute(sql: "ALTER TABLE request_log ADD COLUMN outcome_seq INTEGER")
        }
        migrator.registerMigration("v16: counts per cell and month") { db in
            // Kept as meetings are written (`SQLStore.recountCellMonth`); filled here from the
            // meetings already recorded.
            try db.execute(sql: SQLStore.cellMonthTableSQL(integer: "INTEGER"))
            try db.execute(sql: SQLStore.cellMonthFillSQL)
        }
        migrator.registerMigration("v17: import effects that name the record before") { db in
            // An update's record before the import is the change-log entry it names
            // (`before_seq`), not a copy; effects written before keep their copy.
            try db.execute(sql: "ALTER TABLE import_effect ADD COLUMN before_seq INTEGER")
        }
        migrator.registerMigration("v18: attendance without the index by cell") { db in
            // The absence report finds a subtree's attendance through its meetings (by cell and
            // date) and the attendance's key (by meeting); the index by cell, which copied every
            // attendance row's columns once more (a fifth of the attendance's bytes), goes.
            try db.execute(sql: "DROP INDEX attendance_by_cell")
        }
        migrator.registerMigration("v19: import meeting keys by meeting") { db in
            // Undoing an import forgets the keys of each meeting it voids: by meeting, not by a
            // scan of every key ever imported.
            try db.execute(sql: "CREATE INDEX import_meeting_key_by_meeting ON import_meeting_key(meeting_id)")
        }
        migrator.registerMigration("v20: attendance rows keyed by numbers") { db in
            // Members and meetings are numbered (their rowid, which this copy fixes: a later
            // VACUUM may renumber rowids, never `no`); attendance rows name them by number and
            // keep the date as an integer (`SQLStore+AttendanceRows`).
            for statement in SQLStore.migrationNumberingAttendance(
                integer: "INTEGER",
                numbering: { "UPDATE \($0) SET no = rowid" }
            ) {
                try db.execute(sql: statement)
            }
        }
        return migrator
    }()
}
