import ChiboModel

/// Generates one cell's meetings of the year: a regular meeting every month on the cell's day
/// and a thematic meeting in the middle month of each quarter, except where the commune's
/// anomalies say otherwise. Attendance names exactly the members `ExpectedAttendance` expects
/// on the day, the rule the server checks.
enum SampleMeetings {
    static func meetings(
        of cell: SampleCellPlan,
        in commune: SampleCommunePlan,
        roster: [SampleMemberDraft],
        supervisor: SampleMemberDraft?,
        plan: SamplePlan
    ) -> [Meeting] {
        var random = plan.random.derived(11, UInt64(commune.index), UInt64(cell.index))
        let year = plan.year
        let anomalies = commune.anomalies
        var meetings: [Meeting] = []
        for month in 1...12 {
            let quarter = (month - 1) / 3 + 1
            let key = SampleCellMonth(cellID: cell.id, month: month)
            let quarterKey = SampleCellQuarter(cellID: cell.id, quarter: quarter)
            let combined = anomalies.combined.contains(quarterKey) && month == quarter * 3
            if !anomalies.missedRegular.contains(key) {
                let day = anomalies.offDay[key] ?? cell.meetingDay
                let kind: MeetingKind = combined ? .combined : .regular
                meetings.append(
                    meeting(
                        kind: kind,
                        on: SampleCalendar.date(year, month, day),
                        id: "\(cell.id)-\(year)-\(ProvinceAtScale.pad(month, 2))-\(combined ? "c" : "r")",
                        short: anomalies.short.contains(key),
                        offDay: anomalies.offDay[key] != nil,
                        cell: cell,
                        commune: commune,
                        roster: roster,
                        supervisor: supervisor,
                        random: &random
                    )
                )
            }
            let thematicMonth = quarter * 3 - 1
            if month == thematicMonth && !anomalies.missedThematic.contains(quarterKey)
                && !anomalies.combined.contains(quarterKey)
            {
                let day = min(28, cell.meetingDay + 10 + random.int(0...4))
                meetings.append(
                    meeting(
                        kind: .thematic,
                        on: SampleCalendar.date(year, month, day),
                        id: "\(cell.id)-\(year)-q\(quarter)-t",
                        short: false,
                        offDay: false,
                        cell: cell,
                        commune: commune,
                        roster: roster,
                        supervisor: supervisor,
                        random: &random
                    )
                )
            }
        }
        return meetings
    }

