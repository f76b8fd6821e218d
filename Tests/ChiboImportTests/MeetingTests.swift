import ChiboImport
import ChiboModel
import Testing

/// Meetings with attendance: grouped from repeated rows, or joined from two files.
@Suite struct MeetingTests {
    private let header =
        "Chi bộ,Ngày sinh hoạt,Loại,Giờ bắt đầu,Giờ kết thúc,Chủ đề,Số thẻ đảng viên,Họ và tên,Có mặt,"
        + "Vắng có lý do,Vắng không lý do,Phát biểu"

    @Test func groupsConsecutiveRowsIntoMeetings() throws {
        let text = """
            \(header)
            Bản Bó,03/03/2026,thường kỳ,19:30,21:30,,01,Tòng Văn Hạnh,x,,,Đề nghị tăng cường tuần tra
            Bản Bó,03/03/2026,thường kỳ,19:30,21:30,,02,Lò Văn Minh,,ốm,,
            Bản Bó,03/03/2026,thường kỳ,19:30,21:30,,03,Quàng Thị Lan,,,x,
            Bản Bó,15/03/2026,chuyên đề,19h,21h,Kinh tế hộ,01,Tòng Văn Hạnh,x,,,x
            Bản Bó,15/03/2026,chuyên đề,19h,21h,Kinh tế hộ,02,Lò Văn Minh,x,,,
            """
        let result = try readCSV(text, .meetings)
        #expect(result.errors.isEmpty, "\(result.errors)")
        #expect(result.items.map(\.rows) == [[2, 3, 4], [5, 6]])
        let first = result.meetings[0]
        #expect(first.cell == UnitRef(codeOrName: "Bản Bó"))
        #expect(first.meeting.heldOn == CalendarDate(year: 2026, month: 3, day: 3))
        #expect(first.meeting.kind == .regular)
        #expect(first.meeting.startMinute == 19 * 60 + 30)
        #expect(first.meeting.endMinute == 21 * 60 + 30)
        #expect(first.meeting.attendance.map(\.state) == [.present, .absentExcused, .absentUnexcused])
        #expect(first.meeting.attendance[1].reason == "ốm")
        #expect(first.meeting.attendance[0].spoke)
        #expect(first.meeting.contributions.map(\.summary) == ["Đề nghị tăng cường tuần tra"])
        #expect(
            first.attendees.map(\.naturalKey) == [
                .partyCardNumber("01"), .partyCardNumber("02"), .partyCardNumber("03"),
            ]
        )
        let second = result.meetings[1]
        #expect(second.meeting.kind == .thematic)
        #expect(second.meeting.topic == "Kinh tế hộ")
        #expect(second.meeting.attendance[0].spoke)
        #expect(second.meeting.contributions.isEmpty)
        #expect(result.summary.rowsRead == 5)
        #expect(result.summary.rowsInRecords == 5)
    }

    @Test func rowsUnderMergedCellsContinueTheMeeting() throws {
        let text = """
            Mã cuộc họp,Chi bộ,Ngày sinh hoạt,Loại,Họ và tên,Điểm danh,Lý do
            BB-03,Bản Bó,03/03/2026,thường kỳ,Tòng Văn Hạnh,có mặt,
            ,,,,Lò Văn Minh,P,đi viện
            ,,,,Quàng Thị Lan,KP,
            BB-04,Bản Bó,07/04/2026,thường kỳ,Tòng Văn Hạnh,x,
            """
        let result = try readCSV(text, .meetings)
        #expect(result.errors.isEmpty, "\(result.errors)")
        #expect(result.meetings.map(\.key) == ["BB-03", "BB-04"])
        #expect(result.meetings[0].meeting.attendance.map(\.state) == [.present, .absentExcused, .absentUnexcused])
        #expect(result.meetings[0].attendees.map(\.fullName) == ["Tòng Văn Hạnh", "Lò Văn Minh", "Quàng Thị Lan"])
    }

    @Test func aMeetingWhoseRowsAreApartIsRefusedWhole() throws {
        let text = """
            \(header)
            Bản Bó,03/03/2026,thường kỳ,19:30,,,01,A,x,,,
            Bản Bó,03/03/2026,thường kỳ,19:30,,,02,B,x,,,
            Bản Co,04/03/2026,thường kỳ,19:30,,,11,C,x,,,
            Bản Bó,03/03/2026,thường kỳ,19:30,,,03,D,x,,,
            """
        let result = try readCSV(text, .meetings)
        #expect(result.meetings.map(\.cell.codeOrName) == ["Bản Co"])
        #expect(result.errors.map(\.row) == [2, 3, 5])
        #expect(Set(result.errors.map(\.code)) == [.meetingNotContiguous])
        #expect(result.errors[0].message.contains("not together"))
    }

    @Test func oneBadRowLeavesTheWholeMeetingOutAndTheRowsAddUp() throws {
        let text = """
            \(header)
            Bản Bó,03/03/2026,thường kỳ,19:30,,,01,A,x,,,
            Bản Bó,03/03/2026,thường kỳ,19:30,,,02,B,x,x,,
            Bản Bó,03/03/2026,thường kỳ,19:30,,,03,C,,,,
            Bản Bó,04/04/2026,thường kỳ,19:30,,Chủ đề 1,01,A,x,,,
            Bản Bó,04/04/2026,thường kỳ,19:30,,Chủ đề 2,02,B,x,,,
            Bản Bó,05/05/2026,thường kỳ,19:30,,,01,A,x,,,
            Bản Bó,31/06/2026,thường kỳ,19:30,,,01,A,x,,,
            """
        let result = try readCSV(text, .meetings)
        #expect(result.items.map(\.rows) == [[7]])
        #expect(result.errors.map(\.row) == [2, 3, 4, 5, 6, 8])
        #expect(
            result.errors.map(\.code) == [
                .meetingRejected, .conflictingValues, .missingRequired, .meetingRejected, .conflictingValues, .badDate,
            ]
        )
        #expect(result.errors[0].message.contains("row 3"))
        #expect(result.errors[4].column == "Chủ đề")
        #expect(result.summary.rowsRead == 7)
        #expect(result.summary.rowsInRecords + result.summary.errors == 7)
    }

    @Test func tooManyRowsForOneMeetingAreRefused() throws {
        let rows = (1...8).map { "Bản Bó,03/03/2026,thường kỳ,,,,0\($0),N\($0),x,,," }
        let result = try readCSV(([header] + rows).joined(separator: "\n"), .meetings) { $0.maxRowsPerMeeting = 5 }
        #expect(result.meetings.isEmpty)
        #expect(result.errors.count == 8)
        #expect(Set(result.errors.map(\.code)) == [.tooManyRows])
    }

    @Test func joinsAMeetingsFileAndAnAttendanceFile() throws {
        let meetings = """
            Mã cuộc họp,Chi bộ,Ngày sinh hoạt,Loại,Chủ trì,Thư ký
            BB-03,Bản Bó,03/03/2026,thường kỳ,Lò Văn Minh,Quàng Thị Lan
            BB-04,Bản Bó,07/04/2026,thường kỳ,,
            BB-05,Bản Bó,05/05/2026,bất thường,,
            BB-03,Bản Bó,03/03/2026,thường kỳ,,
            """
        let attendance = """
            Mã cuộc họp,Số thẻ đảng viên,Họ và tên,Điểm danh,Lý do
            BB-04,01,Tòng Văn Hạnh,x,
            BB-03,01,Tòng Văn Hạnh,x,
            BB-03,02,Lò Văn Minh,vắng có lý do,ốm
            BB-99,03,Quàng Thị Lan,x,
            BB-05,01,Tòng Văn Hạnh,đến muộn,
            BB-05,02,Lò Văn Minh,x,
            ,03,Quàng Thị Lan,x,
            BB-04,02,Lò Văn Minh,KP,
            """
        var options = ImportOptions(entity: .meetings)
        options.attendance = .bytes(name: "diem-danh.csv", Array(attendance.utf8))
        let result = try read(.bytes(name: "cuoc-hop.csv", Array(meetings.utf8)), options)
        #expect(
            result.attendanceHeader?.matched.map(\.field) == [
                "meeting_key", "party_card_number", "full_name", "state", "reason",
            ]
        )
        #expect(result.meetings.map(\.key) == ["BB-03", "BB-04"])
        #expect(result.items.map(\.attendanceRows) == [[3, 4], [2, 9]])
        #expect(result.meetings[0].meeting.attendance.map(\.state) == [.present, .absentExcused])
        #expect(result.meetings[0].chair.fullName == "Lò Văn Minh")
        #expect(result.meetings[1].meeting.attendance.map(\.state) == [.present, .absentUnexcused])
        let errors = result.errors.map { "\($0.file):\($0.row):\($0.code)" }
        #expect(
            errors == [
                "cuoc-hop.csv:4:meeting_rejected", "diem-danh.csv:6:unknown_value", "diem-danh.csv:7:meeting_rejected",
                "cuoc-hop.csv:5:duplicate_key", "diem-danh.csv:5:unknown_meeting", "diem-danh.csv:8:missing_required",
            ]
        )
        #expect(result.summary.rowsRead == 4 + 8)
    }

    @Test func aTwoFileMeetingsFileNeedsTheKey() {
        var options = ImportOptions(entity: .meetings)
        options.attendance = .bytes(name: "a.csv", Array("meeting_key,full_name,state\nK,A,x\n".utf8))
        let error = importError {
            _ = try read(.bytes(name: "m.csv", Array("cell,held_on,kind\nB,03/03/2026,thường kỳ\n".utf8)), options)
        }
        #expect(error?.code == .missingColumns)
        #expect(error?.message.contains("meeting_key") == true)
    }
}
