import ChiboDomain
import ChiboModel
import ChiboStore

/// The attendance rows: one per member per meeting, derived from the meeting's record (which
/// stays the one copy a meeting's history keeps) so that reports can read attendance by
/// meeting and by member. A province holds millions of them, so they name meetings and members
/// by small integers (`meeting.no`, `member.no`, numbered as records are inserted) and the date
/// as the integer `YYYYMMDD`, not by the 38-character ids and the date's text: six integers a
/// row instead of three ids and a date, and the same in each index entry.
extension SQLStore {
    /// The table of attendance rows (`integer` is the backend's integer type).
    public static func attendanceTableSQL(integer: String) -> String {
        """
        CREATE TABLE attendance (
            meeting_no \(integer) NOT NULL,
            member_no \(integer) NOT NULL,
            day \(integer) NOT NULL,
            state \(integer) NOT NULL,
            category \(integer) NOT NULL,
            spoke \(integer) NOT NULL,
            PRIMARY KEY (meeting_no, member_no)
        )
        """
    }

    /// The migration to numbered attendance: members and meetings get their numbers
    /// (`numbering` gives each row of a table one, e.g. its rowid), the attendance rows are
    /// copied under them, and the text-keyed table goes.
    /// `renamingOldKey` renames the old table's key index where the backend names indexes by
    /// table (PostgreSQL's `attendance_pkey`), so the new key takes the usual name.
    public static func migrationNumberingAttendance(
        integer: String,
        numbering: (String) -> String,
        renamingOldKey: String? = nil
    ) -> [String] {
        var statements: [String] = []
        for table in ["member", "meeting"] {
            statements += [
                "ALTER TABLE \(table) ADD COLUMN no \(integer)",
                numbering(table),
                "CREATE UNIQUE INDEX \(table)_by_no ON \(table)(no)",
            ]
        }
        statements += [
            "ALTER TABLE attendance RENAME TO attendance_by_id"
        ]
        if let renamingOldKey { statements.append(renamingOldKey) }
        statements += [
            attendanceTableSQL(integer: integer),
            """
            INSERT INTO attendance (meeting_no, member_no, day, state, category, spoke)
            SELECT m.no, p.no, CAST(replace(a.held_on, '-', '') AS \(integer)), a.state, a.category, a.spoke
            FROM attendance_by_id a JOIN meeting m ON m.id = a.meeting_id JOIN member p ON p.id = a.member_id
            """,
            "DROP TABLE attendance_by_id",
            "CREATE INDEX attendance_by_member ON attendance(member_no, day)",
        ]
        return statements
    }

    /// The number the next inserted row of `table` (member or meeting) takes. Writers are one
    /// at a time on both backends (SQLite's one writer, PostgreSQL's write lock), so the
    /// highest number plus one is free.
    static func nextNumber(_ db: any SQLDatabase, table: String) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT COALESCE(MAX(no), 0) + 1 FROM \(table)")) ?? 1
    }

    /// A date key (`YYYY-MM-DD`) as the integer `YYYYMMDD` the attendance rows keep.
    static func dayNumber(_ key: String) -> Int64 {
        Int64(key.replacingOccurrences(of: "-", with: "")) ?? 0
    }

    /// The numbers of the members with these ids (see `rows(_:in:_:)`).
    static func memberNumbers(_ db: any SQLDatabase, _ ids: some Collection<String>) throws -> [String: Int64] {
        var numbers: [String: Int64] = [:]
        for row in try rows(db, in: "SELECT id, no FROM member WHERE id IN", Array(Set(ids))) {
            numbers[row["id"]] = row["no"]
        }
        return numbers
    }

    /// A set of attendance rows to write.
    static func attendanceRows() -> RowSet {
        RowSet("attendance", ["meeting_no", "member_no", "day", "state", "category", "spoke"])
    }

    /// Adds the attendance rows of `meeting` (numbered `number`) to `rows`; a member without a
    /// number (none exists: the meeting's checks refuse unknown members) is an error.
    static func addAttendance(
        of meeting: Meeting,
        number: Int64,
        members: [String: Int64],
        to rows: inout RowSet
    ) throws {
        let day = dayNumber(DateKeys.key(meeting.heldOn) ?? "")
        for entry in meeting.attendance {
            guard let member = members[entry.memberId] else {
                throw StoreError.invalidRecord([
                    FieldViolation(field: "meeting.attendance", description: "member \(entry.memberId) does not exist")
                ])
            }
            rows.append([number, member, day, entry.state.rawValue, entry.category.rawValue, entry.spoke ? 1 : 0])
        }
    }
}
