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

    @Test func aUnitCarriesItsParent() {
        let unit = OrgUnit(code: "MB-BO", name: "Chi bộ bản Bó", kind: .cell)
        let item = ImportItem(record: .orgUnit(ImportedOrgUnit(unit: unit, parent: UnitRef(code: "MB"))), rows: [2])
        #expect(item.wireRow == ImportRow(rowNumbers: [2], unitRef: "MB", record: .orgUnit(unit)))
        #expect(UnitRef(name: "Xã Mường Bằng").wireValue == "Xã Mường Bằng")
        #expect(UnitRef().wireValue.isEmpty)
    }
}

/// The other four kinds: member keys, other units, meetings with attendees, resolutions by key
/// or by cell and date, evaluations of units and of members.
@Suite struct WireRowOtherKindsTests {
    let card = MemberRef(partyCardNumber: "01012345", fullName: "Tòng Văn Hạnh")
    let nameOnly = MemberRef(fullName: "Lò Thị Ơn")

    @Test func aStatusEventCarriesItsMemberAndTheOtherUnit() {
        let event = StatusEvent(kind: .permanentTransfer, effectiveOn: CalendarDate(year: 2024, month: 3, day: 1))
        let item = ImportItem(
            record: .statusEvent(
                ImportedStatusEvent(member: card, event: event, otherUnit: UnitRef(name: "Chi bộ bản Phiêng"))
            ),
            rows: [4]
        )
        #expect(
            item.wireRow
                == ImportRow(
                    rowNumbers: [4],
                    memberKey: MemberKey(partyCardNumber: "01012345", fullName: "Tòng Văn Hạnh"),
                    otherUnitRef: "Chi bộ bản Phiêng",
                    record: .statusEvent(event)
                )
        )
    }

    @Test func aMeetingCarriesItsKeyAttendeesChairAndAttendanceRows() {
        var meeting = Meeting(heldOn: CalendarDate(year: 2024, month: 5, day: 3))
        meeting.attendance = [AttendanceRecord(state: .present), AttendanceRecord(state: .absentExcused)]
        let imported = ImportedMeeting(
            key: "H-2024-05",
            cell: UnitRef(code: "MB-BO"),
            meeting: meeting,
            attendees: [card, nameOnly],
            chair: nameOnly
        )
        let item = ImportItem(record: .meeting(imported), rows: [2], attendanceRows: [2, 3])
        let row = item.wireRow
        #expect(row.unitRef == "MB-BO")
        #expect(row.meetingKey == "H-2024-05")
        #expect(row.attendees == [card.wireKey, MemberKey(fullName: "Lò Thị Ơn")])
        #expect(row.chair == MemberKey(fullName: "Lò Thị Ơn"))
        #expect(row.recorder == nil)
        #expect(row.rowNumbers == [2])
        #expect(row.attendanceRowNumbers == [2, 3])
        #expect(row.record == .meeting(meeting))
    }

    @Test func aResolutionNamesItsMeetingByKeyOrByCellAndDate() {
        let resolution = Resolution(text: "Sửa đường vào bản", ownerName: "Lò Thị Ơn")
        let byKey = ImportItem(
            record: .resolution(
                ImportedResolution(meeting: MeetingRef(key: "H-2024-05"), resolution: resolution, owner: nameOnly)
            ),
            rows: [3]
        )
        #expect(
            byKey.wireRow
                == ImportRow(
                    rowNumbers: [3],
                    meetingKey: "H-2024-05",
                    owner: MemberKey(fullName: "Lò Thị Ơn"),
                    record: .resolution(resolution)
                )
        )
        let day = CalendarDate(year: 2024, month: 5, day: 3)
        let byDate = ImportItem(
            record: .resolution(
                ImportedResolution(
                    meeting: MeetingRef(cell: UnitRef(codeOrName: "MB-BO"), heldOn: day),
                    resolution: resolution
                )
            ),
            rows: [5]
        )
        #expect(
            byDate.wireRow
                == ImportRow(rowNumbers: [5], unitRef: "MB-BO", meetingHeldOn: day, record: .resolution(resolution))
        )
    }

    @Test func anEvaluationNamesAUnitOrAMemberInACell() {
        let ofUnit = Evaluation(subject: .orgUnit, year: 2023)
        let unitItem = ImportItem(
            record: .evaluation(ImportedEvaluation(evaluation: ofUnit, unit: UnitRef(code: "MB-BO"))),
            rows: [2]
        )
        #expect(unitItem.wireRow == ImportRow(rowNumbers: [2], unitRef: "MB-BO", record: .evaluation(ofUnit)))

        let ofMember = Evaluation(subject: .member, year: 2023)
        let memberItem = ImportItem(
            record: .evaluation(
                ImportedEvaluation(
                    evaluation: ofMember,
                    member: MemberRef(cardOrCitizenId: "001079000123"),
                    cell: UnitRef(name: "Chi bộ bản Bó")
                )
            ),
            rows: [6]
        )
        #expect(
            memberItem.wireRow
                == ImportRow(
                    rowNumbers: [6],
                    unitRef: "Chi bộ bản Bó",
                    memberKey: MemberKey(cardOrCitizenId: "001079000123"),
                    record: .evaluation(ofMember)
                )
        )
    }
}
