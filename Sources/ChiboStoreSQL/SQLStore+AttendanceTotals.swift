import ChiboDomain
import ChiboModel
import ChiboStore

/// Attendance summed by cell and period in the database (`Store.attendanceTotals`): a
/// province's year by cell is 10,000 rows out of the `meeting_counts` index instead of 158,400
/// meeting summaries sent to the server and added up there.
extension SQLStore {
    /// See `Store.attendanceTotals`.
    public func attendanceTotals(
        cellIDs: [String],
        from: CalendarDate,
        through: CalendarDate,
        period: PeriodKind,
        goodAttendanceBp: Int32
    ) async throws -> [AttendanceTotals] {
        // A range inside one period (a year's report by year, a span of it) is grouped by cell
        // alone, in the index's order; a computed period key needs a sort (twice the time).
        let first = AttendanceTotals.period(of: from, kind: period)
        let only = first == AttendanceTotals.period(of: through, kind: period) ? first : nil
        return try await engine.read { db in
            var totals: [AttendanceTotals] = []
            try SQLRow.forEach(
                db,
                sql: Self.attendanceTotalsSQL(db, period: period, only: only),
                arguments: [Int64(goodAttendanceBp), try db.idList(cellIDs), DateKeys.key(from), DateKeys.key(through)]
            ) { row in
                var group = AttendanceTotals(
                    cellID: row[0],
                    period: Self.period(kind: period, year: row[1], part: row[2])
                )
                group.meetings = Int(row[3] as Int64)
                group.expected = Int(row[4] as Int64)
                group.present = Int(row[5] as Int64)
                group.absentExcused = Int(row[6] as Int64)
                group.absentUnexcused = Int(row[7] as Int64)
                group.notRecorded = Int(row[8] as Int64)
                group.spoke = Int(row[9] as Int64)
                group.goodMeetings = Int(row[10] as Int64)
                group.meetingsWithNotRecorded = Int(row[11] as Int64)
                group.firstMeeting = row[12]
                totals.append(group)
            }
            return totals.sorted(by: AttendanceTotals.precedes)
        }
    }

    /// The statement: the year of a meeting is the first four characters of its `held_on` key,
    /// the month the two after the dash, the quarter counted from the month; with `only` (every
    /// meeting of the range in that period) the keys are that period's and the groups are the
    /// cells. The good-meeting test is `AttendanceTotals.isGood` in SQL. Arguments: the
    /// threshold, the cells, the range.
    static func attendanceTotalsSQL(_ db: any SQLDatabase, period: PeriodKind, only: Period? = nil) -> String {
        let year = only.map { "'\($0.year)'" } ?? "substr(m.held_on, 1, 4)"
        let part =
            if let only { "'\(only.index)'" } else {
                switch period {
                case .month: "substr(m.held_on, 6, 2)"
                case .quarter:
                    """
                    CASE WHEN substr(m.held_on, 6, 2) <= '03' THEN '1' WHEN substr(m.held_on, 6, 2) <= '06' THEN '2'
                        WHEN substr(m.held_on, 6, 2) <= '09' THEN '3' ELSE '4' END
                    """
                default: "'0'"
                }
            }
        let groups = only == nil ? "m.cell_id, year_key, part_key" : "m.cell_id"
        return """
            SELECT m.cell_id, \(year) AS year_key, \(part) AS part_key,
                CAST(COUNT(*) AS BIGINT), CAST(SUM(m.expected_count) AS BIGINT),
                CAST(SUM(m.present_count) AS BIGINT), CAST(SUM(m.excused_count) AS BIGINT),
                CAST(SUM(m.unexcused_count) AS BIGINT), CAST(SUM(m.not_recorded_count) AS BIGINT),
                CAST(SUM(m.spoke_count) AS BIGINT),
                CAST(SUM(CASE WHEN m.expected_count > 0 AND m.unexcused_count = 0
                    AND CAST(m.present_count AS BIGINT) * 10000 > ? * m.expected_count THEN 1 ELSE 0 END) AS BIGINT),
                CAST(SUM(CASE WHEN m.not_recorded_count > 0 THEN 1 ELSE 0 END) AS BIGINT),
                MIN(m.held_on || ' ' || m.id)
            FROM meeting m
            WHERE \(db.isOneOf("m.cell_id")) AND m.voided = 0 AND m.held_on >= ? AND m.held_on <= ?
            GROUP BY \(groups)
            """
    }

    /// The period of a group from its year and part keys (digits; a malformed key reads as 0).
    static func period(kind: PeriodKind, year: String, part: String) -> Period {
        let year = Int32(year) ?? 0
        let part = Int32(part) ?? 0
        switch kind {
        case .month: return Period(kind: .month, year: year, index: part)
        case .quarter: return Period(kind: .quarter, year: year, index: part)
        default: return Period(kind: .year, year: year, index: 0)
        }
    }
}
