import ChiboModel

/// The values of the benchmark messages, shared by the ChiboCodec and swift-protobuf builders.
/// `chibo_peer.c` in CChiboPeer spells the same values for C; `PeerCheck` proves they agree.
public enum Fixture {
    /// Names on the cell's roster, in attendance order.
    public static let attendeeNames = [
        "Tòng Văn Hạnh", "Lò Thị Mai", "Cầm Văn Thắng", "Quàng Thị Hương", "Lường Văn Đức",
        "Hoàng Thị Lan", "Nguyễn Văn Tuấn", "Vì Thị Nga", "Lò Văn Khánh", "Điêu Thị Thu",
        "Tòng Văn Quyết", "Cà Thị Hồng", "Lường Văn Sơn", "Trần Thị Ngọc Ánh", "Mùa A Chứ",
        "Hà Văn Phúc", "Lê Thị Thảo", "Quàng Văn Dũng", "Sầm Thị Yến", "Phạm Văn Long",
        "Lò Thị Duyên", "Bạc Cầm Tùng",
    ]

    /// One attendance row, by the rules both builders (and the C peer) follow.
    public struct Attendee: Sendable {
        /// Member ID, `m-01` to `m-22`.
        public var memberId: String
        /// 1 present, 2 absent with a reason, 3 absent without one.
        public var state: Int32
        /// The reason for an excused absence.
        public var reason: String
        /// 1 official, 2 probationary.
        public var category: Int32
        /// Whether the member spoke.
        public var spoke: Bool
        /// The member's full name.
        public var fullName: String
    }

    /// The 22 attendance rows of the benchmark Meeting.
    public static let attendees: [Attendee] = attendeeNames.enumerated().map { i, name in
        let number = i + 1
        var row = Attendee(
            memberId: number < 10 ? "m-0\(number)" : "m-\(number)",
            state: 1,
            reason: "",
            category: i % 7 == 6 ? 2 : 1,
            spoke: i == 0 || i == 2 || i == 7,
            fullName: name
        )
        if i == 4 || i == 12 {
            row.state = 2
            row.reason = i == 4 ? "Đi khám bệnh tại bệnh viện huyện" : "Đi làm ăn xa, đã báo cáo chi ủy"
        } else if i == 17 {
            row.state = 3
        }
        return row
    }

    /// About 1 KB of minutes.
    public static let minutes =
        "Chi bộ đã đánh giá kết quả thực hiện nhiệm vụ tháng 5: 100% đảng viên hoàn thành việc học "
        + "tập chuyên đề năm 2024; bản Nà Sản hoàn thành thu hoạch vụ chiêm xuân với năng suất bình quân "
        + "58 tạ/ha; công tác vận động nhân dân tham gia xây dựng đường giao thông nông thôn được triển "
        + "khai đúng tiến độ, đã đổ bê tông 420 m đường nội bản. Tồn tại: một số đảng viên chưa tích cực "
        + "tham gia sinh hoạt, việc thu nộp đảng phí còn chậm. Chi bộ thống nhất phương hướng tháng 6: "
        + "tập trung chăm sóc lúa mùa, phòng chống dịch bệnh cho gia súc, gia cầm; vận động các hộ hoàn "
        + "thành đóng góp quỹ xây dựng nhà văn hóa trước ngày 30/6; phân công đồng chí Lò Thị Mai theo "
        + "dõi công tác dân số và gia đình. Đồng chí Bí thư chi bộ kết luận: các đồng chí đảng viên phải "
        + "gương mẫu, bám sát địa bàn, kịp thời nắm bắt tâm tư nguyện vọng của nhân dân và báo cáo chi "
        + "ủy trước kỳ sinh hoạt tới."

    /// Agenda items: title and summary.
    public static let agenda: [(title: String, summary: String)] = [
        ("Đánh giá kết quả thực hiện nhiệm vụ tháng 5", "Chi ủy báo cáo; các đảng viên góp ý bổ sung."),
        ("Sinh hoạt chuyên đề năm 2024", "Đồng chí Bí thư quán triệt nội dung chuyên đề."),
        ("Triển khai nhiệm vụ tháng 6", "Thống nhất các chỉ tiêu sản xuất và công tác dân vận."),
    ]

