/// What the plan tests expect of each statement that reads a large table: the indexes it may
/// read them through. docs/STORAGE.md ("Statements and their indexes") lists the same table.
struct PlanExpectation: Sendable {
    /// What the statement does.
    var name: String
    /// Fragments of SQL (whitespace collapsed) that only this statement, or this family of
    /// statements, contains. The first expectation (in the table's order) with a marker the
    /// statement contains is its own.
    var markers: [String]
    /// The indexes (`<table>_pkey` for a primary key) it may read the large tables through.
    var indexes: Set<String>
    /// Large tables it may read whole.
    var wholeTables: Set<String> = []
}

enum PlanExpectations {
    /// Tables that grow with the records: a statement reading one of them whole, or through an
    /// index the table below does not name, fails the test. The others (rule sets, tokens,
    /// import checkpoints, the migrations) hold a few rows per deployment.
    static let largeTables: Set<String> = [
        "attendance", "member", "member_event", "member_cell", "meeting", "resolution", "evaluation", "cell_month",
        "change_log", "audit_log", "request_log", "org_unit", "org_unit_parent", "import_effect", "import_key",
        "import_meeting_key", "import_rejection",
    ]

    /// Large tables the seeded database holds too few pages of for PostgreSQL to prefer an
    /// index: the import tables (one test import), the audit log (the seeding's entries, a hash
    /// chain, not copied) and the resolutions (a commune's year takes a few hundred lookups, the
    /// whole table is a few megabytes, as in a province). Where PostgreSQL scans one of them, the
    /// statement is planned again with sequential scans disabled, and must then read it through
    /// an index the table below names.
    static let fewPagesInSeed: Set<String> = [
        "resolution", "request_log", "audit_log", "import_effect", "import_key", "import_meeting_key",
        "import_rejection",
    ]

    /// The records a change-log entry that keeps no copy is read from, by id.
    static let recordKeys: Set<String> = ["evaluation_pkey", "meeting_pkey", "member_pkey", "org_unit_pkey"]

