import ChiboModel

/// What one attendance record of a meeting must hold whatever is stored: a state, a reason for
/// an excused absence, and speaking only when present. Whether the member was expected that day
/// is a question for the store, which knows the roster.
public enum AttendanceChecks {
    /// Checks a record's values, with paths under `path` (`meeting.attendance[2]`). The member
    /// is not checked here: see `checkMember`.
    public static func check(_ record: AttendanceRecord, path: String, into violations: inout Violations) {
        if record.state.rawValue == 0 || record.state.protoName == nil {
            violations.add(path + ".state", "required: present, absent excused, absent unexcused or not recorded")
        }
        if record.state == .absentExcused && record.reason.isEmpty {
            violations.add(path + ".reason", "required for an excused absence")
        }
        if record.spoke && record.state != .present {
            violations.add(path + ".spoke", "only someone present can speak")
        }
    }

    /// Checks that a record names its member by id (once the attendees are resolved).
    public static func checkMember(_ record: AttendanceRecord, path: String, into violations: inout Violations) {
        if record.memberId.isEmpty { violations.add(path + ".member_id", "required") }
    }
}
