import ChiboModel

/// A meeting being gathered from its rows. A meeting is imported whole or not at all: one bad
/// row leaves the whole meeting out, every row of it accounted for by a row error.
private struct MeetingBuilder {
    let key: String
    let file: String
    /// The meeting's columns merged over its rows: the first non-empty value of each.
    var merged: [String]
    /// For each merged meeting column, the row its value came from.
    var valueRows: [String: Int] = [:]
    var rows: [Int] = []
    var records: [AttendanceRecord] = []
    var attendees: [MemberRef] = []
    var contributions: [Contribution] = []
    /// Row errors of attendance rows, by row.
    var rowErrors: [Int: RowError] = [:]
    /// Set when the meeting has grown past the limit: its rows are refused as they come.
    var overflowed = false

    init(key: String, file: String, cells: [String]) {
        self.key = key
        self.file = file
        merged = cells
    }

    var rowRange: String {
        guard let first = rows.first, let last = rows.last else { return "" }
        return first == last ? "row \(first)" : "rows \(first)–\(last)"
    }
}

/// Shared steps of both meeting forms.
private enum MeetingAssembly {
    /// Adds a row's meeting columns to the merged ones; a value that differs from one already
    /// seen is a problem of the row.
    static func merge(_ context: inout RowContext, into builder: inout MeetingBuilder, layout: HeaderLayout) {
        for field in MeetingRowMapper.meetingFields {
            guard let index = layout.index(field), index < context.cells.count else { continue }
            let value = context.cells[index]
            guard !value.isEmpty else { continue }
            while builder.merged.count <= index { builder.merged.append("") }
            let earlier = builder.merged[index]
            if earlier.isEmpty || builder.valueRows[field] == nil {
                builder.merged[index] = value
                builder.valueRows[field] = context.row
            } else if !UTF8Bytes.same(earlier, value), earlier != value {
                context.fail(
                    field,
                    .conflictingValues,
                    "is \"\(value)\" here but \"\(earlier)\" on row \(builder.valueRows[field]!) of the same meeting: "
                        + "a meeting's columns must agree on all its rows"
                )
            }
        }
    }

    /// Adds an attendance row.
    static func addAttendance(_ context: inout RowContext, to builder: inout MeetingBuilder) {
        let parsed = MeetingRowMapper.attendance(&context)
        builder.rows.append(context.row)
        if let error = context.rowError() {
            builder.rowErrors[context.row] = error
            return
        }
        builder.records.append(parsed.record)
        builder.attendees.append(parsed.member)
        if !parsed.said.isEmpty {
            builder.contributions.append(Contribution(speakerName: parsed.member.fullName, summary: parsed.said))
        }
    }

    /// The meeting from the merged columns, or the error of the row holding the bad value.
    static func meeting(
        _ builder: MeetingBuilder,
        layout: HeaderLayout,
        keys: KeyCache,
        firstRow: Int
    ) -> Result<ImportedMeeting, RowError> {
        var context = RowContext(layout: layout, cells: builder.merged, row: firstRow, file: builder.file, keys: keys)
        var parsed = MeetingRowMapper.meeting(&context)
        if let problem = context.sortedProblems().first {
            var error = context.rowError()!
            error.row = problem.field.flatMap { builder.valueRows[$0] } ?? firstRow
            return .failure(error)
        }
        parsed.meeting.attendance = builder.records
        parsed.meeting.contributions = builder.contributions
        return .success(
            ImportedMeeting(
                key: builder.key,
                cell: parsed.cell,
                meeting: parsed.meeting,
                attendees: builder.attendees,
                chair: parsed.chair,
                recorder: parsed.recorder
            )
        )
    }

    /// A `meeting_rejected` error for a good row of a meeting left out because of `cause`.
    static func rejected(row: Int, file: String, key: String, range: String, cause: RowError) -> RowError {
        let column = cause.column.map { ", column \($0)" } ?? ""
        return RowError(
            file: file,
            row: row,
            code: .meetingRejected,
            message: "the meeting \(key) (\(range)) is left out because of row \(cause.row)\(column) "
                + "[\(cause.code)]: a meeting is imported whole or not at all"
        )
    }
}

/// Meetings from one CSV file holding one row per attendance record, the meeting's columns
/// repeated on each (or left empty under the first, as merged cells export): consecutive rows
/// with the same meeting key form one meeting.
///
/// The file is read twice. The first pass notes, by a hash of each meeting key, the meetings
/// whose rows are not contiguous (memory: one integer per meeting); the second yields the
/// meetings, refusing every row of a split meeting with `meeting_not_contiguous` so that no
/// part of it is imported as if it were whole. Memory holds one meeting's rows at a time, at
/// most `maxRowsPerMeeting`.
final class GroupedMeetingsProducer: EventProducer {
    private let input: CSVInput
    private let maxRows: Int
    private let splitKeys: Set<Int>
    private var queue = EventQueue()
    private var current: MeetingBuilder?
    private var done = false

