import SwiftProtobufPeer

extension Fixture {
    private static func date(_ year: Int32, _ month: Int32, _ day: Int32) -> Chibo_V1_Date {
        var d = Chibo_V1_Date()
        d.year = year
        d.month = month
        d.day = day
        return d
    }

    /// The benchmark Member as a swift-protobuf message.
    public static func swiftProtobufMember() -> Chibo_V1_Member {
        var m = Chibo_V1_Member()
        m.id = "m-01J8ZK4T6Q3R"
        m.partyCardNumber = "93.012345"
        m.citizenID = "014078001234"
        m.fullName = "Tòng Văn Hạnh"
        m.familyName = "Tòng"
        m.middleName = "Văn"
        m.givenName = "Hạnh"
        m.gender = .male
        m.birthDate = date(1978, 3, 14)
        m.ethnicity = "Thái"
        m.homePlace = "Chiềng Mung, Mai Sơn, Sơn La"
        m.phone = "0912345678"
        m.admittedOn = date(2005, 5, 19)
        m.officialOn = date(2006, 5, 19)
        m.cellID = "cell-nasan-03"
        var position = Chibo_V1_Position()
        position.kind = .secretary
        position.unitID = "cell-nasan-03"
        position.valid.from = date(2020, 9, 1)
        m.positions = [position]
        var admitted = Chibo_V1_StatusEvent()
        admitted.id = "ev-0001"
        admitted.kind = .admitted
        admitted.effectiveOn = date(2005, 5, 19)
        admitted.decisionRef = "125-QĐ/ĐU"
        var official = Chibo_V1_StatusEvent()
        official.id = "ev-0002"
        official.kind = .madeOfficial
        official.effectiveOn = date(2006, 5, 19)
        official.decisionRef = "210-QĐ/ĐU"
        m.events = [admitted, official]
        m.status = .official
        return m
    }

    /// The benchmark Meeting as a swift-protobuf message.
    public static func swiftProtobufMeeting() -> Chibo_V1_Meeting {
        var m = Chibo_V1_Meeting()
        m.id = "mt-2024-06-15-03"
        m.cellID = "cell-nasan-03"
        m.heldOn = date(2024, 6, 15)
        m.startMinute = 450
        m.endMinute = 615
        m.kind = .combined
        m.topic = "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh"
        m.place = "Nhà văn hóa bản Nà Sản"
        m.agenda = agenda.enumerated().map { i, item in
            var a = Chibo_V1_AgendaItem()
            a.number = Int32(i + 1)
            a.title = item.title
            a.summary = item.summary
            return a
        }
        m.chairMemberID = "m-01"
        m.recorderMemberID = "m-02"
        var guest = Chibo_V1_Guest()
        guest.memberID = "m-dy-0101"
        guest.fullName = "Nguyễn Thị Hoa"
        guest.role = "Ủy viên BTV Đảng ủy xã"
        guest.isSupervisor = true
        m.guests = [guest]
        m.attendance = attendees.map { row in
            var r = Chibo_V1_AttendanceRecord()
            r.memberID = row.memberId
            r.state = Chibo_V1_AttendanceState(rawValue: Int(row.state))!
            r.reason = row.reason
            r.category = Chibo_V1_MemberCategory(rawValue: Int(row.category))!
            r.spoke = row.spoke
            r.fullName = row.fullName
            return r
        }
        m.contributions = contributions.map { item in
            var c = Chibo_V1_Contribution()
            c.memberID = item.memberId
            c.speakerName = item.name
            c.summary = item.summary
            return c
        }
        m.minutes = minutes
        var first = Chibo_V1_Resolution()
        first.id = "rs-2024-06-01"
        first.meetingID = "mt-2024-06-15-03"
        first.text = "Hoàn thành đổ bê tông 180 m đường nội bản còn lại"
        first.ownerMemberID = "m-03"
        first.ownerName = "Cầm Văn Thắng"
        first.dueOn = date(2024, 7, 31)
        first.status = .open
        var second = Chibo_V1_Resolution()
        second.id = "rs-2024-06-02"
        second.meetingID = "mt-2024-06-15-03"
        second.text = "Thu nộp đảng phí quý II đầy đủ, đúng hạn"
        second.ownerMemberID = "m-02"
        second.ownerName = "Lò Thị Mai"
        second.dueOn = date(2024, 6, 30)
        second.status = .inProgress
        second.note = "Đã thu 15/22 đảng viên"
        m.resolutions = [first, second]
        m.minutesApproved = true
        m.qualityScore = 85
        m.meta.revision = 3
        m.meta.createdAtMs = 1_718_430_000_000
        m.meta.updatedAtMs = 1_718_440_000_000
        m.meta.updatedBy = "cell-nasan-03/secretary"
        return m
    }
}
