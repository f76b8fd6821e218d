import ChiboModel

/// Who a meeting's attendance may name and how each record counts, given what is stored: the
/// cell and the members who could be expected that day. The store reads them (once per cell
/// for an import batch) and this decides.
public enum MeetingMembership {
    /// Checks `meeting` against its cell (`cell`, found and not voided) and the members who
    /// may be expected at it (`candidates`: the cell's members, those attached to it, those who
    /// came or left by an event): the cell is a cell and existed that day; each attendance
    /// record is a member expected that day, once, and takes the member's category (and name
    /// when it has none); members left out are added as not recorded when the list is
    /// partial, refused otherwise; the chair and recorder were present; resolution owners
    /// exist (`memberExists`).
    public static func check(
        _ meeting: inout Meeting,
        cell: OrgUnit,
        candidates: [Member],
        partialAttendance: Bool,
        memberExists: (String) throws -> Bool,
        into violations: inout Violations
    ) rethrows {
        guard let heldOn = DateKeys.key(meeting.heldOn) else {
            violations.add("meeting.held_on", "required")
            return
        }
        if cell.kind != .cell && cell.kind != .partyGroup {
            violations.add("meeting.cell_id", "\(cell.id) is not a cell")
        }
        if let from = DateKeys.key(cell.valid?.from), heldOn < from {
            violations.add("meeting.held_on", "the cell \(cell.id) did not exist yet on \(heldOn) (from \(from))")
        }
        if let to = DateKeys.key(cell.valid?.to), heldOn >= to {
            violations.add("meeting.held_on", "the cell \(cell.id) no longer existed on \(heldOn) (until \(to))")
        }
        var expected: [String: ExpectedAttendance.Entry] = [:]
        var names: [String: String] = [:]
        for member in candidates {
            names[member.id] = member.fullName
            if let entry = ExpectedAttendance.entry(for: member, cellID: cell.id, dateKey: heldOn) {
                expected[member.id] = entry
            }
        }
        var seen = Set<String>()
        for index in meeting.attendance.indices {
            let record = meeting.attendance[index]
            let path = "meeting.attendance[\(index)]"
            guard seen.insert(record.memberId).inserted else {
                violations.add(path + ".member_id", "\(record.memberId) is recorded twice")
                continue
            }
            guard let entry = expected[record.memberId] else {
                violations.add(path + ".member_id", "\(record.memberId) was not a member of \(cell.id) on \(heldOn)")
                continue
            }
            meeting.attendance[index].category = entry.category
            if meeting.attendance[index].fullName.isEmpty {
                meeting.attendance[index].fullName = names[record.memberId] ?? ""
            }
        }
        for (id, entry) in expected.sorted(by: { $0.key < $1.key }) where !seen.contains(id) {
            if partialAttendance {
                meeting.attendance.append(
                    AttendanceRecord(
                        memberId: id,
                        state: .notRecorded,
                        category: entry.category,
                        fullName: names[id] ?? ""
                    )
                )
            } else {
                violations.add(
                    "meeting.attendance",
                    "\(names[id] ?? id) (\(id)) was a member on \(heldOn) and has no record"
                )
            }
        }
        let present = Set(meeting.attendance.filter { $0.state == .present }.map(\.memberId))
        for (field, id) in [
            ("chair_member_id", meeting.chairMemberId), ("recorder_member_id", meeting.recorderMemberId),
        ]
        where !id.isEmpty && !present.contains(id) {
            violations.add("meeting." + field, "\(id) is not recorded as present")
        }
        for (index, resolution) in meeting.resolutions.enumerated() where !resolution.ownerMemberId.isEmpty {
            if !(try memberExists(resolution.ownerMemberId)) {
                violations.add(
                    "meeting.resolutions[\(index)].owner_member_id",
                    "member \(resolution.ownerMemberId) does not exist"
                )
            }
        }
    }
}