    /// Speakers' opinions: member ID, name and summary.
    public static let contributions: [(memberId: String, name: String, summary: String)] = [
        ("m-03", "Cầm Văn Thắng", "Đề nghị chi bộ sớm họp bàn phương án đổ bê tông đoạn đường còn lại."),
        ("m-08", "Vì Thị Nga", "Đề nghị tăng cường tuyên truyền phòng chống dịch bệnh gia súc."),
    ]
}

extension Fixture {
    /// The benchmark Member as a ChiboModel value.
    public static func member() -> Member {
        var m = Member()
        m.id = "m-01J8ZK4T6Q3R"
        m.partyCardNumber = "93.012345"
        m.citizenId = "014078001234"
        m.fullName = "Tòng Văn Hạnh"
        m.familyName = "Tòng"
        m.middleName = "Văn"
        m.givenName = "Hạnh"
        m.gender = .male
        m.birthDate = CalendarDate(year: 1978, month: 3, day: 14)
        m.ethnicity = "Thái"
        m.homePlace = "Chiềng Mung, Mai Sơn, Sơn La"
        m.phone = "0912345678"
        m.admittedOn = CalendarDate(year: 2005, month: 5, day: 19)
        m.officialOn = CalendarDate(year: 2006, month: 5, day: 19)
        m.cellId = "cell-nasan-03"
        var position = Position()
        position.kind = .secretary
        position.unitId = "cell-nasan-03"
        position.valid = DateRange(from: CalendarDate(year: 2020, month: 9, day: 1))
        m.positions = [position]
        m.events = [
            StatusEvent(
                id: "ev-0001",
                kind: .admitted,
                effectiveOn: CalendarDate(year: 2005, month: 5, day: 19),
                decisionRef: "125-QĐ/ĐU"
            ),
            StatusEvent(
                id: "ev-0002",
                kind: .madeOfficial,
                effectiveOn: CalendarDate(year: 2006, month: 5, day: 19),
                decisionRef: "210-QĐ/ĐU"
            ),
        ]
        m.status = .official
        return m
    }

    /// The benchmark Meeting as a ChiboModel value.
    public static func meeting() -> Meeting {
        var m = Meeting()
        m.id = "mt-2024-06-15-03"
        m.cellId = "cell-nasan-03"
        m.heldOn = CalendarDate(year: 2024, month: 6, day: 15)
        m.startMinute = 450
        m.endMinute = 615
        m.kind = .combined
        m.topic = "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh"
        m.place = "Nhà văn hóa bản Nà Sản"
        m.agenda = agenda.enumerated().map { i, item in
            AgendaItem(number: Int32(i + 1), title: item.title, summary: item.summary)
        }
        m.chairMemberId = "m-01"
        m.recorderMemberId = "m-02"
        m.guests = [
            Guest(memberId: "m-dy-0101", fullName: "Nguyễn Thị Hoa", role: "Ủy viên BTV Đảng ủy xã", isSupervisor: true)
        ]
        m.attendance = attendees.map { row in
            AttendanceRecord(
                memberId: row.memberId,
                state: AttendanceState(rawValue: row.state),
                reason: row.reason,
                category: MemberCategory(rawValue: row.category),
                spoke: row.spoke,
                fullName: row.fullName
            )
        }
        m.contributions = contributions.map {
            Contribution(memberId: $0.memberId, speakerName: $0.name, summary: $0.summary)
        }
        m.minutes = minutes
        m.resolutions = [
            Resolution(
                id: "rs-2024-06-01",
                meetingId: "mt-2024-06-15-03",
                text: "Hoàn thành đổ bê tông 180 m đường nội bản còn lại",
                ownerMemberId: "m-03",
                ownerName: "Cầm Văn Thắng",
                dueOn: CalendarDate(year: 2024, month: 7, day: 31),
                status: .open
            ),
            Resolution(
                id: "rs-2024-06-02",
                meetingId: "mt-2024-06-15-03",
                text: "Thu nộp đảng phí quý II đầy đủ, đúng hạn",
                ownerMemberId: "m-02",
                ownerName: "Lò Thị Mai",
                dueOn: CalendarDate(year: 2024, month: 6, day: 30),
                status: .inProgress,
                note: "Đã thu 15/22 đảng viên"
            ),
        ]
        m.minutesApproved = true
        m.quality = .qualityScore(85)
        m.meta = RecordMeta(
            revision: 3,
            createdAtMs: 1_718_430_000_000,
            updatedAtMs: 1_718_440_000_000,
            updatedBy: "cell-nasan-03/secretary"
        )
        return m
    }
}
