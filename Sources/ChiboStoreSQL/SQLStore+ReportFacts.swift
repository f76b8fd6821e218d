import ChiboCodec
import ChiboDomain
import ChiboModel
import ChiboStore
import Foundation

extension SQLStore {
    /// An `ever(id)` table of a unit (bound to the first `?`) and every unit that was ever
    /// below it, through the dated parent history; portable SQL.
    /// (The root is the statement's first parameter, `?1`, when later ones are numbered.)
    static func everSubtree(_ db: any SQLDatabase) -> String {
        """
        WITH RECURSIVE ever(id) AS (
            SELECT \(db.rootParameter) UNION SELECT p.unit_id FROM org_unit_parent p JOIN ever e ON p.parent_id = e.id
        )
        """
    }

    /// Every unit ever under `rootID` (see `Store.unitsEverUnder`).
    public func unitsEverUnder(rootID: String) async throws -> [OrgUnit] {
        try await engine.read { db in
            try Data.fetchAll(
                db,
                sql:
                    "\(Self.everSubtree(db)) SELECT u.record FROM org_unit u JOIN ever e ON e.id = u.id WHERE u.voided = 0",
                arguments: [rootID]
            ).map { try OrgUnit(serializedBytes: [UInt8]($0)) }
        }
    }

    /// Per-meeting counts (see `Store.meetingSummaries`).
    public func meetingSummaries(
        everUnder rootID: String,
        from: CalendarDate,
        through: CalendarDate
    ) async throws -> [MeetingSummary] {
        try await engine.read { db in
            var summaries: [MeetingSummary] = []
            try SQLRow.forEach(
                db,
                sql: """
                    \(Self.everSubtree(db))
                    SELECT m.id, m.cell_id, m.held_on, m.kind, m.start_minute, m.end_minute, m.expected_count,
                        m.present_count, m.excused_count, m.unexcused_count, m.not_recorded_count, m.spoke_count,
                        m.supervisor_present
                    FROM ever e JOIN meeting m ON m.cell_id = e.id
                    WHERE m.voided = 0 AND m.held_on >= ? AND m.held_on <= ?
                    ORDER BY m.held_on, m.id
                    """,
                arguments: [rootID, DateKeys.key(from), DateKeys.key(through)]
            ) { row in
                summaries.append(
                    MeetingSummary(
                        id: row[0],
                        cellID: row[1],
                        heldOn: Self.date(row[2]),
                        kind: MeetingKind(rawValue: row[3]),
                        startMinute: row[4],
                        endMinute: row[5],
                        expected: row[6],
                        present: row[7],
                        absentExcused: row[8],
                        absentUnexcused: row[9],
                        notRecorded: row[10],
                        spoke: row[11],
                        supervisorPresent: (row[12] as Int) != 0
                    )
                )
            }
            return summaries
        }
    }

    /// Attendance records of the members who could be flagged (see `Store.absenceFacts`): the
    /// candidates are found in the covering index by cell and date, then only their records read.
    public func absenceFacts(
        everUnder rootID: String,
        from: CalendarDate,
        through: CalendarDate,
        minExcused: Int,
        minUnexcusedMonths: Int
    ) async throws -> [AttendanceFact] {
        try await engine.read { db in
            var facts: [AttendanceFact] = []
            try SQLRow.forEach(
                db,
                sql: """
                    \(Self.everSubtree(db)),
                    candidate(member_no) AS (
                        SELECT a.member_no FROM ever e JOIN meeting m ON m.cell_id = e.id
                        JOIN attendance a ON a.meeting_no = m.no
                        WHERE m.held_on >= ?2 AND m.held_on <= ?3 AND m.voided = 0 AND a.category IN (1, 2, 3)
                        GROUP BY a.member_no HAVING SUM(CASE WHEN a.state = 2 THEN 1 ELSE 0 END) >= ?4
                            OR COUNT(DISTINCT CASE WHEN a.state = 3 THEN substr(m.held_on, 1, 7) END) >= ?5
                    )
                    SELECT m.id, p.id, m.cell_id, m.held_on, a.state, a.category
                    FROM candidate c JOIN attendance a ON a.member_no = c.member_no
                    JOIN meeting m ON m.no = a.meeting_no JOIN member p ON p.no = a.member_no
                    WHERE a.day >= ?6 AND a.day <= ?7 AND m.voided = 0
                    ORDER BY p.id, m.held_on, m.id
                    """,
                arguments: [
                    rootID, DateKeys.key(from), DateKeys.key(through), minExcused, minUnexcusedMonths,
                    Self.dayNumber(DateKeys.key(from) ?? ""), Self.dayNumber(DateKeys.key(through) ?? ""),
                ]
            ) { row in
                facts.append(
                    AttendanceFact(
                        meetingID: row[0],
                        memberID: row[1],
                        cellID: row[2],
                        heldOn: Self.date(row[3]),
                        state: AttendanceState(rawValue: row[4]),
                        category: MemberCategory(rawValue: row[5])
                    )
                )
            }
            return facts
        }
    }