    init(input: CSVInput, maxRowsPerMeeting: Int) throws(ImportError) {
        self.input = input
        maxRows = maxRowsPerMeeting
        var closed = Set<Int>()
        var split = Set<Int>()
        var currentKey: String?
        // This pass needs only the columns a meeting key is made of.
        let keyColumns = MeetingRowMapper.identifyingFields.compactMap { input.layout.index($0) }
        while let row = try input.next(decodingOnly: keyColumns) {
            guard let key = MeetingRowMapper.key(input.context(row)) ?? currentKey else { continue }
            if key != currentKey {
                if let previous = currentKey { closed.insert(previous.hashValue) }
                if closed.contains(key.hashValue) { split.insert(key.hashValue) }
                currentKey = key
            }
        }
        splitKeys = split
        try input.rewind()
    }

    var rowsRead: Int { input.rowsRead }
    var blankRows: Int { input.blankRows }
    var peakBufferedBytes: Int { input.reader.peakBufferedBytes }
    var bytesRead: Int { input.reader.source.position }

    func next() throws(ImportError) -> ImportEvent? {
        while queue.isEmpty, !done {
            guard let row = try input.next() else {
                done = true
                if let builder = current { queue.append(contentsOf: close(builder)) }
                current = nil
                break
            }
            var context = input.context(row)
            let key = MeetingRowMapper.key(context) ?? current?.key
            guard let key else {
                context.fail(
                    MeetingRowMapper.identifyingFields.first { input.layout.has($0) },
                    .missingRequired,
                    "is empty; the row names no meeting (fill in the meeting key, or the cell and date)"
                )
                queue.append(contentsOf: [.error(context.rowError()!)])
                continue
            }
            if key != current?.key {
                if let builder = current { queue.append(contentsOf: close(builder)) }
                current = MeetingBuilder(key: key, file: input.file, cells: [])
            }
            add(&context, key: key)
            warnings += row.warnings
        }
        return queue.pop()
    }

    /// The warnings of the current meeting's rows.
    private var warnings: [RowWarning] = []

    private func add(_ context: inout RowContext, key: String) {
        guard var builder = current else { return }
        current = nil
        defer { current = builder }
        if splitKeys.contains(key.hashValue) {
            // The whole meeting is refused, so nothing of it is kept: each row's error goes out now.
            let error = RowError(
                file: input.file,
                row: context.row,
                code: .meetingNotContiguous,
                message: "the rows of the meeting \(key) are not together: another meeting's rows come between "
                    + "them. Sort the file so that each meeting's rows are next to each other"
            )
            queue.append(contentsOf: [.error(error)])
            return
        }
        if builder.overflowed {
            queue.append(contentsOf: [.error(tooMany(row: context.row, key: key))])
            return
        }
        MeetingAssembly.merge(&context, into: &builder, layout: input.layout)
        MeetingAssembly.addAttendance(&context, to: &builder)
        if builder.rows.count > maxRows {
            queue.append(contentsOf: builder.rows.map { .error(tooMany(row: $0, key: key)) })
            builder = MeetingBuilder(key: key, file: input.file, cells: [])
            builder.overflowed = true
        }
    }

    private func tooMany(row: Int, key: String) -> RowError {
        RowError(
            file: input.file,
            row: row,
            code: .tooManyRows,
            message: "the meeting \(key) has more than \(maxRows) attendance rows"
        )
    }

    private func close(_ builder: MeetingBuilder) -> [ImportEvent] {
        let warnings = self.warnings
        self.warnings = []
        guard !builder.overflowed, let first = builder.rows.first else { return [] }
        let meeting = MeetingAssembly.meeting(builder, layout: input.layout, keys: input.keys, firstRow: first)
        var cause: RowError?
        if case .failure(let error) = meeting {
            cause = error
        } else if let firstError = builder.rows.lazy.compactMap({ builder.rowErrors[$0] }).first {
            cause = firstError
        }
        guard let cause else {
            if case .success(let imported) = meeting {
                return [.item(ImportItem(record: .meeting(imported), rows: builder.rows, warnings: warnings))]
            }
            return []
        }
        return builder.rows.map { row in
            if let own = builder.rowErrors[row] { return .error(own) }
            if row == cause.row, case .failure = meeting { return .error(cause) }
            return .error(
                MeetingAssembly.rejected(
                    row: row,
                    file: input.file,
                    key: builder.key,
                    range: builder.rowRange,
                    cause: cause
                )
            )
        }
    }
}

/// Meetings from two CSV files: a meetings file with one row per meeting and an attendance file
/// with one row per member per meeting, joined by the `meeting_key` column.
///
/// The attendance file is read once first to index it: for each meeting key, the row numbers and
/// byte offsets of its rows (memory: about 16 bytes per attendance row plus the keys). Then each
/// meeting's attendance rows are read back by offset. Attendance rows whose key no meeting has
/// are reported at the end with `unknown_meeting`.
final class TwoFileMeetingsProducer: EventProducer {
    private struct Location {
        var row: Int
        var offset: Int
    }

    private let meetings: CSVInput
    private let attendance: CSVInput
    private let maxRows: Int
    private var index: [String: [Location]] = [:]
    private var keyless: [Int] = []
    private var seen = Set<String>()
    private var queue = EventQueue()
    private var finished = false

