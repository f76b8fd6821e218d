import ChiboModel

/// A meeting's minutes (biên bản sinh hoạt chi bộ) as one printable HTML page in Vietnamese, in
/// the sections party cells use: time and place, chair and recorder, attendance, agenda,
/// contributions, resolutions with owners and due dates, and the signatures.
public struct MinutesHTML: Sendable {
    /// The meeting.
    public var meeting: Meeting
    /// The cell that met.
    public var cell: OrgUnit
    /// The unit above the cell (the commune's party committee), when known.
    public var parent: OrgUnit?
    /// Names of members by id, for the chair, the recorder and owners not written in the record.
    public var names: [String: String]

    /// Creates the page's model.
    public init(meeting: Meeting, cell: OrgUnit, parent: OrgUnit?, names: [String: String]) {
        self.meeting = meeting
        self.cell = cell
        self.parent = parent
        self.names = names
    }

    private static func e(_ text: String) -> String { OverviewHTML.escape(text) }

    private func name(_ id: String) -> String {
        if id.isEmpty { return "" }
        if let record = meeting.attendance.first(where: { $0.memberId == id }), !record.fullName.isEmpty {
            return record.fullName
        }
        return names[id] ?? ""
    }

    private static func clock(_ minutes: Int32) -> String {
        "\(minutes / 60) giờ \(minutes % 60 < 10 ? "0" : "")\(minutes % 60) phút"
    }

    private static func day(_ date: CalendarDate?) -> String {
        guard let date else { return "" }
        return "ngày \(date.day < 10 ? "0" : "")\(date.day) tháng \(date.month) năm \(date.year)"
    }

    /// 30/04/2026, as dates are written in Vietnam.
    private static func short(_ date: CalendarDate) -> String {
        "\(date.day < 10 ? "0" : "")\(date.day)/\(date.month < 10 ? "0" : "")\(date.month)/\(date.year)"
    }

    private var kindTitle: String {
        let month = meeting.heldOn.map { "tháng \($0.month)/\($0.year)" } ?? ""
        switch meeting.kind {
        case .thematic: return "Sinh hoạt chuyên đề" + (meeting.topic.isEmpty ? "" : ": " + meeting.topic)
        case .combined: return "Sinh hoạt định kỳ kết hợp chuyên đề " + month
        case .extraordinary: return "Sinh hoạt bất thường"
        default: return "Sinh hoạt chi bộ định kỳ " + month
        }
    }

    /// The page.
    public func render() -> String {
        let present = meeting.attendance.filter { $0.state == .present }
        let excused = meeting.attendance.filter { $0.state == .absentExcused }
        let unexcused = meeting.attendance.filter { $0.state == .absentUnexcused }
        let unrecorded = meeting.attendance.filter { $0.state == .notRecorded }
        var html = """
            <!DOCTYPE html>
            <html lang="vi">
            <head>
            <meta charset="utf-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1" />
            <meta name="generator" content="chibo \(ChiboCLIVersion.current)" />
            <title>Biên bản – \(Self.e(cell.name)) – \(Self.e(Presenter.isoDate(meeting.heldOn ?? CalendarDate())))</title>
            <style>\(Self.css)</style>
            </head>
            <body>
            <header class="heading">
            <div class="left"><div>\(Self.e((parent?.name ?? "").uppercased()))</div>\
            <div class="strong">\(Self.e(cell.name.uppercased()))</div><div>*</div></div>
            <div class="right"><div class="strong">ĐẢNG CỘNG SẢN VIỆT NAM</div>\
            <div class="date">\(Self.e(meeting.place.isEmpty ? "" : meeting.place + ", "))\(Self.day(meeting.heldOn))</div></div>
            </header>
            <h1>BIÊN BẢN</h1>
            <p class="subtitle">\(Self.e(kindTitle))</p>

            """
        if meeting.meta?.voided == true {
            html += "<p class=\"voided\">ĐÃ HỦY: \(Self.e(meeting.meta?.voidReason ?? ""))</p>\n"
        }
        html += "<section id=\"thoi-gian\"><h2>I. Thời gian, địa điểm</h2>\n<p>"
        html += meeting.startMinute > 0 ? "Bắt đầu lúc \(Self.clock(meeting.startMinute)), " : "Họp "
        html += Self.day(meeting.heldOn) + ".</p>\n"
        html += "<p>Địa điểm: \(meeting.place.isEmpty ? "…" : Self.e(meeting.place) + ".")</p></section>\n"

        html += "<section id=\"thanh-phan\"><h2>II. Thành phần</h2>\n<ul>\n"
        html +=
            "<li>Chủ trì: đồng chí \(Self.e(name(meeting.chairMemberId).isEmpty ? "…" : name(meeting.chairMemberId)))</li>\n"
        html +=
            "<li>Thư ký: đồng chí \(Self.e(name(meeting.recorderMemberId).isEmpty ? "…" : name(meeting.recorderMemberId)))</li>\n"
        html += "<li>Tổng số đảng viên phải dự: \(meeting.attendance.count - unrecorded.count)</li>\n"
        html += "<li id=\"co-mat\">Có mặt: \(present.count)</li>\n"
        html += "<li id=\"vang-co-ly-do\">Vắng có lý do: \(excused.count)"
        if !excused.isEmpty {
            html +=
                "<ol>" + excused.map { "<li>\(Self.e(name($0.memberId))) – \(Self.e($0.reason))</li>" }.joined()
                + "</ol>"
        }
        html += "</li>\n<li id=\"vang-khong-ly-do\">Vắng không lý do: \(unexcused.count)"
        if !unexcused.isEmpty {
            html += "<ol>" + unexcused.map { "<li>\(Self.e(name($0.memberId)))</li>" }.joined() + "</ol>"
        }
        html += "</li>\n"
        if !unrecorded.isEmpty {
            html += "<li>Không ghi điểm danh: \(unrecorded.count)</li>\n"
        }
        html += "<li id=\"khach-moi\">Khách mời: \(meeting.guests.isEmpty ? "không có" : "")"
        if !meeting.guests.isEmpty {
            html += "<ol>"
            for guest in meeting.guests {
                var line = "đồng chí " + Self.e(guest.fullName.isEmpty ? name(guest.memberId) : guest.fullName)
                if !guest.role.isEmpty { line += ", " + Self.e(guest.role) }
                if guest.isSupervisor { line += " (đảng ủy viên phụ trách chi bộ)" }
                html += "<li\(guest.isSupervisor ? " class=\"supervisor\"" : "")>\(line)</li>"
            }
            html += "</ol>"
        }
        html += "</li>\n</ul></section>\n"

