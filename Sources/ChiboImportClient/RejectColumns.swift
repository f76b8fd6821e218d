import ChiboImport

/// Names the column of a refusal as the file's header wrote it: the server speaks of fields
/// (`cell`, `member.official_on`, `attendees[3]`) or of none (a duplicate card, a lifecycle rule),
/// and a clerk looks for `Chi bộ`, `Ngày chính thức`, `Số thẻ đảng viên`.
struct RejectColumns {
    /// The header matched when the file was read; nil when it could not be read.
    let report: HeaderReport?
    let entity: ImportEntity

    /// The header of the column a server refusal concerns, or the field when the file has no
    /// such column (JSON Lines and protobuf have no header).
    func header(field: String, code: String, message: String) -> String {
        guard let report, !report.columns.isEmpty else { return field }
        for candidate in fields(field: field, code: code, message: message) {
            if let column = report.columns.first(where: { $0.field == candidate }) { return column.header }
        }
        return field
    }

    /// The fields a refusal may concern, most likely first.
    private func fields(field: String, code: String, message: String) -> [String] {
        var name = field
        for prefix in ["member.", "org_unit.", "status_event.", "meeting.", "evaluation.", "resolution.", "unit."]
        where name.hasPrefix(prefix) {
            name = String(name.dropFirst(prefix.count))
        }
        if let dot = name.lastIndex(of: "."), name.hasPrefix("events[") {
            name = String(name[name.index(after: dot)...])
        }
        let key = ["party_card_number", "citizen_id", "full_name"]
        let cell = ["cell", "cell_code", "cell_name"]
        switch name {
        case "": break
        case "cell", "unit_ref": return cell + ["unit"]
        case "unit": return ["unit", "subject"] + cell
        case "parent": return ["parent"]
        case "member", "member_key", "owner_ref": return key + ["owner"]
        case "other_unit", "other_unit_ref", "other_unit_id": return ["other_unit"]
        case "code": return ["code"]
        case "year", "period": return ["year", "period"]
        case _ where name.hasPrefix("attendees"): return key
        case "text": return ["text"]
        default: return [name]
        }
        let lowered = message.lowercased()
        switch code {
        case "duplicate_in_import", "already_exists", "ambiguous_match", "missing_key", "conflict":
            switch entity {
            case .orgUnits: return ["code", "name"]
            case .meetings: return ["meeting_key"] + cell + ["held_on"]
            case .resolutions: return ["meeting_key", "text"]
            case .evaluations: return key + ["unit", "subject", "year"]
            case .members, .statusEvents: return key
            }
        case "out_of_scope", "unknown_unit":
            return entity == .orgUnits ? ["parent", "code"] : cell + ["unit"]
        default:
            break
        }
        if lowered.contains("official") || lowered.contains("probation") {
            return entity == .statusEvents ? ["effective_on"] : ["official_on", "admitted_on"]
        }
        if lowered.contains("admission") || lowered.contains("admitted") {
            return entity == .statusEvents ? ["effective_on"] : ["admitted_on"]
        }
        if entity == .statusEvents { return ["kind", "effective_on"] }
        return []
    }
}
