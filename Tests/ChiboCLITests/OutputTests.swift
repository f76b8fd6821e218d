import ArgumentParser
import ChiboCodec
import ChiboModel
import ChiboTesting
import Foundation
import Testing

@testable import ChiboCLI

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Output formats, display width, input parsing and the HTML report, without a server.
@Suite struct OutputTests {
    @Test func displayWidthCountsMarksAsZeroAndWideCharactersAsTwo() {
        #expect(DisplayWidth.of("Tòng Văn Hạnh") == 13)
        // The same name decomposed: base letters plus combining marks.
        let decomposed = "To\u{0300}ng Va\u{0306}n Ha\u{0323}nh"
        #expect(decomposed.unicodeScalars.count == 16)
        #expect(DisplayWidth.of(decomposed) == 13)
        #expect(DisplayWidth.of("Nguyễn Thị Ệ") == 12)
        #expect(DisplayWidth.of("e\u{0323}\u{0302}") == 1)
        #expect(DisplayWidth.of("党支部") == 6)
        #expect(DisplayWidth.of("a\u{200B}b") == 2)
        #expect(DisplayWidth.truncated("Chi bộ bản Phiêng Lán", to: 10) == "Chi bộ bả…")
        #expect(DisplayWidth.padded("Ơn", to: 4) == "Ơn  ")
    }

