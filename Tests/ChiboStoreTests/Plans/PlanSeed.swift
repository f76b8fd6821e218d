import ChiboModel
import ChiboSample
import ChiboStore
import ChiboStoreSQL

/// The database the plan tests ask for plans on: the sample commune (Mường Bằng, a year of
/// meetings) written through the store's own calls, then copied `copies` times under other ids
/// in a few INSERT … SELECT statements, and the statistics gathered.
///
/// Why this size is enough: with 400 copies the commune is one of 401, as one of a province's
/// 400 communes: PostgreSQL holds 2 million attendance rows, 170,000 meetings, 127,000 members
/// and 24,000 org units (2 GB), and a report of one commune reads a quarter of a percent of them.
/// Scanning a table whole then costs PostgreSQL's planner many times the index lookups a commune
/// needs (at 150 copies it still preferred scanning the attendance for the absence candidates), so
/// it scans only where no index serves the statement or it misjudges how many rows it will
/// find. Copies are made by the database itself in a few statements: seeding takes under a
/// minute, not the hours 400 communes written record by record would. SQLite's plans do not
/// depend on the tables' sizes (it keeps no statistics), so its copies are few.
enum PlanSeed {
    /// What the tests drive the calls with.
    struct Commune: Sendable {
        /// The province, the commune and one of its cells.
        var provinceID: String
        var communeID: String
        var cellID: String
        /// A member of that cell, and the year of the meetings.
        var memberID: String
        var year: Int32
        /// A meeting of the cell.
        var meetingID: String
    }

    static let copies = 400

    /// The org tree is copied more often (communes without members or meetings), to the size of
    /// two provinces (about 20,000 units): PostgreSQL walks a small tree by scanning it whole,
    /// which at the nation's 250,000 units it must not.
    static let unitCopies = 800

    /// Writes the sample commune through `store` (a store over `engine`), copies it, analyzes.
    static func seed(_ store: any Store, engine: any SQLEngine) async throws -> Commune {
        let context = MutationContext(actor: "plans", nowMs: 1_600_000_000_000)
        var units: [OrgUnit] = []
        var members: [Member] = []
        var meetings: [Meeting] = []
        for record in SampleDataset(kind: .muongBang) {
            switch record {
            case .orgUnit(let unit):
                units.append(try await store.createOrgUnit(unit, context: context))
            case .member(let member):
                members.append(try await store.createMember(member, context: context))
            case .supervisor(let unitID, let assignment):
                _ = try await store.assignSupervisor(unitID: unitID, assignment: assignment, context: context)
            case .ruleSet(let rules):
                _ = try await store.createRuleSet(rules, context: context)
            case .meeting(let meeting):
                meetings.append(try await store.recordMeeting(meeting, partialAttendance: false, context: context))
            case .evaluation(let evaluation):
                _ = try await store.createEvaluation(evaluation, context: context)
            }
        }
        guard let province = units.first(where: { $0.kind == .province }),
            let commune = units.first(where: { $0.kind == .commune }),
            let meeting = meetings.first, let held = meeting.heldOn,
            let member = members.first(where: { $0.cellId == meeting.cellId })
        else { throw StoreError.failedPrecondition("the sample dataset has no province, commune or meeting") }
        try await engine.write { db in
            // SQLite keeps no statistics unless asked (the store never asks): its plans do not
            // depend on the tables' sizes, and two copies show the same plans as four hundred.
            let scale = db.dialect == .postgres ? 1 : 0
            for (statement, count, _) in copyStatements(db.dialect) {
                try db.execute(sql: statement, arguments: [max(2, count * scale)])
            }
        }
        if case .postgres = try await engine.read({ db in db.dialect }) {
            // What autovacuum does after such a load; SQLite keeps no statistics unless asked,
            // and the store never asks, so its plans are checked without them.
            // The store's own tables only (named unqualified, so in its schema): a bare ANALYZE
            // would take a lock on every table of every schema the test server holds at once,
            // and a server that has run the whole suite holds hundreds.
            let tables =
                copyStatements(SQLDialect.postgres).map(\.table) + [
                    "audit_log", "request_log", "import_key", "import_effect", "import_meeting_key", "import_rejection",
                ]
            try await engine.write { db in try db.execute(sql: "ANALYZE " + tables.joined(separator: ", ")) }
        }
        return Commune(
            provinceID: province.id,
            communeID: commune.id,
            cellID: meeting.cellId,
            memberID: member.id,
            year: held.year,
            meetingID: meeting.id
        )
    }

