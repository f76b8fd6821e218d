import ChiboImport
import ChiboModel
import Testing

/// Org units, status events, resolutions and evaluations from CSV.
@Suite struct EntityTests {
    @Test func orgUnits() throws {
        let text = """
            code,name,kind,parent,meeting_day,valid_from,note
            MB,Đảng bộ xã Mường Bằng,đảng bộ xã,MS,,01/01/1990,
            MB-BANBO,Chi bộ bản Bó,Chi bộ,MB,3,1990-01-01,22 đảng viên
            MB-BAD,Chi bộ X,chi đoàn,MB,32,,
            """
        let result = try readCSV(text, .orgUnits)
        let units = result.records.compactMap { if case .orgUnit(let unit) = $0 { unit } else { nil } }
        #expect(units.map(\.unit.kind) == [.commune, .cell])
        #expect(units[1].unit.meetingDay == 3)
        #expect(units[1].parent == UnitRef(codeOrName: "MB"))
        #expect(units[1].unit.valid == DateRange(from: CalendarDate(year: 1990, month: 1, day: 1)))
        #expect(result.errors.map(\.code) == [.unknownValue])
        #expect(result.errors.first?.message.contains("meeting_day") == true)
    }

    @Test func statusEvents() throws {
        let text = """
            Số thẻ đảng viên,Họ và tên,Loại,Ngày hiệu lực,Số quyết định,Nơi đến,Ngày dự kiến trở về
            01012345,Tòng Văn Hạnh,Đi làm ăn xa,01/03/2024,12-QĐ/ĐU,Bình Dương,01/03/2025
            01012346,Lò Văn Minh,STATUS_EVENT_KIND_DECEASED,2024-05-02,,,
            ,Quàng Thị Lan,kết nạp,01/01/2024,,,
            01012347,Cà Văn Ún,nghỉ hưu,01/01/2024,,,
            """
        let result = try readCSV(text, .statusEvents)
        let events = result.records.compactMap { if case .statusEvent(let event) = $0 { event } else { nil } }
        #expect(events.map(\.event.kind) == [.workingAway, .deceased])
        #expect(events[0].member.naturalKey == .partyCardNumber("01012345"))
        #expect(events[0].event.place == "Bình Dương")
        #expect(events[0].event.expectedReturnOn == CalendarDate(year: 2025, month: 3, day: 1))
        #expect(result.errors.map(\.code) == [.missingRequired, .unknownValue])
        #expect(result.errors.map(\.row) == [4, 5])
    }

    @Test func resolutions() throws {
        let text = """
            meeting_key,cell,held_on,text,owner,due_on,status
            BANBO-2026-03,,,Vận động 100% hộ đóng góp làm đường,Lò Văn Minh,30/06/2026,đang thực hiện
            ,MB-BANBO,03/03/2026,Tuần tra an ninh,,,
            ,,,Không rõ cuộc họp,,,
            """
        let result = try readCSV(text, .resolutions)
        let resolutions = result.records.compactMap { if case .resolution(let value) = $0 { value } else { nil } }
        #expect(resolutions.map(\.meeting.key) == ["BANBO-2026-03", ""])
        #expect(resolutions[0].resolution.status == .inProgress)
        #expect(resolutions[0].owner.fullName == "Lò Văn Minh")
        #expect(resolutions[1].meeting.cell == UnitRef(codeOrName: "MB-BANBO"))
        #expect(resolutions[1].meeting.heldOn == CalendarDate(year: 2026, month: 3, day: 3))
        #expect(result.errors.map(\.code) == [.missingRequired])
    }

    @Test func evaluations() throws {
        let text = """
            year,subject,cell,party_card_number,full_name,grade,score,clean_and_strong
            2025,,MB-BANBO,,,HTXSNV,,x
            2025,,MB-BANBO,01012345,Tòng Văn Hạnh,Hoàn thành tốt nhiệm vụ,,
            2025,đảng viên,MB-BANBO,01012346,Lò Văn Minh,,91,
            2025,,MB-BANBO,01012347,Cà Văn Ún,HTNV,60,
            2025,,MB-BANBO,01012348,Quàng Thị Lan,,,
            """
        let result = try readCSV(text, .evaluations)
        let evaluations = result.records.compactMap { if case .evaluation(let value) = $0 { value } else { nil } }
        #expect(evaluations.map(\.evaluation.subject) == [.orgUnit, .member, .member])
        #expect(evaluations[0].evaluation.result == .grade(.excellent))
        #expect(evaluations[0].evaluation.cleanAndStrong)
        #expect(evaluations[0].unit == UnitRef(codeOrName: "MB-BANBO"))
        #expect(evaluations[1].evaluation.result == .grade(.good))
        #expect(evaluations[1].member.naturalKey == .partyCardNumber("01012345"))
        #expect(evaluations[1].cell == UnitRef(codeOrName: "MB-BANBO"))
        #expect(evaluations[2].evaluation.result == .score(91))
        #expect(result.errors.map(\.code) == [.conflictingValues, .missingRequired])
    }

    @Test func rowsAddUpOnAFileWithDeliberateBadRows() throws {
        let good = (1...40).map { "0\($0),Người \($0),01/01/1980,Nam" }
        let bad = [
            "x1,Sai ngày,31/02/1980,Nam", ",Không khóa,01/01/1980,Nữ", "x3,Sai giới,01/01/1980,?", "x4,,01/01/1980,Nam",
        ]
        var rows = good
        for (index, row) in bad.enumerated() { rows.insert(row, at: index * 10 + 3) }
        let text = "Số thẻ,Họ và tên,Ngày sinh,Giới tính\n" + rows.joined(separator: "\n") + "\n\n"
        let result = try readCSV(text, .members)
        #expect(result.summary.rowsRead == 44)
        #expect(result.summary.records == 40)
        #expect(result.summary.errors == 4)
        #expect(result.summary.blankRows == 1)
        #expect(result.summary.isBalanced)
        // Events come in file order.
        let order = result.events.map { event in
            switch event {
            case .item(let item): item.rows[0]
            case .error(let error): error.row
            }
        }
        #expect(order == order.sorted())
    }
}