    @Test func tablesAlignPrecomposedDecomposedAndWideText() {
        let rows: [[TableCell]] = [
            ["Tòng Văn Hạnh", "official"],
            ["To\u{0300}ng Va\u{0306}n Ha\u{0323}nh", "official"],
            ["Lò Thị Ơn", "exempt"],
            ["党支部", "x"],
        ]
        let text = TableRenderer().render(headers: ["NAME", "STATUS"], rows: rows)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count == 5)
        let column = DisplayWidth.of("Tòng Văn Hạnh  ")
        for line in lines {
            let second = line.split(separator: " ").last.map(String.init) ?? ""
            let prefix = String(line.dropLast(second.count))
            #expect(DisplayWidth.of(prefix) == column, "\(line)")
        }
    }

    @Test func coloursNeverShiftColumns() {
        let renderer = TableRenderer(style: TerminalStyle(colored: true))
        let text = renderer.render(headers: ["A", "B"], rows: [[TableCell("Vắng", .alert), "x"]])
        #expect(text.contains("\u{1B}[31mVắng\u{1B}[0m  x"))
        let plain = TableRenderer(style: TerminalStyle(colored: false)).render(
            headers: ["A", "B"],
            rows: [[TableCell("Vắng", .alert), "x"]]
        )
        #expect(!plain.contains("\u{1B}"))
    }

    @Test func csvFollowsRFC4180() throws {
        #expect(
            CSV.record(["a", "b,c", "say \"hi\"", "line\nbreak", ""])
                == "a,\"b,c\",\"say \"\"hi\"\"\",\"line\nbreak\",\r\n"
        )
        let parsed = try CSV.parse("full_name,note\r\n\"Lò, Thị Ơn\",\"a \"\"b\"\"\"\nX,\"multi\nline\"\n")
        #expect(parsed == [["full_name", "note"], ["Lò, Thị Ơn", "a \"b\""], ["X", "multi\nline"]])
        #expect(throws: CSVSyntaxError.self) { try CSV.parse("a,\"open\n") }
    }

    @Test func csvRowsBecomeMessagesThroughTheSchema() throws {
        let text = "full_name,cell_id,gender,birth_date,admitted_on\nTòng Văn Hạnh,ou-1,male,1979-04-30,2005-01-01\n"
        let trees = try Input.csvRecords(text, messageName: "chibo.v1.Member", source: "m.csv")
        #expect(trees.count == 1)
        let member = try Member(jsonString: trees[0].serialized())
        #expect(member.fullName == "Tòng Văn Hạnh" && member.gender == .male)
        #expect(member.birthDate == CalendarDate(year: 1979, month: 4, day: 30))
        #expect(throws: CLIFailure.self) {
            try Input.csvRecords("full_name,nope\nA,b\n", messageName: "chibo.v1.Member", source: "m.csv")
        }
        #expect(throws: CLIFailure.self) {
            try Input.csvRecords("full_name,gender\nA,robot\n", messageName: "chibo.v1.Member", source: "m.csv")
        }
        // Repeated sub-messages do not fit in a CSV cell: use JSON for them.
        #expect(throws: CLIFailure.self) {
            try Input.csvRecords("events.kind\nadmitted\n", messageName: "chibo.v1.Member", source: "m.csv")
        }
    }

    @Test func jsonTreesRoundTripAndYAMLQuotesWhatNeedsIt() throws {
        let text =
            #"{"id":"m-1","n":"1234567890123","ok":true,"list":[1,2.5,"x"],"nested":{"a":null},"s":"Tòng\n\"V\""}"#
        let tree = try JSONValue.parse(text)
        #expect(tree.serialized() == text)
        #expect(try JSONValue.parse(tree.serialized(pretty: true)) == tree)
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse("{\"a\":}") }
        let yaml = YAMLEmitter.emit(
            .object([
                ("name", .string("Tòng Văn Hạnh")), ("code", .string("yes")), ("n", .string("12")),
                ("colon", .string("a: b")), ("empty", .array([])),
                ("items", .array([.object([("k", .number("1")), ("j", .bool(false))])])),
            ])
        )
        #expect(
            yaml == """
                name: Tòng Văn Hạnh
                code: "yes"
                "n": "12"
                colon: "a: b"
                empty: []
                items:
                  - k: 1
                    j: false

                """
        )
    }

    @Test func valuesPeopleType() throws {
        #expect(try Values.date("2025-03-03", option: "--on") == CalendarDate(year: 2025, month: 3, day: 3))
        #expect(try Values.date("3/3/2025", option: "--on") == CalendarDate(year: 2025, month: 3, day: 3))
        #expect(throws: CLIFailure.self) { try Values.date("2025-13-01", option: "--on") }
        #expect(try Values.time("19:30", option: "--start") == 1170)
        #expect(try Values.enumNumber("working-away", enumName: "MemberStatus", option: "--status") == 4)
        #expect(try Values.enumNumber("MEMBER_STATUS_OFFICIAL", enumName: "MemberStatus", option: "--status") == 2)
        #expect(try Values.enumNumber("đi làm ăn xa", enumName: "MemberStatus", option: "--status") == 4)
        #expect(try Values.enumNumber("Di lam an xa", enumName: "MemberStatus", option: "--status") == 4)
        #expect(try Values.enumNumber("vắng có lý do", enumName: "AttendanceState", option: "--rest") == 2)
        #expect(throws: CLIFailure.self) { try Values.date("2026-02-29", option: "--on") }
        #expect(try Values.date("2024-02-29", option: "--on") == CalendarDate(year: 2024, month: 2, day: 29))
        let wrong = #expect(throws: CLIFailure.self) {
            try Values.enumNumber("boss", enumName: "MeetingKind", option: "--kind")
        }
        #expect(wrong?.exitCode == ExitCodes.usage)
        #expect(wrong?.lines.first?.contains("regular (định kỳ), thematic (chuyên đề), combined") == true)
    }

    @Test func exitCodesFollowTheStatus() {
        #expect(ExitCodes.forStatus(.ok) == 0)
        #expect(ExitCodes.forStatus(.unauthenticated) == 4)
        #expect(ExitCodes.forStatus(.permissionDenied) == 4)
        #expect(ExitCodes.forStatus(.notFound) == 69)
        #expect(ExitCodes.forStatus(.invalidArgument) == 67)
        #expect(ExitCodes.forStatus(.unavailable) == 78)
        #expect(ExitCodes.forStatus(.unimplemented) == 76)
    }

    @Test func languageAndColourFollowTheEnvironment() throws {
        #expect(Language.fromEnvironment(["LANG": "vi_VN.UTF-8"]) == .vi)
        #expect(Language.fromEnvironment(["LANG": "vi_VN.UTF-8", "LC_ALL": "en_US.UTF-8"]) == .en)
        #expect(Language.fromEnvironment([:]) == .en)
        let config = temporaryFolder().appendingPathComponent("none.json").path
        let base = ["CHIBO_CONFIG": config]
        let terminal = try Session(GlobalOptions.parse([]), environment: base, console: .standard, isTerminal: true)
        #expect(terminal.printer.format == .table && terminal.printer.style.colored)
        let noColor = try Session(
            GlobalOptions.parse([]),
            environment: base.merging(["NO_COLOR": "1"]) { $1 },
            isTerminal: true
        )
        #expect(!noColor.printer.style.colored)
        let piped = try Session(GlobalOptions.parse([]), environment: base, isTerminal: false)
        #expect(piped.printer.format == .json && !piped.printer.style.colored)
        #expect(piped.host == "127.0.0.1" && piped.port == 7420 && piped.token.isEmpty)
        let options = try GlobalOptions.parse(["--token", "flag-token"])
        let flagged = try Session(
            options,
            environment: base.merging(["CHIBO_TOKEN": "env-token"]) { $1 },
            isTerminal: false
        )
        #expect(flagged.token == "flag-token")
        let fromEnv = try Session(
            GlobalOptions.parse([]),
            environment: base.merging(["CHIBO_TOKEN": "env-token", "CHIBO_SERVER": "[::1]:7000"]) { $1 },
            isTerminal: false
        )
        #expect(fromEnv.token == "env-token" && fromEnv.host == "::1" && fromEnv.port == 7000)
        #expect(throws: CLIFailure.self) {
            try Session(
                GlobalOptions.parse([]),
                environment: base.merging(["CHIBO_SERVER": "nohost"]) { $1 },
                isTerminal: false
            )
        }
    }

    @Test func theRegistryHasEveryMethodOfTheMethodEnum() {
        let numbers = Set(ServiceRegistry.allMethods.map(\.method))
        #expect(numbers == Set(Method.allCases.filter { $0 != .unspecified }))
        let list = ServiceRegistry.method(named: "members/list")
        #expect(list?.method == .membersList && list?.streaming == .serverStreaming)
        #expect(list?.requestType == ListMembersRequest.self)
        #expect(ServiceRegistry.method(named: "Members.Get")?.responseType == MemberResponse.self)
        #expect(SchemaDescription.message(named: "Date")?.swiftName == "CalendarDate")
        for message in MessageRegistry.allTypes {
            #expect(SchemaDescription.message(named: message.protoMessageName) != nil, "\(message.protoMessageName)")
        }
    }

    @Test func sparklinesAndBars() {
        #expect(TerminalCharts.sparkline([0, 0.5, 1, nil]) == "▁▅█·")
        #expect(TerminalCharts.bar(0.5, width: 4) == "██  ")
        #expect(TerminalCharts.bar(1, width: 3) == "███")
        #expect(DisplayWidth.of(TerminalCharts.bar(0.33, width: 10)) == 10)
    }

    @Test func argumentsParse() throws {
        let record = try Chibo.parseAsRoot([
            "meetings", "record", "--cell", "ou-1", "--on", "2025-03-03", "--excused", "m-2=ốm", "--excused",
            "m-3=đi xa",
            "--rest", "present", "--dry-run", "-o", "csv", "--lang", "vi",
        ])
        #expect(record is Meetings.Record)
        let search = try Chibo.parseAsRoot(["members", "search", "tong", "van", "hanh", "--cell", "ou-1"])
        #expect(search is Members.Search)
        #expect(try Chibo.parseAsRoot(["changes", "--since", "42", "--follow"]) is Changes)
        #expect(
            try Chibo.parseAsRoot(["reports", "overview", "--unit", "ou-1", "--html", "x.html"]) is Reports.Overview
        )
        #expect(try Chibo.parseAsRoot(["call", "Members/List", "-d", "{}"]) is Call)
        #expect(throws: (any Error).self) { try Chibo.parseAsRoot(["members", "frobnicate"]) }
        #expect(throws: (any Error).self) { try Chibo.parseAsRoot(["units", "list", "-o", "xml"]) }
        #expect(throws: (any Error).self) { try Chibo.parseAsRoot(["members", "get", "m-1", "--card", "123"]) }
        #expect(throws: (any Error).self) { try Chibo.parseAsRoot(["units", "list", "--lang", "fr"]) }
    }

    /// A small overview with attendance by month, grading and flags.
    static func overviewFixture() -> (OverviewReport, [AttendanceRow]) {
        let flags = [
            Flag(
                kind: .missedRegularMeeting,
                unitId: "ou-bo",
                period: Period(kind: .month, year: 2025, index: 4),
                detail: "no regular meeting in 2025-04 <rule 1/month>"
            ),
            Flag(
                kind: .unexcusedAbsenceMonths,
                unitId: "ou-bo",
                memberId: "m-3",
                detail: "absent without reason in 3 months & more"
            ),
        ]
        let overview = OverviewReport(
            unitId: "ou-mb",
            unitName: "Đảng bộ xã Mường Bằng",
            year: 2025,
            on: CalendarDate(year: 2025, month: 12, day: 31),
            cells: 2,
            members: 5,
            byStatus: [StatusCount(name: "OFFICIAL", count: 4), StatusCount(name: "PROBATIONARY", count: 1)],
            attendance: AttendanceRow(unitId: "ou-mb", expected: 20, present: 18, rateBp: 9000),
            flags: flags,
            grading: [
                GradingRow(
                    unitId: "ou-mb",
                    year: 2025,
                    members: [GradeCount(grade: .excellent, count: 1), GradeCount(grade: .good, count: 4)],
                    cells: [GradeCount(grade: .good, count: 2)],
                    cleanAndStrongCells: 1
                )
            ],
            ruleSetId: "rs-national"
        )
        var rows: [AttendanceRow] = []
        for (unit, name) in [("ou-bo", "Chi bộ bản Bó"), ("ou-ph", "Chi bộ bản Phiêng")] {
            for month in [1, 2, 3] as [Int32] {
                rows.append(
                    AttendanceRow(
                        unitId: unit,
                        unitName: name,
                        period: Period(kind: .month, year: 2025, index: month),
                        meetings: 1,
                        expected: 4,
                        present: month == 2 ? 3 : 4,
                        absentUnexcused: month == 2 ? 1 : 0,
                        rateBp: month == 2 ? 7500 : 10_000
                    )
                )
            }
        }
        return (overview, rows)
    }

    @Test func theOverviewPageIsWellFormedWithItsChartsAndFlags() throws {
        let (overview, rows) = Self.overviewFixture()
        let page = OverviewHTML(overview: overview, attendance: rows, thresholdBp: 8500, language: .vi).render()
        try HTMLChecks.check(page, flags: overview.flags.count)
        #expect(page.contains("<html lang=\"vi\">"))
        #expect(page.contains("Chi bộ bản Phiêng"))
        #expect(page.contains("&lt;rule 1/month&gt;") && page.contains("3 months &amp; more"))
        #expect(!page.contains("src=") && !page.contains("href="))
        let english = OverviewHTML(overview: overview, attendance: rows, thresholdBp: 8500, language: .en).render()
        #expect(english.contains("Attendance by cell and month") && english.contains("Grading distribution"))
    }

    @Test func theOverviewAsTerminalTextAndCSV() {
        let (overview, rows) = Self.overviewFixture()
        let printer = Printer(format: .table, language: .en, style: TerminalStyle(colored: false), console: .standard)
        let units = UnitNames(["ou-mb": OrgUnit(id: "ou-mb", code: "MB", name: "Đảng bộ xã Mường Bằng")])
        let text = Reports.Overview.table(
            overview,
            rows,
            threshold: 8500,
            units: units,
            members: MemberNames(),
            printer: printer
        )
        #expect(text.contains("Chi bộ bản Bó") && text.contains("█▅█"), "\(text)")
        #expect(text.contains("Flags: no regular meeting (1)"))
        #expect(text.contains("LOW MONTHS: months at or under the 85.0% threshold, or with a member absent"))
        #expect(!text.contains("ou-mb"))
        let csv = Reports.Overview.csv(overview, units: units, presenter: Presenter(language: .en, raw: true))
        #expect(csv.hasPrefix("section,name,value\r\nsummary,unit_code,MB\r\n"))
        #expect(csv.contains("attendance,rate,90.00\r\n") && csv.contains("flag,FLAG_KIND_MISSED_REGULAR_MEETING,"))
    }
}

