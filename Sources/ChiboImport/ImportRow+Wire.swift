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

extension ImportItem {
    /// The item as an `Import.Run` row, for the kinds the server imports (members and org
    /// units); nil for the others.
    public var wireRow: ImportRow? {
        let numbers = rows.map { Int32(clamping: $0) }
        switch record {
        case .member(let imported):
            return ImportRow(rowNumbers: numbers, unitRef: imported.cell.wireValue, record: .member(imported.member))
        case .orgUnit(let imported):
            return ImportRow(rowNumbers: numbers, unitRef: imported.parent.wireValue, record: .orgUnit(imported.unit))
        default:
            return nil
        }
    }
}