    init(meetings: CSVInput, attendance: CSVInput, maxRowsPerMeeting: Int) throws(ImportError) {
        self.meetings = meetings
        self.attendance = attendance
        maxRows = maxRowsPerMeeting
        while let row = try attendance.next() {
            let key = attendance.context(row).text("meeting_key")
            if key.isEmpty {
                keyless.append(row.row)
            } else {
                index[key, default: []].append(Location(row: row.row, offset: row.offset))
            }
        }
    }

    var rowsRead: Int { meetings.rowsRead + attendance.rowsRead }
    var blankRows: Int { meetings.blankRows + attendance.blankRows }
    var peakBufferedBytes: Int { meetings.reader.peakBufferedBytes + attendance.reader.peakBufferedBytes }
    var bytesRead: Int { meetings.reader.source.position }

    func next() throws(ImportError) -> ImportEvent? {
        while queue.isEmpty, !finished {
            if let row = try meetings.next() {
                queue.append(contentsOf: try meeting(row))
            } else {
                finished = true
                queue.append(contentsOf: leftovers())
            }
        }
        return queue.pop()
    }

    private func meeting(_ row: CSVInput.DecodedRow) throws(ImportError) -> [ImportEvent] {
        var context = meetings.context(row)
        let key = context.required("meeting_key", "the meeting key that the attendance file refers to")
        if !key.isEmpty, seen.contains(key) {
            context.fail(
                "meeting_key",
                .duplicateKey,
                "\"\(key)\" names an earlier meeting of this file too; its attendance went to the first"
            )
        }
        if !key.isEmpty { seen.insert(key) }
        let claimed = !key.isEmpty && !context.problems.contains { $0.code == .duplicateKey }
        let locations = claimed ? (index.removeValue(forKey: key) ?? []) : []
        if let error = context.rowError() {
            let range = "row \(row.row) of \(meetings.file)"
            return [.error(error)]
                + locations.map { location in
                    .error(
                        MeetingAssembly.rejected(
                            row: location.row,
                            file: attendance.file,
                            key: key,
                            range: range,
                            cause: error
                        )
                    )
                }
        }

        var builder = MeetingBuilder(key: key, file: attendance.file, cells: [])
        builder.merged = row.cells
        if locations.count > maxRows {
            let tooMany = RowError(
                file: meetings.file,
                row: row.row,
                code: .tooManyRows,
                message: "the meeting \(key) has \(locations.count) attendance rows, more than \(maxRows)"
            )
            return [.error(tooMany)]
                + locations.map { location in
                    .error(
                        MeetingAssembly.rejected(
                            row: location.row,
                            file: attendance.file,
                            key: key,
                            range: "row \(row.row)",
                            cause: tooMany
                        )
                    )
                }
        }
        for location in locations {
            guard let attendanceRow = try attendance.row(at: location.offset, row: location.row) else { continue }
            var attendanceContext = attendance.context(attendanceRow)
            MeetingAssembly.addAttendance(&attendanceContext, to: &builder)
        }
        let attendanceRows = builder.rows
        builder.rows = []
        let meeting = MeetingAssembly.meeting(builder, layout: meetings.layout, keys: meetings.keys, firstRow: row.row)
        var cause: RowError?
        switch meeting {
        case .failure(var error):
            error.file = meetings.file
            error.row = row.row
            cause = error
        case .success:
            cause = attendanceRows.lazy.compactMap { builder.rowErrors[$0] }.first
        }
        guard let cause else {
            guard case .success(let imported) = meeting else { return [] }
            return [.item(ImportItem(record: .meeting(imported), rows: [row.row], attendanceRows: attendanceRows))]
        }
        let range = "row \(row.row) of \(meetings.file)"
        var events: [ImportEvent] = []
        if cause.file == meetings.file {
            events.append(.error(cause))
        } else {
            events.append(
                .error(
                    MeetingAssembly.rejected(row: row.row, file: meetings.file, key: key, range: range, cause: cause)
                )
            )
        }
        for attendanceRow in attendanceRows {
            if let own = builder.rowErrors[attendanceRow] {
                events.append(.error(own))
            } else {
                events.append(
                    .error(
                        MeetingAssembly.rejected(
                            row: attendanceRow,
                            file: attendance.file,
                            key: key,
                            range: range,
                            cause: cause
                        )
                    )
                )
            }
        }
        return events
    }

    private func leftovers() -> [ImportEvent] {
        var errors: [RowError] = keyless.map { row in
            RowError(
                file: attendance.file,
                row: row,
                column: attendance.layout.header("meeting_key"),
                code: .missingRequired,
                message: "is empty; each attendance row names its meeting"
            )
        }
        for (key, locations) in index {
            for location in locations {
                errors.append(
                    RowError(
                        file: attendance.file,
                        row: location.row,
                        column: attendance.layout.header("meeting_key"),
                        code: .unknownMeeting,
                        message: "\"\(key)\" is not the key of any meeting in \(meetings.file)"
                    )
                )
            }
        }
        index = [:]
        keyless = []
        return errors.sorted { $0.row < $1.row }.map { .error($0) }
    }
}