    private static func meeting(
        kind: MeetingKind,
        on date: CalendarDate,
        id: String,
        short: Bool,
        offDay: Bool,
        cell: SampleCellPlan,
        commune: SampleCommunePlan,
        roster: [SampleMemberDraft],
        supervisor: SampleMemberDraft?,
        random: inout SampleRandom
    ) -> Meeting {
        let month = Int(date.month)
        let quarter = (month - 1) / 3 + 1
        let dateKey = date.isoKey
        let thematic = kind == .thematic || kind == .combined
        // Time: villages meet in the evening after work in the fields, agencies in the afternoon.
        let start: Int =
            cell.kind == .village ? random.pick([1140, 1170, 1170, 1200]) : random.pick([840, 840, 870, 900])
        let length: Int =
            short
            ? random.int(9...14) * 5
            : kind == .combined ? random.int(25...34) * 5 : thematic ? random.int(22...32) * 5 : random.int(19...30) * 5
        // Who is expected, and who leads: the secretary chairs (the deputy when the secretary
        // is not expected), a committee member keeps the minutes.
        var expected: [(draft: SampleMemberDraft, entry: ExpectedAttendance.Entry)] = []
        for draft in roster {
            if let entry = ExpectedAttendance.entry(for: draft.member, cellID: cell.id, dateKey: dateKey) {
                expected.append((draft, entry))
            }
        }
        let counted: Set<MemberCategory> = [.official, .probationary, .temporarilyAttached]
        let leaders = expected.filter { counted.contains($0.entry.category) }.prefix(3).map(\.draft.member.id)
        let chair = leaders.first ?? ""
        let recorder = leaders.count > 1 ? leaders[leaders.count - 1] : ""
        let anomalies = commune.anomalies
        var attendance: [AttendanceRecord] = []
        var contributions: [Contribution] = []
        for (draft, entry) in expected {
            let member = draft.member
            var record = AttendanceRecord(memberId: member.id, category: entry.category, fullName: member.fullName)
            let memberIndex = draft.index
            switch entry.category {
            case .exempt:
                record.state = .absentExcused
                record.reason = "Được miễn công tác và sinh hoạt đảng"
            case .workingAway:
                record.state = .absentExcused
                record.reason = "Đi làm ăn xa, tạm miễn sinh hoạt (\(draft.awayPlace))"
            case .temporaryTransfer:
                record.state = .absentExcused
                record.reason = "Chuyển sinh hoạt tạm thời"
            default:
                if let run = anomalies.excusedRun, run.cellID == cell.id, run.memberIndex == memberIndex,
                    run.months.contains(month)
                {
                    record.state = .absentExcused
                    record.reason = "Điều trị dài ngày tại Bệnh viện Đa khoa tỉnh"
                } else if let run = anomalies.unexcused, run.cellID == cell.id, run.memberIndex == memberIndex,
                    run.months.contains(month), kind != .thematic
                {
                    record.state = .absentUnexcused
                } else if member.id == chair || member.id == recorder || random.chance(draft.attendance) {
                    record.state = .present
                } else if random.chance(0.85) {
                    record.state = .absentExcused
                    record.reason = random.pick(SampleNames.excuses)
                } else {
                    record.state = .absentUnexcused
                }
            }
            if record.state == .present && (member.id == chair || random.chance(draft.speaking)) {
                record.spoke = true
                contributions.append(
                    Contribution(
                        memberId: member.id,
                        speakerName: member.fullName,
                        summary: member.id == chair
                            ? (thematic
                                ? "Trình bày nội dung chuyên đề." : "Báo cáo kết quả tháng và dự kiến nhiệm vụ.")
                            : random.pick(opinions)
                    )
                )
            }
            attendance.append(record)
        }
        // The supervising standing-committee member attends most meetings and often speaks.
        var guests: [Guest] = []
        if let supervisor, random.chance(thematic ? 0.9 : 0.7) {
            guests.append(
                Guest(
                    memberId: supervisor.member.id,
                    fullName: supervisor.member.fullName,
                    role: "Ủy viên Ban Thường vụ Đảng ủy xã",
                    isSupervisor: true
                )
            )
            if random.chance(0.6) {
                contributions.append(
                    Contribution(speakerName: supervisor.member.fullName, summary: random.pick(supervisorRemarks))
                )
            }
        }
        let topic =
            thematic ? topics[(commune.index + quarter + (random.chance(0.3) ? cell.index : 0)) % topics.count] : ""
        var agenda: [AgendaItem] = []
        if kind != .thematic {
            agenda += [
                AgendaItem(number: 1, title: "Thông tin thời sự trong nước, quốc tế và địa phương"),
                AgendaItem(number: 2, title: "Đánh giá kết quả thực hiện nhiệm vụ tháng \(month)"),
                AgendaItem(number: 3, title: "Phương hướng, nhiệm vụ tháng \(month % 12 + 1)"),
            ]
        }
        if thematic {
            agenda.append(AgendaItem(number: Int32(agenda.count + 1), title: "Chuyên đề: \(topic)"))
            agenda.append(
                AgendaItem(number: Int32(agenda.count + 1), title: "Thảo luận, thống nhất giải pháp thực hiện")
            )
        }
        // Resolutions: a task now and then, with an owner and a deadline; most are done on
        // time, some are past due and still open at the end of the year.
        var resolutions: [Resolution] = []
        if kind != .thematic && random.chance(0.22) {
            let ownerID = random.chance(0.7) ? chair : recorder
            let owner = expected.first { $0.draft.member.id == ownerID }?.draft.member
            let due = date.adding(months: Int32(random.int(1...4)))
            let yearEnd = SampleCalendar.date(Int(date.year), 12, 31)
            var resolution = Resolution(
                text: random.pick(tasks),
                ownerMemberId: owner?.id ?? "",
                ownerName: owner?.fullName ?? "Chi ủy",
                dueOn: due
            )
            if yearEnd < due {
                resolution.status = random.chance(0.5) ? .inProgress : .open
            } else if random.chance(0.8) {
                resolution.status = .done
                resolution.closedOn = SampleCalendar.random(from: date, to: due, &random)
            } else {
                resolution.status = random.chance(0.5) ? .open : .inProgress
                resolution.note = "Chưa hoàn thành, chi bộ tiếp tục đôn đốc"
            }
            resolutions.append(resolution)
        }
        var minutes =
            thematic
            ? "Chi bộ thảo luận chuyên đề, thống nhất giải pháp thực hiện. Biên bản được đọc lại và thông qua."
            : "Chi bộ thống nhất đánh giá kết quả tháng và nhiệm vụ tháng tới. Biên bản được đọc lại và thông qua."
        if offDay { minutes = "Lùi lịch sinh hoạt do trùng lịch sản xuất, thu hoạch. " + minutes }
        return Meeting(
            id: id,
            cellId: cell.id,
            heldOn: date,
            startMinute: Int32(start),
            endMinute: Int32(start + length),
            kind: kind,
            topic: topic,
            place: cell.kind == .village ? "Nhà văn hóa \(cell.placeName)" : "Hội trường \(cell.placeName)",
            agenda: agenda,
            chairMemberId: chair,
            recorderMemberId: recorder,
            guests: guests,
            attendance: attendance,
            contributions: contributions,
            minutes: minutes,
            resolutions: resolutions,
            minutesApproved: true,
            quality: random.chance(0.1) ? .qualityScore(Int32(random.int(70...95))) : nil
        )
    }