    /// The statements that copy every record of the large tables `?` times, each copy's ids
    /// (and codes, card and citizen numbers) suffixed with `~n`. The audit log is not copied
    /// (its entries are a hash chain): its statements read by position or key.
    static func copyStatements(_ dialect: SQLDialect) -> [(sql: String, copies: Int, table: String)] {
        let series = "WITH RECURSIVE copies(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM copies WHERE k < ?)"
        let suffix = "'~' || CAST(copies.k AS TEXT)"
        // Record numbers (`no`, and the attendance's `meeting_no` and `member_no`) move by ten
        // million a copy.
        let offset = "CAST(copies.k AS BIGINT) * 10000000"
        func copy(
            _ table: String,
            _ columns: [String],
            suffixed: Set<String>,
            numbered: Set<String> = [],
            copies: Int = copies
        ) -> (String, Int, String) {
            let values = columns.map { column in
                if suffixed.contains(column) { return "t.\(column) || \(suffix)" }
                if numbered.contains(column) { return "t.\(column) + \(offset)" }
                return "t.\(column)"
            }
            let sql = """
                \(series) INSERT INTO \(table) (\(columns.joined(separator: ", ")))
                SELECT \(values.joined(separator: ", ")) FROM \(table) t CROSS JOIN copies
                """
            return (sql, copies, table)
        }
        return [
            copy(
                "org_unit",
                [
                    "id", "code", "name_key", "kind", "parent_id", "valid_from", "valid_to", "voided", "revision",
                    "record",
                ],
                suffixed: ["id", "code", "parent_id"],
                copies: unitCopies
            ),
            copy(
                "org_unit_parent",
                ["unit_id", "parent_id", "valid_from", "valid_to"],
                suffixed: ["unit_id", "parent_id"],
                copies: unitCopies
            ),
            copy(
                "member",
                [
                    "id", "party_card_number", "cell_id", "status", "name_key", "sort_key", "voided", "revision",
                    "record", "citizen_id", "no",
                ],
                suffixed: ["id", "party_card_number", "cell_id", "citizen_id"],
                numbered: ["no"]
            ),
            copy(
                "member_event",
                ["id", "member_id", "kind", "effective_on", "other_unit_id", "record"],
                suffixed: ["id", "member_id", "other_unit_id"]
            ),
            copy(
                "member_cell",
                ["member_id", "cell_id", "valid_from", "valid_to"],
                suffixed: ["member_id", "cell_id"]
            ),
            copy(
                "meeting",
                [
                    "id", "cell_id", "held_on", "kind", "voided", "revision", "record", "start_minute", "end_minute",
                    "expected_count", "present_count", "excused_count", "unexcused_count", "not_recorded_count",
                    "spoke_count", "supervisor_present", "no",
                ],
                suffixed: ["id", "cell_id"],
                numbered: ["no"]
            ),
            copy(
                "attendance",
                ["meeting_no", "member_no", "day", "state", "category", "spoke"],
                suffixed: [],
                numbered: ["meeting_no", "member_no"]
            ),
            copy(
                "resolution",
                ["id", "meeting_id", "owner_member_id", "due_on", "status", "revision", "record"],
                suffixed: ["id", "meeting_id", "owner_member_id"]
            ),
            copy(
                "evaluation",
                ["id", "subject", "subject_id", "year", "cell_id", "voided", "revision", "record"],
                suffixed: ["id", "subject_id", "cell_id"]
            ),
            copy("cell_month", ["cell_id", "month"] + SQLStore.cellMonthColumns, suffixed: ["cell_id"]),
            copy(
                "change_log",
                ["at_ms", "actor", "entity", "entity_id", "revision", "change", "record"],
                suffixed: ["entity_id"]
            ),
        ]
    }
}
