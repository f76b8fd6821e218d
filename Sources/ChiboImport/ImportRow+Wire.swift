import ChiboModel

extension UnitRef {
    /// The reference as `ImportRow.unit_ref` carries it: the code, else the code-or-name, else
    /// the name; empty when the file named no unit.
    public var wireValue: String {
        if !code.isEmpty { return code }
        if !codeOrName.isEmpty { return codeOrName }
        return name
    }
}

extension MemberRef {
    /// The reference as `ImportRow` carries it, every part as written.
    public var wireKey: MemberKey {
        MemberKey(
            partyCardNumber: partyCardNumber,
            citizenId: citizenId,
            fullName: fullName,
            cardOrCitizenId: cardOrCitizenId
        )
    }

    /// `wireKey`, or nil when the file named nobody (an optional field left unset).
    public var optionalWireKey: MemberKey? { isEmpty ? nil : wireKey }
}

extension ImportItem {
    /// The item as an `Import.Run` row: the record, its row numbers, and the references the
    /// server resolves (units by `UnitRef.wireValue`, members as `MemberKey`, a resolution's
    /// meeting by key or by cell and date, a meeting's attendance file rows).
    public var wireRow: ImportRow {
        var row = ImportRow(rowNumbers: rows.map { Int32(clamping: $0) })
        switch record {
        case .member(let imported):
            row.unitRef = imported.cell.wireValue
            row.record = .member(imported.member)
        case .orgUnit(let imported):
            row.unitRef = imported.parent.wireValue
            row.record = .orgUnit(imported.unit)
        case .statusEvent(let imported):
            row.memberKey = imported.member.wireKey
            row.otherUnitRef = imported.otherUnit.wireValue
            row.record = .statusEvent(imported.event)
        case .meeting(let imported):
            row.unitRef = imported.cell.wireValue
            row.meetingKey = imported.key
            row.attendees = imported.attendees.map(\.wireKey)
            row.chair = imported.chair.optionalWireKey
            row.recorder = imported.recorder.optionalWireKey
            row.attendanceRowNumbers = attendanceRows.map { Int32(clamping: $0) }
            row.record = .meeting(imported.meeting)
        case .resolution(let imported):
            row.meetingKey = imported.meeting.key
            row.unitRef = imported.meeting.cell.wireValue
            row.meetingHeldOn = imported.meeting.heldOn
            row.owner = imported.owner.optionalWireKey
            row.record = .resolution(imported.resolution)
        case .evaluation(let imported):
            switch imported.evaluation.subject {
            case .member:
                row.memberKey = imported.member.wireKey
                row.unitRef = imported.cell.wireValue
            default:
                row.unitRef = imported.unit.wireValue
            }
            row.record = .evaluation(imported.evaluation)
        }
        return row
    }
}
