import Foundation

/// Opaque page tokens for keyset pagination: the sort key and id of the last record of a page.
public enum PageToken {
    /// The token that continues after a record with this sort key and id.
    public static func make(sortKey: String, id: String) -> String {
        Data((sortKey + "\u{0}" + id).utf8).base64EncodedString()
    }

    /// The sort key and id a token continues after; nil for an empty or malformed token.
    public static func parse(_ token: String) -> (sortKey: String, id: String)? {
        guard !token.isEmpty, let data = Data(base64Encoded: token),
            let text = String(data: data, encoding: .utf8)
        else { return nil }
        let parts = text.split(separator: "\u{0}", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        return (String(parts[0]), String(parts[1]))
    }
}

/// Field masks: which fields of a record an update may change.
public enum FieldMasks {
    /// The fields of an org unit an update may set; the parent changes through a move, the
    /// supervisors through their own calls, validity through merge and split.
    public static let orgUnitUpdatable: Set<String> = ["code", "name", "kind", "meeting_day", "note"]

    /// The fields of a meeting an amendment may set; the cell and date are fixed once recorded
    /// (void and record again to move a meeting).
    public static let meetingAmendable: Set<String> = [
        "start_minute", "end_minute", "kind", "topic", "place", "agenda", "chair_member_id", "recorder_member_id",
        "guests", "attendance", "contributions", "minutes", "resolutions", "minutes_approved", "quality_score",
    ]

    /// The fields of a resolution an update may set, as its work goes on after the meeting.
    public static let resolutionUpdatable: Set<String> = [
        "status", "due_on", "owner_member_id", "owner_name", "closed_on", "note",
    ]

    /// The fields of an evaluation an update may set; the subject and year are fixed (void and
    /// create again to correct them).
    public static let evaluationUpdatable: Set<String> = [
        "grade", "score", "clean_and_strong", "cell_id", "decision_ref", "note",
    ]

    /// The fields of a member an update may set; the cell changes through transfer events, the
    /// status through status events.
    public static let memberUpdatable: Set<String> = [
        "party_card_number", "citizen_id", "full_name", "family_name", "middle_name", "given_name", "gender",
        "birth_date", "ethnicity", "home_place", "phone", "admitted_on", "official_on", "positions", "note",
    ]
}