    static let all: [PlanExpectation] = [
        // Statements that read other large tables in subqueries, first.
        PlanExpectation(
            name: "an import's effects, keys and rejections",
            markers: ["FROM import_effect", "FROM import_key WHERE", "FROM import_rejection WHERE"],
            indexes: recordKeys.union([
                "import_effect_pkey", "import_key_pkey", "import_rejection_pkey", "import_rejection_by_row",
                "change_log_pkey",
            ])
        ),
        PlanExpectation(
            name: "a change logged, and its record kept when it changes again",
            markers: ["INSERT INTO change_log", "UPDATE change_log SET record"],
            indexes: recordKeys.union(["change_log_pkey", "change_log_entity"])
        ),
        // Subtrees: the ids first (small tables' indexes), then the records by those ids.
        PlanExpectation(
            name: "units ever under a unit",
            markers: ["WITH RECURSIVE ever(id)"],
            indexes: ["org_unit_parent_by_parent"]
        ),
        PlanExpectation(
            name: "units ever under a unit by id, and the units up its parent history",
            markers: ["WITH RECURSIVE up(id)"],
            indexes: ["org_unit_parent_by_unit", "org_unit_pkey"]
        ),
        PlanExpectation(
            name: "units under a unit today",
            markers: ["WITH RECURSIVE subtree(id)"],
            indexes: ["org_unit_by_parent"]
        ),
        // Reports.
        PlanExpectation(
            name: "meeting summaries of a subtree",
            markers: ["m.supervisor_present FROM meeting m WHERE"],
            indexes: ["meeting_counts", "meeting_by_cell"]
        ),
        PlanExpectation(
            name: "attendance summed by cell and period",
            markers: ["MIN(m.held_on || ' ' || m.id) FROM meeting m WHERE"],
            indexes: ["meeting_counts", "meeting_by_cell"]
        ),
        PlanExpectation(
            name: "absence candidates: attendance of the subtree's meetings",
            markers: ["GROUP BY a.member_no HAVING"],
            indexes: ["meeting_counts", "meeting_by_cell", "attendance_pkey"]
        ),
        PlanExpectation(
            name: "absence facts: the candidates' attendance",
            markers: ["JOIN member p ON p.no = a.member_no"],
            indexes: ["attendance_by_member", "meeting_by_no", "member_by_no"]
        ),
        PlanExpectation(
            name: "members ever under a unit",
            markers: ["SELECT record FROM member WHERE voided = 0 AND id IN ( SELECT m.id FROM member m"],
            indexes: ["member_pkey", "member_by_cell", "member_cell_by_cell"]
        ),
        PlanExpectation(
            name: "members expected at a meeting",
            markers: ["SELECT record FROM member WHERE voided = 0 AND id IN ( SELECT id FROM member WHERE cell_id"],
            indexes: ["member_pkey", "member_by_cell", "member_event_by_other_unit", "member_cell_by_cell"]
        ),
        PlanExpectation(
            name: "open resolutions of a subtree",
            markers: ["FROM meeting m JOIN resolution r ON r.meeting_id = m.id"],
            indexes: ["meeting_counts", "meeting_by_cell", "resolution_by_meeting"]
        ),
        PlanExpectation(
            name: "a year's evaluations of a subtree",
            markers: ["SELECT v.record FROM evaluation v"],
            indexes: [
                "evaluation_by_year", "evaluation_by_subject", "evaluation_by_cell_year", "evaluation_by_subject_year",
            ]
        ),
        PlanExpectation(
            name: "counts per cell and month of a subtree",
            markers: ["FROM cell_month c WHERE"],
            indexes: ["cell_month_pkey"]
        ),
        // Lists and single records.
        PlanExpectation(
            name: "members by cell, attachment, subtree, status, name or page",
            markers: ["SELECT m.id, m.sort_key, m.record FROM member m"],
            indexes: [
                "member_pkey", "member_by_cell", "member_by_sort", "member_by_status", "member_event_by_other_unit",
                "member_cell_by_cell",
            ]
        ),
        PlanExpectation(
            name: "meetings by cell or subtree and date",
            markers: ["SELECT m.id, m.held_on, m.record FROM meeting m"],
            indexes: ["meeting_by_cell", "meeting_counts", "meeting_by_date"]
        ),
        PlanExpectation(
            name: "resolutions of a subtree",
            markers: ["FROM resolution r JOIN meeting m ON m.id = r.meeting_id"],
            indexes: ["meeting_counts", "meeting_by_cell", "resolution_by_meeting"]
        ),
        PlanExpectation(
            name: "evaluations by year, subject or subtree",
            markers: ["e.record FROM evaluation e"],
            indexes: [
                "evaluation_pkey", "evaluation_by_year", "evaluation_by_subject", "evaluation_by_subject_year",
                "evaluation_by_cell_year",
            ]
        ),
        // The change feed and the audit log.
        PlanExpectation(
            name: "changes by position (catch-up, audit verification)",
            markers: ["FROM change_log c WHERE c.seq", "FROM change_log WHERE seq"],
            indexes: recordKeys.union(["change_log_pkey"])
        ),
        PlanExpectation(
            name: "changes of a record; the last of each member a status-event batch names",
            markers: [
                "FROM change_log c WHERE c.entity = ?", "FROM change_log WHERE entity = ?",
                "FROM change_log WHERE entity = 'member' AND entity_id IN",
            ],
            indexes: recordKeys.union(["change_log_entity"])
        ),
        PlanExpectation(
            name: "audit entries by position, record or actor",
            markers: ["FROM audit_log WHERE seq > ?", "FROM audit_log WHERE seq = ?"],
            indexes: ["audit_log_pkey", "audit_log_by_entity", "audit_log_by_actor"]
        ),
        PlanExpectation(
            name: "audit entries naming a change",
            markers: ["FROM audit_log WHERE change_first"],
            indexes: ["audit_log_by_change"]
        ),
        PlanExpectation(
            // SQLite reads its table, ordered by `seq`, from the last row (`SCAN audit_log`).
            name: "the audit log's last entry",
            markers: ["FROM audit_log ORDER BY seq DESC LIMIT 1"],
            indexes: ["audit_log_pkey"],
            wholeTables: ["audit_log"]
        ),
        // Writes.
        PlanExpectation(
            name: "a record updated",
            markers: ["UPDATE member SET", "UPDATE meeting SET", "UPDATE evaluation SET", "UPDATE org_unit SET"],
            indexes: ["member_pkey", "meeting_pkey", "evaluation_pkey", "org_unit_pkey"]
        ),
        PlanExpectation(
            name: "a member's events and cells, a meeting's attendance and resolutions replaced",
            markers: [
                "DELETE FROM member_cell WHERE member_id", "DELETE FROM member_event WHERE member_id",
                "DELETE FROM attendance WHERE meeting_no", "DELETE FROM resolution WHERE meeting_id",
            ],
            indexes: ["member_cell_by_member", "member_event_by_member", "attendance_pkey", "resolution_by_meeting"]
        ),
        PlanExpectation(
            name: "a cell's month recounted",
            markers: ["DELETE FROM cell_month WHERE", "INSERT INTO cell_month"],
            indexes: ["cell_month_pkey", "meeting_counts", "meeting_by_cell", "attendance_pkey"]
        ),
        // Imports.
        PlanExpectation(
            name: "the stored meetings of an import batch's cells and dates, checked as a set",
            markers: ["SELECT cell_id, held_on, kind, start_minute FROM meeting WHERE voided = 0 AND cell_id IN"],
            indexes: ["meeting_counts", "meeting_by_cell"]
        ),
        PlanExpectation(
            name: "the number the next member or meeting takes",
            markers: ["SELECT COALESCE(MAX(no), 0) + 1 FROM"],
            indexes: ["member_by_no", "meeting_by_no"]
        ),
        PlanExpectation(
            name: "members' numbers, for their attendance rows",
            markers: ["SELECT id, no FROM member WHERE id IN"],
            indexes: ["member_pkey"]
        ),
        PlanExpectation(
            name: "meeting keys by key, or by meeting when an import is undone",
            markers: ["FROM import_meeting_key WHERE"],
            indexes: ["import_meeting_key_pkey", "import_meeting_key_by_meeting"]
        ),
        // Single records by key, last: other statements read them in subqueries.
        PlanExpectation(
            name: "a request's outcome, for a request sent again",
            markers: ["FROM request_log WHERE request_id"],
            indexes: ["request_log_pkey"]
        ),
        PlanExpectation(
            name: "an evaluation by id, or by subject and year",
            markers: ["FROM evaluation WHERE id = ?", "FROM evaluation WHERE voided = 0 AND subject = ?"],
            indexes: ["evaluation_pkey", "evaluation_by_subject"]
        ),
        PlanExpectation(
            name: "org units by id, code or parent",
            markers: [
                "SELECT u.record FROM org_unit u WHERE", "FROM org_unit WHERE", "FROM org_unit u WHERE u.parent_id",
            ],
            indexes: ["org_unit_pkey", "org_unit_by_code", "org_unit_by_parent"]
        ),
        PlanExpectation(
            name: "a member by id or card",
            markers: ["FROM member WHERE id = ?", "FROM member WHERE party_card_number", "party_card_number IN ("],
            indexes: ["member_pkey", "member_by_card"]
        ),
        PlanExpectation(
            name: "a meeting by id, or the same meeting (import)",
            markers: ["FROM meeting WHERE id = ?", "FROM meeting WHERE cell_id = ? AND held_on = ?"],
            indexes: ["meeting_pkey", "meeting_counts", "meeting_by_cell"]
        ),
    ]
}
