import ChiboDomain
import ChiboModel
import ChiboStore

/// Counts per cell and month (`CellMonthCounts`), kept in the `cell_month` table in the
/// transaction that writes a meeting: the month's row of the cell is recounted from its few
/// meetings whenever one of them is written (recorded, amended, voided, imported, undone), and
/// from both months when a meeting moves. Recounting a cell-month reads a handful of rows, and
/// keeps the table right by construction rather than by adding and subtracting.
extension SQLStore {
    /// The columns of `cell_month` after its key, in `CellMonthCounts` order.
    public static let cellMonthColumns = [
        "regular", "thematic", "combined", "extraordinary", "expected", "present", "excused", "unexcused",
        "not_recorded", "exempt", "away",
    ]

    /// The counts of the meetings (not voided) that `filter` keeps, grouped by cell and month:
    /// `filter` is a condition on a meeting aliased `m`, applied to the meetings counted and to
    /// the attendance read for them (so one cell-month reads only its own rows). Its arguments
    /// are bound twice, attendance first. `attendanceJoin` joins an attendance row `a` to its
    /// meeting: by number (the attendance rows of today), or by id (those before schema 19,
    /// which the migration that first filled `cell_month` read).
    static func cellMonthCountSQL(filter: String, attendanceJoin: String = "a.meeting_no = m.no") -> String {
        """
        SELECT m.cell_id AS cell_id, substr(m.held_on, 1, 7) AS month,
            CAST(SUM(CASE WHEN m.kind = 1 THEN 1 ELSE 0 END) AS BIGINT) AS regular,
            CAST(SUM(CASE WHEN m.kind = 2 THEN 1 ELSE 0 END) AS BIGINT) AS thematic,
            CAST(SUM(CASE WHEN m.kind = 3 THEN 1 ELSE 0 END) AS BIGINT) AS combined,
            CAST(SUM(CASE WHEN m.kind = 4 THEN 1 ELSE 0 END) AS BIGINT) AS extraordinary,
            CAST(SUM(m.expected_count) AS BIGINT) AS expected, CAST(SUM(m.present_count) AS BIGINT) AS present,
            CAST(SUM(m.excused_count) AS BIGINT) AS excused, CAST(SUM(m.unexcused_count) AS BIGINT) AS unexcused,
            CAST(SUM(m.not_recorded_count) AS BIGINT) AS not_recorded,
            CAST(SUM(COALESCE(x.exempt, 0)) AS BIGINT) AS exempt, CAST(SUM(COALESCE(x.away, 0)) AS BIGINT) AS away
        FROM meeting m
        LEFT JOIN (
            SELECT m.id AS meeting_id, SUM(CASE WHEN a.category = 4 THEN 1 ELSE 0 END) AS exempt,
                SUM(CASE WHEN a.category = 5 THEN 1 ELSE 0 END) AS away
            FROM meeting m JOIN attendance a ON \(attendanceJoin)
            WHERE \(filter) GROUP BY m.id
        ) x ON x.meeting_id = m.id
        WHERE m.voided = 0 AND length(m.held_on) >= 7 AND \(filter)
        GROUP BY m.cell_id, substr(m.held_on, 1, 7)
        """
    }

    /// Recounts the row of `cellID` for the month of `heldOn` (a `YYYY-MM-DD` key); the row goes
    /// when no meeting of that month is left.
    static func recountCellMonth(_ db: any SQLDatabase, cellID: String, heldOn: String) throws {
        guard heldOn.count >= 7 else { return }
        let month = String(heldOn.prefix(7))
        var arguments: SQLArguments = [cellID, month + "-01", month + "-31"]
        arguments += arguments
        try db.cachedStatement(sql: "DELETE FROM cell_month WHERE cell_id = ? AND month = ?").execute(arguments: [
            cellID, month,
        ])
        try db.cachedStatement(sql: cellMonthInsertSQL(filter: "m.cell_id = ? AND m.held_on >= ? AND m.held_on <= ?"))
            .execute(arguments: arguments)
    }

    /// Inserts into `cell_month` the counts `cellMonthCountSQL(filter:attendanceJoin:)` gives.
    static func cellMonthInsertSQL(filter: String, attendanceJoin: String = "a.meeting_no = m.no") -> String {
        """
        INSERT INTO cell_month (cell_id, month, \(cellMonthColumns.joined(separator: ", ")))
        SELECT cell_id, month, \(cellMonthColumns.joined(separator: ", "))
        FROM (\(cellMonthCountSQL(filter: filter, attendanceJoin: attendanceJoin))) AS counted
        """
    }

    /// Counts per cell and month read by `sql` (the kept table, or a recount) with `arguments`.
    static func cellMonths(_ db: any SQLDatabase, sql: String, arguments: SQLArguments) throws -> [CellMonthCounts] {
        var counts: [CellMonthCounts] = []
        try SQLRow.forEach(db, sql: sql, arguments: arguments) { row in
            var count = CellMonthCounts(cellID: row["cell_id"], month: row["month"])
            let values = cellMonthColumns.map { Int(row[$0] as Int64) }
            (count.regular, count.thematic, count.combined, count.extraordinary) = (
                values[0], values[1], values[2], values[3]
            )
            (count.expected, count.present, count.excused, count.unexcused) = (
                values[4], values[5], values[6], values[7]
            )
            (count.notRecorded, count.exempt, count.away) = (values[8], values[9], values[10])
            counts.append(count)
        }
        return counts
    }

    /// The kept counts of cells ever under a unit (see `Store.cellMonthCounts`).
    public func cellMonthCounts(
        everUnder rootID: String,
        from: CalendarDate,
        through: CalendarDate
    ) async throws -> [CellMonthCounts] {
        let first = String((DateKeys.key(from) ?? "").prefix(7))
        let last = String((DateKeys.key(through) ?? "").prefix(7))
        return try await engine.read { db in
            try Self.cellMonths(
                db,
                sql: """
                    SELECT c.* FROM cell_month c
                    WHERE \(db.isOneOf("c.cell_id")) AND c.month >= ? AND c.month <= ? ORDER BY c.cell_id, c.month
                    """,
                arguments: [try Self.everSubtreeIDs(db, rootID: rootID), first, last]
            )
        }
    }

    /// Every cell and month recounted from scratch (see `Store.recountedCellMonths`).
    public func recountedCellMonths() async throws -> [CellMonthCounts] {
        try await engine.read { db in
            try Self.cellMonths(db, sql: Self.recountAllSQL, arguments: [])
        }
    }

    /// Every cell and month's counts computed from the meetings and attendance in one pass:
    /// checks compare the kept ones with it.
    public static let recountAllSQL = cellMonthCountSQL(filter: "1 = 1") + " ORDER BY 1, 2"

    /// The `cell_month` table, in a backend's integer and text types.
    public static func cellMonthTableSQL(integer: String, text: String = "TEXT") -> String {
        """
        CREATE TABLE cell_month (
            cell_id \(text) NOT NULL,
            month \(text) NOT NULL,
            \(cellMonthColumns.map { "\($0) \(integer) NOT NULL" }.joined(separator: ",\n    "))
        , PRIMARY KEY (cell_id, month))
        """
    }

    /// Fills `cell_month` from the meetings recorded (the migration that creates it, when
    /// attendance rows still named their meeting by id).
    public static let cellMonthFillSQL = cellMonthInsertSQL(filter: "1 = 1", attendanceJoin: "a.meeting_id = m.id")
}