extension OutputTests {
    @Test func percentagesRoundAndSparklinesTellSeventySevenFromAHundred() {
        let presenter = Presenter(language: .en, raw: false)
        #expect(presenter.percent(9091) == "90.9%")
        #expect(presenter.percent(9095) == "91.0%")
        #expect(presenter.percent(8499) == "85.0%")
        #expect(Presenter.shownBp(8496) == 8500)
        #expect(Presenter(language: .en, raw: true).percent(9091) == "90.91")
        let line = TerminalCharts.sparkline([0.77, 0.9, 1.0, 0.4], floor: TerminalCharts.sparklineFloor)
        let levels = Array(line)
        #expect(Set(levels).count == 4, "\(line)")
        #expect(levels[3] == "▁" && levels[2] == "█")
    }

    @Test func theMinutesPageIsWellFormedInVietnamese() throws {
        var meeting = Meeting(
            id: "mt-1",
            cellId: "ou-bo",
            heldOn: CalendarDate(year: 2026, month: 3, day: 3),
            startMinute: 1170,
            endMinute: 1290,
            kind: .regular,
            place: "Nhà văn hóa bản <Bó>",
            chairMemberId: "m-1",
            recorderMemberId: "m-2",
            minutes: "Kết luận & giao việc",
            minutesApproved: true
        )
        meeting.attendance = [
            AttendanceRecord(memberId: "m-1", state: .present, spoke: true, fullName: "Tòng Văn Hạnh"),
            AttendanceRecord(memberId: "m-2", state: .present, fullName: "Lò Thị Ơn"),
            AttendanceRecord(memberId: "m-3", state: .absentExcused, reason: "ốm", fullName: "Quàng Văn Ệ"),
            AttendanceRecord(memberId: "m-4", state: .absentUnexcused, fullName: "Lò Văn Hạnh"),
        ]
        meeting.guests = [Guest(fullName: "Cầm Thị Hạnh", role: "Ủy viên BTV Đảng ủy xã", isSupervisor: true)]
        meeting.agenda = [AgendaItem(number: 1, title: "Đánh giá tháng 2", summary: "Hoàn thành kế hoạch")]
        meeting.contributions = [Contribution(memberId: "m-1", summary: "Đề nghị sửa đường")]
        meeting.resolutions = [
            Resolution(
                text: "Sửa đường nội bản",
                ownerMemberId: "m-1",
                dueOn: CalendarDate(year: 2026, month: 4, day: 30)
            )
        ]
        let page = MinutesHTML(
            meeting: meeting,
            cell: OrgUnit(id: "ou-bo", code: "MB-BO", name: "Chi bộ bản Bó"),
            parent: OrgUnit(id: "ou-mb", code: "MB", name: "Đảng bộ xã Mường Bằng"),
            names: [:]
        ).render()
        let parser = XMLParser(data: Data(page.utf8))
        #expect(parser.parse(), "not well-formed: \(parser.parserError.map { "\($0)" } ?? "")")
        for section in [
            "thoi-gian", "thanh-phan", "co-mat", "vang-co-ly-do", "vang-khong-ly-do", "khach-moi", "noi-dung", "y-kien",
            "nghi-quyet", "chu-ky",
        ] {
            #expect(page.contains("id=\"\(section)\""), "section \(section)")
        }
        #expect(page.contains("ĐẢNG BỘ XÃ MƯỜNG BẰNG") && page.contains("Nhà văn hóa bản &lt;Bó&gt;"))
        #expect(page.contains("Bắt đầu lúc 19 giờ 30 phút") && page.contains("kết thúc lúc 21 giờ 30 phút"))
        #expect(page.contains("Quàng Văn Ệ – ốm") && page.contains("<li>Lò Văn Hạnh</li>"))
        #expect(page.contains("Đánh giá tháng 2") && page.contains("Đồng chí Tòng Văn Hạnh: Đề nghị sửa đường"))
        #expect(page.contains("<td>Tòng Văn Hạnh</td><td>30/04/2026</td>"))
        #expect(page.contains("Kết luận &amp; giao việc") && page.contains("đã được đọc lại và thông qua"))
        #expect(!page.contains("m-1") && !page.contains("ou-bo"))
    }
}