    static let topics = [
        "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
        "Huy động nhân dân đóng góp xây dựng nông thôn mới",
        "Quản lý đảng viên đi làm ăn xa",
        "Vay vốn ngân hàng chính sách phát triển kinh tế hộ gia đình",
        "Bảo đảm an ninh trật tự trên địa bàn bản",
        "Phòng, chống bệnh dịch tả lợn châu Phi",
        "Chuyển đổi cây trồng trên đất dốc sang cây ăn quả",
        "Phòng, chống ma túy và tệ nạn xã hội",
        "Giữ gìn bản sắc văn hóa dân tộc, xây dựng gia đình văn hóa",
        "Bảo vệ và phát triển rừng, phòng chống cháy rừng",
    ]

    static let opinions = [
        "Đề nghị chi ủy đôn đốc các hộ hoàn thành đóng góp làm đường nội bản.",
        "Nêu khó khăn về nước tưới vụ chiêm, đề nghị nạo vét mương.",
        "Đồng ý với dự thảo nghị quyết, đề nghị phân công cụ thể từng đảng viên.",
        "Báo cáo tình hình tổ sản xuất, đề nghị hỗ trợ giống cây ăn quả.",
        "Đề nghị tăng cường tuần tra, giữ gìn an ninh trật tự.",
        "Phản ánh ý kiến của nhân dân về thủ tục vay vốn.",
        "Đề nghị vận động các hộ tiêm phòng cho đàn gia súc.",
        "Kiến nghị sửa chữa nhà văn hóa trước mùa mưa.",
    ]

    static let supervisorRemarks = [
        "Thông báo chủ trương của Đảng ủy xã về xây dựng nông thôn mới.",
        "Ghi nhận kết quả của chi bộ, đề nghị bám sát nghị quyết đã đề ra.",
        "Hướng dẫn chi bộ nâng cao chất lượng sinh hoạt, phát huy dân chủ.",
        "Nhắc chi bộ quản lý chặt chẽ đảng viên đi làm ăn xa.",
    ]

    static let tasks = [
        "Vận động nhân dân đóng góp kinh phí bê tông hóa đường nội bản",
        "Hoàn thiện hồ sơ vay vốn ngân hàng chính sách cho các hộ nghèo",
        "Tổ chức nạo vét kênh mương trước vụ lúa mùa",
        "Vận động các hộ tiêm phòng cho đàn gia súc, gia cầm",
        "Tuyên truyền phòng, chống ma túy đến từng hộ gia đình",
        "Rà soát, lập danh sách đảng viên đi làm ăn xa",
        "Tổ chức ra quân vệ sinh môi trường, đường làng ngõ xóm",
        "Trồng cây ăn quả trên diện tích đất dốc theo kế hoạch của xã",
        "Kiện toàn tổ tự quản về an ninh trật tự của bản",
    ]
}