        html += "<section id=\"noi-dung\"><h2>III. Nội dung</h2>\n"
        if meeting.agenda.isEmpty {
            html += "<p>\(Self.e(meeting.topic.isEmpty ? "…" : meeting.topic))</p>\n"
        } else {
            html += "<ol>"
            for item in meeting.agenda {
                html += "<li><strong>\(Self.e(item.title))</strong>"
                if !item.summary.isEmpty { html += "<p>\(Self.e(item.summary))</p>" }
                html += "</li>"
            }
            html += "</ol>\n"
        }
        html += "</section>\n<section id=\"y-kien\"><h2>IV. Ý kiến phát biểu</h2>\n"
        let speakers = meeting.attendance.filter(\.spoke).map { name($0.memberId) }
        if meeting.contributions.isEmpty {
            html +=
                speakers.isEmpty
                ? "<p>Không có.</p>\n" : "<p>Đồng chí \(Self.e(speakers.joined(separator: ", "))) phát biểu.</p>\n"
        } else {
            html += "<ul>"
            for contribution in meeting.contributions {
                let speaker = contribution.speakerName.isEmpty ? name(contribution.memberId) : contribution.speakerName
                html += "<li>Đồng chí \(Self.e(speaker)): \(Self.e(contribution.summary))</li>"
            }
            html += "</ul>\n"
        }
        html += "</section>\n<section id=\"nghi-quyet\"><h2>V. Kết luận và nghị quyết</h2>\n"
        if !meeting.minutes.isEmpty { html += "<p>\(Self.e(meeting.minutes))</p>\n" }
        if meeting.resolutions.isEmpty {
            html += "<p>Không có nghị quyết.</p>\n"
        } else {
            html +=
                "<table><thead><tr><th>TT</th><th>Nội dung</th><th>Người phụ trách</th><th>Thời hạn</th></tr></thead><tbody>"
            for (index, resolution) in meeting.resolutions.enumerated() {
                let owner = resolution.ownerName.isEmpty ? name(resolution.ownerMemberId) : resolution.ownerName
                let due = resolution.dueOn.map(Self.short) ?? ""
                html += "<tr class=\"resolution\"><td>\(index + 1)</td><td>\(Self.e(resolution.text))</td>"
                html += "<td>\(Self.e(owner))</td><td>\(Self.e(due))</td></tr>"
            }
            html += "</tbody></table>\n"
        }
        html += "</section>\n<p class=\"closing\">"
        html += meeting.endMinute > 0 ? "Cuộc họp kết thúc lúc \(Self.clock(meeting.endMinute)) cùng ngày. " : ""
        html +=
            meeting.minutesApproved
            ? "Biên bản đã được đọc lại và thông qua trước toàn thể chi bộ." : "Biên bản chưa được thông qua."
        html += "</p>\n<footer class=\"signatures\" id=\"chu-ky\">\n"
        html += "<div><div class=\"strong\">&#160;<br />THƯ KÝ</div><div class=\"hint\">(ký, ghi rõ họ tên)</div>"
        html += "<div class=\"signed\">\(Self.e(name(meeting.recorderMemberId)))</div></div>\n"
        html += "<div><div class=\"strong\">T/M CHI BỘ<br />CHỦ TRÌ</div><div class=\"hint\">(ký, ghi rõ họ tên)</div>"
        html += "<div class=\"signed\">\(Self.e(name(meeting.chairMemberId)))</div></div>\n"
        html += "</footer>\n</body>\n</html>\n"
        return html
    }

    static let css = """
        body{font-family:"Times New Roman",Times,serif;font-size:14pt;line-height:1.45;max-width:18cm;\
        margin:1cm auto;color:#000}.heading{display:flex;justify-content:space-between;text-align:center}\
        .strong{font-weight:bold}.date{font-style:italic;margin-top:6px}h1{text-align:center;font-size:16pt;\
        margin:18px 0 0}.subtitle{text-align:center;font-weight:bold;margin-top:2px}h2{font-size:14pt;\
        margin:14px 0 4px}ul,ol{margin:2px 0 2px 1.2em;padding-left:1em}table{border-collapse:collapse;\
        width:100%}td,th{border:1px solid #000;padding:3px 6px;vertical-align:top}.voided{color:#b00;\
        font-weight:bold;text-align:center;border:2px solid #b00;padding:4px}.signatures{display:flex;\
        justify-content:space-around;margin-top:28px;text-align:center}.hint{font-style:italic}\
        .signed{margin-top:70px;font-weight:bold}@page{size:A4;margin:2cm 1.5cm 2cm 2.5cm}\
        @media print{body{margin:0;max-width:none}section,table,.signatures{break-inside:avoid}}
        """
}
