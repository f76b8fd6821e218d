import ChiboModel

/// What a meeting must hold whatever is stored: a cell, a real date, a kind, sensible times and
/// quality, and valid attendance records, agenda items and resolutions. Field paths are the
/// schema's, under a prefix (`meeting.`, or none for an import row). Whether the cell existed
/// and who was expected that day are questions for the store.
public enum MeetingChecks {
    /// Checks a whole meeting as a client sends it: its cell and every attendance record's
    /// member included.
    public static func check(_ meeting: Meeting, prefix: String, into violations: inout Violations) {
        check(meeting, prefix: prefix, references: true, into: &violations)
    }

    /// Checks a meeting's values before its references are resolved: everything `check` does
    /// but the cell and the attendance records' member ids, which an import row names by code,
    /// card or name and the store finds.
    public static func checkValues(_ meeting: Meeting, prefix: String, into violations: inout Violations) {
        check(meeting, prefix: prefix, references: false, into: &violations)
    }

    private static func check(
        _ meeting: Meeting,
        prefix: String,
        references: Bool,
        into violations: inout Violations
    ) {
        if references && meeting.cellId.isEmpty { violations.add(prefix + "cell_id", "required") }
        if meeting.heldOn == nil {
            violations.add(prefix + "held_on", "required")
        } else {
            violations.checkDate(meeting.heldOn, prefix + "held_on")
        }
        if meeting.kind.rawValue == 0 || meeting.kind.protoName == nil {
            violations.add(prefix + "kind", "required: regular, thematic, combined or extraordinary")
        }
        for (value, field) in [(meeting.startMinute, "start_minute"), (meeting.endMinute, "end_minute")]
        where !(0...1440).contains(value) {
            violations.add(prefix + field, "minutes after midnight, 0 to 1440")
        }
        if meeting.endMinute != 0 && meeting.endMinute <= meeting.startMinute {
            violations.add(prefix + "end_minute", "the meeting ends before it starts")
        }
        if case .qualityScore(let score)? = meeting.quality, !(0...100).contains(score) {
            violations.add(prefix + "quality_score", "a score from 0 to 100")
        }
        for (index, record) in meeting.attendance.enumerated() {
            let path = prefix + "attendance[\(index)]"
            if references { AttendanceChecks.checkMember(record, path: path, into: &violations) }
            AttendanceChecks.check(record, path: path, into: &violations)
        }
        for (index, item) in meeting.agenda.enumerated() {
            violations.requireText(item.title, prefix + "agenda[\(index)].title", maxLength: 500)
        }
        for (index, resolution) in meeting.resolutions.enumerated() {
            ResolutionChecks.check(resolution, path: prefix + "resolutions[\(index)]", into: &violations)
        }
    }
}