/// Structural checks of the overview page, shared with the end-to-end test.
enum HTMLChecks {
    /// Parses the page as XML and checks the three charts and one table row per flag.
    static func check(_ page: String, flags: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let collector = ElementCollector()
        let parser = XMLParser(data: Data(page.utf8))
        parser.delegate = collector
        let wellFormed = parser.parse()
        #expect(
            wellFormed,
            "not well-formed: \(parser.parserError.map { "\($0)" } ?? "")",
            sourceLocation: sourceLocation
        )
        #expect(page.hasPrefix("<!DOCTYPE html>"), sourceLocation: sourceLocation)
        for id in ["chart-attendance", "chart-grading", "chart-flags"] {
            #expect(collector.svgIDs.contains(id), "missing \(id)", sourceLocation: sourceLocation)
        }
        #expect(collector.flagRows == flags, sourceLocation: sourceLocation)
        #expect(collector.elements["rect", default: 0] > 0, sourceLocation: sourceLocation)
    }

    final class ElementCollector: NSObject, XMLParserDelegate {
        var svgIDs: Set<String> = []
        var flagRows = 0
        var elements: [String: Int] = [:]

        func parser(
            _ parser: XMLParser,
            didStartElement elementName: String,
            namespaceURI: String?,
            qualifiedName qName: String?,
            attributes attributeDict: [String: String] = [:]
        ) {
            elements[elementName, default: 0] += 1
            if elementName == "svg", let id = attributeDict["id"] { svgIDs.insert(id) }
            if elementName == "tr", attributeDict["class"] == "flag" { flagRows += 1 }
        }
    }
}