    /// Members who ever belonged to a unit under `rootID` (see `Store.membersEverUnder`): two
    /// indexed lookups (current cell, cell history) rather than a scan of every member.
    public func membersEverUnder(rootID: String) async throws -> [Member] {
        try await engine.read { db in
            try Data.fetchAll(
                db,
                sql: """
                    \(Self.everSubtree(db))
                    SELECT record FROM member WHERE voided = 0 AND id IN (
                        SELECT m.id FROM ever e JOIN member m ON m.cell_id = e.id
                        UNION SELECT c.member_id FROM ever e JOIN member_cell c ON c.cell_id = e.id
                    )
                    ORDER BY sort_key, id
                    """,
                arguments: [rootID]
            ).map { try Member(serializedBytes: [UInt8]($0)) }
        }
    }

    /// A year's evaluations under a root (see `Store.evaluations(everUnder:year:)`).
    public func evaluations(everUnder rootID: String, year: Int32) async throws -> [Evaluation] {
        try await engine.read { db in
            try Data.fetchAll(
                db,
                sql: """
                    \(Self.everSubtree(db))
                    SELECT v.record FROM ever e JOIN evaluation v ON v.subject_id = e.id
                        WHERE v.subject = 1 AND v.year = ? AND v.voided = 0
                    UNION ALL
                    SELECT v.record FROM ever e JOIN evaluation v ON v.cell_id = e.id
                        WHERE v.subject = 2 AND v.year = ? AND v.voided = 0
                    """,
                arguments: [rootID, year, year]
            ).map { try Evaluation(serializedBytes: [UInt8]($0)) }
        }
    }

    /// Open resolutions past a date under a root (see `Store.openResolutions`).
    public func openResolutions(everUnder rootID: String, dueBefore: CalendarDate) async throws -> [ResolutionFact] {
        try await engine.read { db in
            try SQLRow.fetchAll(
                db,
                sql: """
                    \(Self.everSubtree(db))
                    SELECT r.record, m.cell_id, m.held_on FROM ever e
                        JOIN meeting m ON m.cell_id = e.id
                        JOIN resolution r ON r.meeting_id = m.id
                    WHERE m.voided = 0 AND r.status IN (?, ?) AND r.due_on < ?
                    ORDER BY r.due_on, r.id
                    """,
                arguments: [
                    rootID, ResolutionStatus.open.rawValue, ResolutionStatus.inProgress.rawValue,
                    DateKeys.key(dueBefore),
                ]
            ).map { row in
                ResolutionFact(
                    resolution: try Resolution(serializedBytes: [UInt8](row["record"] as Data)),
                    cellID: row["cell_id"],
                    heldOn: Self.date(row["held_on"])
                )
            }
        }
    }

    /// The date of a `YYYY-MM-DD` key (read digit by digit: reports parse one per row).
    static func date(_ key: String) -> CalendarDate {
        var utf8 = key.utf8.makeIterator()
        func number(_ digits: Int) -> Int32? {
            var value: Int32 = 0
            for _ in 0..<digits {
                guard let byte = utf8.next(), (48...57).contains(byte) else { return nil }
                value = value * 10 + Int32(byte - 48)
            }
            return value
        }
        guard let year = number(4), utf8.next() == 45, let month = number(2), utf8.next() == 45,
            let day = number(2), utf8.next() == nil
        else { return CalendarDate() }
        return CalendarDate(year: year, month: month, day: day)
    }
}
