import ChiboImport
import ChiboModel
import Testing

/// Records read from a file become Import.Run rows with their row numbers and unit reference.
@Suite struct WireRowTests {
    @Test func aMemberKeepsItsRowsAndCell() {
        let member = Member(partyCardNumber: "01012345", fullName: "Tòng Văn Hạnh")
        let item = ImportItem(
            record: .member(ImportedMember(member: member, cell: UnitRef(name: "Chi bộ bản Bó", codeOrName: "MB-BO"))),
            rows: [7]
        )
        #expect(item.wireRow == ImportRow(rowNumbers: [7], unitRef: "MB-BO", record: .member(member)))
    }

    @Test func aUnitCarriesItsParentAndOtherKindsNothing() {
        let unit = OrgUnit(code: "MB-BO", name: "Chi bộ bản Bó", kind: .cell)
        let item = ImportItem(record: .orgUnit(ImportedOrgUnit(unit: unit, parent: UnitRef(code: "MB"))), rows: [2])
        #expect(item.wireRow == ImportRow(rowNumbers: [2], unitRef: "MB", record: .orgUnit(unit)))
        #expect(UnitRef(name: "Xã Mường Bằng").wireValue == "Xã Mường Bằng")
        #expect(UnitRef().wireValue.isEmpty)
    }
}
