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
                sql: "SELECT u.record FROM org_unit u WHERE \(db.isOneOf("u.id")) AND u.voided = 0",
                arguments: [try Self.everSubtreeIDs(db, rootID: rootID)]
            ).map { try OrgUnit(serializedBytes: [UInt8]($0)) }
        }
    }

    /// The units ever under a root and those above it (see `Store.unitsEverUnderAndAbove`), in
    /// two statements: the subtree's ids, then its units with the units up the root's parent
    /// history (`unitsUp`). The walk up is then done over those, as the definition says; a unit
    /// it reaches that they lack (a current parent missing from a parent history) is read on
    /// its own.
    public func unitsEverUnderAndAbove(rootID: String) async throws -> (under: [OrgUnit], above: [OrgUnit]) {
        try await engine.read { db in
            var under: [OrgUnit] = []
            var up: [String: OrgUnit] = [:]
            try SQLRow.forEach(
                db,
                sql: """
                    \(Self.unitsUp(db))
                    SELECT 0 AS is_up, u.record FROM org_unit u WHERE \(db.isOneOf("u.id")) AND u.voided = 0
                    UNION ALL
                    SELECT 1 AS is_up, u.record FROM org_unit u WHERE u.id IN (SELECT id FROM up)
                    """,
                arguments: [rootID, try Self.everSubtreeIDs(db, rootID: rootID)]
            ) { row in
                let unit = try OrgUnit(serializedBytes: [UInt8](row[1] as Data))
                if (row[0] as Int) != 0 { up[unit.id] = unit } else { under.append(unit) }
            }
            guard let root = under.first(where: { $0.id == rootID }) else { return (under, []) }
            var above: [OrgUnit] = []
            var seen = Set(under.map(\.id))
            var pending = UnitHistory.parentsEver(of: root)
            while let next = pending.popLast() {
                guard seen.insert(next).inserted, let unit = try up[next] ?? Self.loadOrgUnit(db, id: next) else {
                    continue
                }
                above.append(unit)
                pending += UnitHistory.parentsEver(of: unit)
            }
            return (under, above)
        }
    }

    /// An `up(id)` table of a unit (bound to the first `?`) and every unit it or one of them was
    /// ever below, through the dated parent history (the mirror of `everSubtree`).
    static func unitsUp(_ db: any SQLDatabase) -> String {
        """
        WITH RECURSIVE up(id) AS (
            SELECT \(db.rootParameter) UNION SELECT p.parent_id FROM org_unit_parent p JOIN up a ON p.unit_id = a.id
        )
        """
    }

    /// Per-meeting counts (see `Store.meetingSummaries`).
    public func meetingSummaries(
        everUnder rootID: String,
        from: CalendarDate,
        through: CalendarDate
    ) async throws -> [MeetingSummary] {
        try await engine.read { db in
            try Self.meetingSummaries(
                db,
                cellList: try Self.everSubtreeIDs(db, rootID: rootID),
                from: from,
                through: through
            )
        }
    }

    /// Per-meeting counts of some cells (see `Store.meetingSummaries(cellIDs:from:through:)`).
    public func meetingSummaries(
        cellIDs: [String],
        from: CalendarDate,
        through: CalendarDate
    ) async throws -> [MeetingSummary] {
        try await engine.read { db in
            try Self.meetingSummaries(db, cellList: try db.idList(cellIDs), from: from, through: through)
        }
    }

    /// The summaries of the meetings of the cells in `cellList` (an `idList`) in a range, from
    /// the `meeting_counts` index.
    static func meetingSummaries(
        _ db: any SQLDatabase,
        cellList: String,
        from: CalendarDate,
        through: CalendarDate
    ) throws -> [MeetingSummary] {
        var summaries: [MeetingSummary] = []
        try SQLRow.forEach(
            db,
            sql: """
                SELECT m.id, m.cell_id, m.held_on, m.kind, m.start_minute, m.end_minute, m.expected_count,
                    m.present_count, m.excused_count, m.unexcused_count, m.not_recorded_count, m.spoke_count,
                    m.supervisor_present
                FROM meeting m
                WHERE \(db.isOneOf("m.cell_id")) AND m.voided = 0 AND m.held_on >= ? AND m.held_on <= ?
                ORDER BY m.held_on, m.id
                """,
            arguments: [cellList, DateKeys.key(from), DateKeys.key(through)]
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

    /// Attendance records of the members who could be flagged (see `Store.absenceFacts`): the
    /// subtree's cells are found first, then the candidates from the attendance of those cells'
    /// meetings of the period (read by meeting), then only the candidates' records (read by
    /// member).
    public func absenceFacts(
        everUnder rootID: String,
        from: CalendarDate,
        through: CalendarDate,
        minExcused: Int,
        minUnexcusedMonths: Int
    ) async throws -> [AttendanceFact] {
        try await engine.read { db in
            let from = DateKeys.key(from)
            let through = DateKeys.key(through)
            let candidates = try Int64.fetchAll(
                db,
                sql: """
                    SELECT a.member_no FROM meeting m JOIN attendance a ON a.meeting_no = m.no
                    WHERE \(db.isOneOf("m.cell_id")) AND m.held_on >= ? AND m.held_on <= ? AND m.voided = 0
                        AND a.category IN (1, 2, 3)
                    GROUP BY a.member_no HAVING SUM(CASE WHEN a.state = 2 THEN 1 ELSE 0 END) >= ?
                        OR COUNT(DISTINCT CASE WHEN a.state = 3 THEN substr(m.held_on, 1, 7) END) >= ?
                    """,
                arguments: [try Self.everSubtreeIDs(db, rootID: rootID), from, through, minExcused, minUnexcusedMonths]
            )
            var facts: [AttendanceFact] = []
            guard !candidates.isEmpty else { return facts }
            // The candidates bound as a list too: PostgreSQL cannot estimate how few members
            // the grouping keeps, and guessed thousands, enough to scan the year's attendance.
            try SQLRow.forEach(
                db,
                sql: """
                    SELECT m.id, p.id, m.cell_id, m.held_on, a.state, a.category
                    FROM attendance a JOIN meeting m ON m.no = a.meeting_no JOIN member p ON p.no = a.member_no
                    WHERE \(db.isOneOfNumbers("a.member_no")) AND a.day >= ? AND a.day <= ? AND m.voided = 0
                    ORDER BY p.id, m.held_on, m.id
                    """,
                arguments: [
                    db.numberList(candidates), Self.dayNumber(from ?? ""), Self.dayNumber(through ?? ""),
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
            let units = try Self.everSubtreeIDs(db, rootID: rootID)
            return try Data.fetchAll(
                db,
                sql: """
                    SELECT record FROM member WHERE voided = 0 AND id IN (
                        SELECT m.id FROM member m WHERE \(db.isOneOf("m.cell_id"))
                        UNION SELECT c.member_id FROM member_cell c WHERE \(db.isOneOf("c.cell_id"))
                    )
                    ORDER BY sort_key, id
                    """,
                arguments: [units, units]
            ).map { try Member(serializedBytes: [UInt8]($0)) }
        }
    }

    /// A year's evaluations under a root (see `Store.evaluations(everUnder:year:)`).
    public func evaluations(everUnder rootID: String, year: Int32) async throws -> [Evaluation] {
        try await engine.read { db in
            let units = try Self.everSubtreeIDs(db, rootID: rootID)
            return try Data.fetchAll(
                db,
                sql: """
                    SELECT v.record FROM evaluation v
                        WHERE \(db.isOneOf("v.subject_id")) AND v.subject = 1 AND v.year = ? AND v.voided = 0
                    UNION ALL
                    SELECT v.record FROM evaluation v
                        WHERE \(db.isOneOf("v.cell_id")) AND v.subject = 2 AND v.year = ? AND v.voided = 0
                    """,
                arguments: [units, year, units, year]
            ).map { try Evaluation(serializedBytes: [UInt8]($0)) }
        }
    }

    /// Open resolutions past a date under a root (see `Store.openResolutions`).
    public func openResolutions(everUnder rootID: String, dueBefore: CalendarDate) async throws -> [ResolutionFact] {
        try await engine.read { db in
            try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT r.record, m.cell_id, m.held_on FROM meeting m
                        JOIN resolution r ON r.meeting_id = m.id
                    WHERE \(db.isOneOf("m.cell_id")) AND m.voided = 0 AND r.status IN (?, ?) AND r.due_on < ?
                    ORDER BY r.due_on, r.id
                    """,
                arguments: [
                    try Self.everSubtreeIDs(db, rootID: rootID), ResolutionStatus.open.rawValue,
                    ResolutionStatus.inProgress.rawValue,
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
