import ChiboDomain
import ChiboModel
import ChiboStore

/// Speaking participation (share of counted members present who spoke) and supervision
/// coverage (share of a cell's meetings, held while it had a supervising standing-committee
/// member assigned, that the supervisor attended as a guest marked `is_supervisor`).
public enum ParticipationReport {
    /// One row per cell that met under the root in the range, by cell name.
    public static func rows(
        summaries: [MeetingSummary],
        history: OrgHistory,
        rootID: String,
        from: CalendarDate,
        through: CalendarDate
    ) -> [ParticipationRow] {
        var rows: [String: ParticipationRow] = [:]
        for meeting in summaries where meeting.heldOn >= from && meeting.heldOn <= through {
            guard history.isUnder(meeting.cellID, root: rootID, on: meeting.heldOn) else { continue }
            var row =
                rows[meeting.cellID]
                ?? ParticipationRow(unitId: meeting.cellID, unitName: history.name(of: meeting.cellID))
            row.meetings += 1
            row.present += Int32(meeting.present)
            row.spoke += Int32(meeting.spoke)
            let assigned = history.units[meeting.cellID]?.supervisors.contains { assignment in
                UnitHistory.contains(assignment.valid, meeting.heldOn)
            }
            if assigned == true {
                row.supervisedMeetings += 1
                if meeting.supervisorPresent { row.supervisorAttended += 1 }
            }
            rows[meeting.cellID] = row
        }
        return rows.values.map { row in
            var row = row
            row.speakingRateBp = Percent.bp(Int(row.spoke), of: Int(row.present))
            row.supervisionCoverageBp = Percent.bp(Int(row.supervisorAttended), of: Int(row.supervisedMeetings))
            return row
        }.sorted { history.sortKey(of: $0.unitId) < history.sortKey(of: $1.unitId) }
    }
}
