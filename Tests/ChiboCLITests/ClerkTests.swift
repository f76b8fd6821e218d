import ChiboTesting
import Foundation
import Testing

/// A commune clerk's month through the built `chibo`: records named by codes, card numbers and
/// names (never internal ids), corrections as verbs, history, minutes, pipes that close early
/// and scripts that read exit codes.
@Suite(.serialized) struct ClerkTests {
    /// A commune with two cells and four members in bản Bó, one meeting recorded.
    struct Fixture {
        var server: ServerProcess
    }

    static func fixture() throws -> Fixture {
        let server = try ServerProcess()
        _ = try server.ok(["units", "create", "--name", "Đảng bộ xã Mường Bằng", "--code", "MB", "--kind", "commune"])
        _ = try server.ok([
            "units", "create", "--name", "Chi bộ bản Bó", "--code", "MB-BO", "--kind", "cell", "--parent", "MB",
            "--meeting-day", "3",
        ])
        _ = try server.ok([
            "units", "create", "--name", "Chi bộ bản Phiêng", "--code", "MB-PH", "--kind", "cell", "--parent",
            "Đảng bộ xã Mường Bằng",
        ])
        for (name, card, admitted, official) in [
            ("Tòng Văn Hạnh", "0200101", "2005-01-01", "2006-01-01"),
            ("Lò Thị Ơn", "0200102", "2010-05-01", "2011-05-01"),
            ("Quàng Văn Ệ", "0200103", "2015-05-01", "2016-05-01"),
            ("Lò Văn Hạnh", "0200104", "2012-05-01", "2013-05-01"),
        ] {
            _ = try server.ok([
                "members", "create", "--name", name, "--cell", "MB-BO", "--card", card, "--admitted", admitted,
                "--official", official,
            ])
        }
        _ = try server.ok([
            "members", "create", "--name", "Lò Văn Hạnh", "--cell", "ban phieng", "--card", "0200201",
            "--admitted", "2011-01-01",
        ])
        _ = try server.ok([
            "meetings", "record", "--cell", "MB-BO", "--on", "2026-03-03", "--start", "19:30", "--end", "21:30",
            "--chair", "0200101", "--recorder", "lo thi on", "--rest", "present", "--supervisor", "Cầm Thị Hạnh",
            "--resolution", "Sửa đường nội bản|Tổ 1|2026-04-30",
        ])
        return Fixture(server: server)
    }

    /// Runs `chibo` with its standard output a pipe whose reading end is already closed: the
    /// first write fails with EPIPE (or would raise SIGPIPE).
    static func intoClosedPipe(_ server: ServerProcess, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = Executables.url("chibo")
        process.arguments = arguments
        process.environment = Executables.environment(["CHIBO_SERVER": server.address, "CHIBO_TOKEN": server.token])
        let pipe = Pipe()
        process.standardOutput = pipe
        let err = temporaryFolder("chibo-pipe").appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try pipe.fileHandleForReading.close()
        try process.run()
        try? pipe.fileHandleForWriting.close()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: try Data(contentsOf: err), as: UTF8.self))
    }

    /// Runs `chibo` with its standard output a pipe, reads one byte and closes the pipe, as
    /// `chibo … | head -c 1` does.
    static func firstByteThenClose(_ server: ServerProcess, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = Executables.url("chibo")
        process.arguments = arguments
        process.environment = Executables.environment(["CHIBO_SERVER": server.address, "CHIBO_TOKEN": server.token])
        let pipe = Pipe()
        process.standardOutput = pipe
        let err = temporaryFolder("chibo-pipe").appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? pipe.fileHandleForWriting.close()
        _ = try pipe.fileHandleForReading.read(upToCount: 1)
        try pipe.fileHandleForReading.close()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: try Data(contentsOf: err), as: UTF8.self))
    }

    @Test func everyListVerbEndsQuietlyIntoAClosedPipe() throws {
        let fixture = try Self.fixture()
        defer { fixture.server.stop() }
        let verbs: [[String]] = [
            ["units", "list"], ["members", "list"], ["members", "search", "hanh"], ["meetings", "list"],
            ["meetings", "get", "--cell", "MB-BO", "--on", "2026-03-03", "--attendance"], ["resolutions", "list"],
            ["evaluations", "list"], ["rules", "list"], ["changes"], ["audit", "list"],
            ["reports", "attendance", "--unit", "MB", "--year", "2026"],
            ["reports", "overview", "--unit", "MB", "--year", "2026"], ["reports", "due", "--unit", "MB"],
            ["history", "member", "0200101"], ["describe"], ["--help"],
        ]
        for verb in verbs {
            for format in ["json", "table", "csv", "yaml"] {
                let arguments = verb + (verb == ["--help"] ? [] : ["-o", format])
                let (closed, closedErr) = try Self.intoClosedPipe(fixture.server, arguments)
                #expect(closed == 0, "\(arguments) into a closed pipe: \(closed) \(closedErr)")
                #expect(closedErr.isEmpty, "\(arguments) into a closed pipe printed \(closedErr)")
                let (first, firstErr) = try Self.firstByteThenClose(fixture.server, arguments)
                #expect(first == 0, "\(arguments) | head -c 1: \(first) \(firstErr)")
                #expect(firstErr.isEmpty, "\(arguments) | head -c 1 printed \(firstErr)")
            }
        }
    }

    /// `--by commune` gives the commune's rows, `--by cell` the cells'; contradictory or unknown
    /// choices are refused before anything is asked of the server.
    @Test func attendanceByCommuneAndByCell() throws {
        let fixture = try Self.fixture()
        defer { fixture.server.stop() }
        let server = fixture.server
        func rows(_ arguments: [String]) throws -> [[String: String]] {
            let csv = try server.ok(
                ["reports", "attendance", "--year", "2026", "--period", "year", "-o", "csv"] + arguments
            )
            let lines = csv.split(separator: "\r\n").map {
                $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            }
            let header = try #require(lines.first)
            return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
        }
        let byCommune = try rows(["--unit", "MB", "--by", "commune"])
        let commune = try rows(["--unit", "MB"])
        #expect(byCommune.map { $0["unit_code"] } == ["MB"], "\(byCommune)")
        #expect(byCommune == commune, "\(byCommune) against \(commune)")
        #expect(commune.first?["meetings"] == "1", "\(commune)")
        let byCell = try rows(["--unit", "MB", "--by", "cell"])
        #expect(byCell.compactMap { $0["unit_code"] } == ["MB-BO", "MB-PH"], "\(byCell)")

        for (arguments, says) in [
            (["--unit", "MB", "--by", "ward"], "ward"),
            (["--year", "2026"], "--unit"),
            (["--unit", "MB", "--by", "commune", "--by-cell"], "--by-cell"),
        ] {
            let refused = try server.chibo(["reports", "attendance"] + arguments)
            #expect(refused.status == 2, "\(arguments): \(refused.stdout)")
            #expect(refused.stderr.contains(says), "\(arguments): \(refused.stderr)")
        }
    }

    @Test func scriptsGetOneClearLineAndTheFlagTheyGave() throws {
        let fixture = try Self.fixture()
        defer { fixture.server.stop() }
        let server = fixture.server
        let badDate = try server.chibo(["reports", "overview", "--unit", "MB", "--on", "2026-02-30"])
        #expect(badDate.status == 2)
        #expect(badDate.stderr.split(separator: "\n").count == 1, "\(badDate.stderr)")
        #expect(badDate.stderr.contains("--on") && badDate.stderr.contains("2026-02-30"))

        let noToken = try server.chibo(["members", "list", "--token", ""])
        #expect(noToken.status == 4, "--token \"\" falls back to CHIBO_TOKEN: \(noToken.stdout)")
        #expect(noToken.stderr.contains("UNAUTHENTICATED"))

        let chartJSON = try server.chibo(["reports", "attendance", "--unit", "MB", "--chart", "-o", "json"])
        #expect(chartJSON.status == 2)
        #expect(chartJSON.stderr.contains("--chart"))
        // Not a terminal and no -o: the chart is still a chart, not JSON.
        let chart = try server.ok(["reports", "attendance", "--unit", "MB", "--year", "2026", "--chart"])
        #expect(chart.contains("LOW MONTHS") && !chart.hasPrefix("["), "\(chart)")

        let csv = try server.ok(["meetings", "list", "--cell", "MB-BO", "-o", "csv"])
        let lines = csv.split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let header = try #require(lines.first).map(String.init)
        let row = try #require(lines.dropFirst().first).map(String.init)
        func value(_ key: String) -> String? { header.firstIndex(of: key).map { row[$0] } }
        #expect(value("start") == "19:30" && value("end") == "21:30", "\(csv)")
        #expect(value("present") == "4" && value("expected") == "4", "\(csv)")
        #expect(value("cell_code") == "MB-BO")
        #expect(!csv.contains("/4") && !csv.contains("–"))
    }

    @Test func unitsMembersAndMeetingsByTheNamesAClerkKnows() throws {
        let fixture = try Self.fixture()
        defer { fixture.server.stop() }
        let server = fixture.server
        // A unit by code in any case, or by its name without diacritics.
        #expect(try server.ok(["units", "get", "mb-bo", "-o", "json"]).contains("\"MB-BO\""))
        #expect(try server.ok(["units", "get", "ban phieng", "-o", "json"]).contains("\"MB-PH\""))
        // A member by card, or by a name typed without diacritics, unique in the cell.
        #expect(try server.ok(["members", "get", "0200102", "-o", "json"]).contains("Lò Thị Ơn"))
        #expect(try server.ok(["members", "get", "quang van e", "-o", "json"]).contains("Quàng Văn Ệ"))
        let inCell = try server.ok(["members", "get", "lo van hanh", "--cell", "MB-PH", "-o", "json"])
        #expect(inCell.contains("0200201"))
        // Two members of that name: both listed, exit 2.
        let ambiguous = try server.chibo(["members", "get", "lo van hanh"])
        #expect(ambiguous.status == 2)
        #expect(ambiguous.stderr.contains("0200104") && ambiguous.stderr.contains("0200201"), "\(ambiguous.stderr)")
        #expect(ambiguous.stderr.contains("MB-BO") && ambiguous.stderr.contains("MB-PH"))
        // Unknown: NOT_FOUND, never an empty success.
        for arguments in [
            ["members", "get", "Nguyễn Văn Không"], ["members", "list", "--cell", "nope"],
            ["meetings", "list", "--cell", "nope"], ["meetings", "get", "--cell", "MB-BO", "--on", "2026-03-04"],
            ["reports", "overview", "--unit", "nope"],
        ] {
            let result = try server.chibo(arguments)
            #expect(result.status == 69, "\(arguments): \(result.status) \(result.stdout)")
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.contains("NOT_FOUND"))
        }
        let typo = try server.chibo(["members", "list", "--cell", "MB-B0"])
        #expect(typo.stderr.contains("did you mean MB-BO"), "\(typo.stderr)")
        let verbTypo = try server.chibo(["memebrs", "list"])
        #expect(verbTypo.status == 2 && verbTypo.stderr.contains("did you mean 'members'"), "\(verbTypo.stderr)")
        // Shell completion offers the codes and card numbers the server has.
        let codes = try server.ok([
            "---completion", "reports", "overview", "--", "--unit", "3", "4", "chibo", "reports", "overview", "--unit",
            "MB-B",
        ])
        #expect(codes.split(separator: "\n") == ["MB-BO"], "\(codes)")
        let cards = try server.ok([
            "---completion", "meetings", "attendance", "--", "--member", "3", "6", "chibo", "meetings", "attendance",
            "--member", "020010",
        ])
        #expect(cards.split(separator: "\n").count == 4 && cards.contains("0200103"), "\(cards)")
        // Enum values in Vietnamese, with or without diacritics, or in English.
        for status in ["chính thức", "chinh thuc", "official"] {
            let listed = try server.ok(["members", "list", "--cell", "MB-BO", "--status", status, "-o", "json"])
            #expect(listed.contains("Tòng Văn Hạnh"), "--status \(status)")
        }
        // A meeting by its cell and day; tables show codes and card numbers, never internal ids.
        let table = try server.ok([
            "meetings", "get", "--cell", "MB-BO", "--on", "2026-03-03", "--attendance", "-o", "table",
        ])
        #expect(table.contains("0200101") && table.contains("Tòng Văn Hạnh"))
        for arguments in [
            ["members", "list", "-o", "table"], ["meetings", "list", "-o", "table"], ["units", "list", "-o", "table"],
            ["units", "get", "MB-BO", "-o", "table"],
            ["resolutions", "list", "-o", "table"],
            ["meetings", "get", "--cell", "MB-BO", "--on", "2026-03-03", "-o", "table"],
        ] {
            let text = try server.ok(arguments)
            #expect(!text.contains("ou-") && !text.contains("m-0") && !text.contains("mt-"), "\(arguments): \(text)")
        }
    }

    @Test func aSecretaryOpensHerCellByItsCodeAndNothingElse() throws {
        let fixture = try Self.fixture()
        defer { fixture.server.stop() }
        let server = fixture.server
        let secretary = try ServerProcess.makeToken(db: server.db, role: "secretary", scope: "MB-BO", name: "bo-sec")
        let env = ["CHIBO_TOKEN": secretary]
        let own = try server.chibo(
            ["reports", "overview", "--unit", "MB-BO", "--year", "2026", "-o", "json"],
            environment: env
        )
        #expect(own.status == 0, "\(own.stderr)")
        #expect(own.stdout.contains("Chi bộ bản Bó"))
        let byName = try server.chibo(["meetings", "list", "--cell", "ban bo", "-o", "json"], environment: env)
        #expect(byName.status == 0 && byName.stdout.contains("2026"), "\(byName.stderr)")
        // Another cell and a cell that does not exist get the same answer: no oracle.
        let other = try server.chibo(["reports", "overview", "--unit", "MB-PH"], environment: env)
        let unknown = try server.chibo(["reports", "overview", "--unit", "MB-XX"], environment: env)
        #expect(other.status == 69 && unknown.status == 69)
        #expect(
            other.stderr.replacing("MB-PH", with: "CODE") == unknown.stderr.replacing("MB-XX", with: "CODE"),
            "\(other.stderr) / \(unknown.stderr)"
        )
        // The secretary corrects an absence in her cell by card number.
        let corrected = try server.chibo(
            [
                "meetings", "attendance", "--cell", "MB-BO", "--on", "2026-03-03", "--member", "0200103", "--excused",
                "ốm", "-o", "json",
            ],
            environment: env
        )
        #expect(corrected.status == 0, "\(corrected.stderr)")
    }

    @Test func correctionsAreVerbsWithHistory() throws {
        let fixture = try Self.fixture()
        defer { fixture.server.stop() }
        let server = fixture.server
        let meeting = ["--cell", "MB-BO", "--on", "2026-03-03"]
        let dry = try server.chibo(
            ["meetings", "attendance"] + meeting + ["--member", "quang van e", "--excused", "ốm", "--dry-run"]
        )
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stderr.contains("dry run"))
        #expect(try server.ok(["history", "meeting"] + meeting + ["-o", "csv"]).split(separator: "\r\n").count == 2)

        _ = try server.ok(
            ["meetings", "attendance"] + meeting + ["--member", "0200104", "--excused", "ốm"]
        )
        _ = try server.ok(["meetings", "attendance"] + meeting + ["--member", "quang van e", "--unexcused"])
        let attendance = try server.ok(["meetings", "get"] + meeting + ["--attendance", "-o", "csv"])
        _ = try server.ok(["meetings", "attendance"] + meeting + ["--member", "lo thi on", "--spoke"])
        let attendance2 = try server.ok(["meetings", "get"] + meeting + ["--attendance", "-o", "csv"])
        let on = try #require(attendance2.split(separator: "\r\n").first { $0.contains("0200102") })
        #expect(on.contains("ATTENDANCE_STATE_PRESENT") && on.hasSuffix("true"), "\(on)")
        let lo = try #require(attendance.split(separator: "\r\n").first { $0.contains("0200104") })
        #expect(lo.contains("ATTENDANCE_STATE_ABSENT_EXCUSED") && lo.contains("ốm"), "\(lo)")
        #expect(attendance.contains("ATTENDANCE_STATE_ABSENT_UNEXCUSED"))
        // The chair cannot be absent: said with the chair's name, not an id.
        let chair = try server.chibo(["meetings", "attendance"] + meeting + ["--member", "0200101", "--unexcused"])
        #expect(chair.status == 67)
        #expect(chair.stderr.contains("Tòng Văn Hạnh") && !chair.stderr.contains("m-0"), "\(chair.stderr)")

        let history = try server.ok(["history", "meeting"] + meeting + ["-o", "csv"])
        let rows = history.split(separator: "\r\n")
        #expect(rows.count == 5, "\(history)")
        #expect(rows.dropFirst().allSatisfy { $0.contains("cli-test-admin") })
        let first = try server.ok(["meetings", "get"] + meeting + ["--revision", "1", "--attendance", "-o", "csv"])
        #expect(!first.contains("ABSENT"), "\(first)")

        _ = try server.ok(
            ["meetings", "resolution"] + meeting + ["--add", "Trồng cây", "--owner", "0200102", "--due", "2026-05-31"]
        )
        _ = try server.ok(
            [
                "resolutions", "update", "--cell", "MB-BO", "--on", "2026-03-03", "--number", "2", "--status",
                "đang thực hiện",
            ]
        )
        let resolutions = try server.ok(["resolutions", "list", "-o", "table"])
        #expect(resolutions.contains("in progress"), "\(resolutions)")
        #expect(resolutions.contains("Trồng cây") && resolutions.contains("Lò Thị Ơn"), "\(resolutions)")

        _ = try server.ok([
            "members", "event", "0200103", "--kind", "đi làm ăn xa", "--on", "2026-04-01", "--place", "Hà Nội",
        ])
        #expect(try server.ok(["members", "get", "0200103", "-o", "json"]).contains("MEMBER_STATUS_WORKING_AWAY"))

        _ = try server.ok(["evaluations", "create", "--member", "0200101", "--year", "2025", "--grade", "HTTNV"])
        _ = try server.ok([
            "evaluations", "update", "--member", "tong van hanh", "--year", "2025", "--grade", "excellent",
        ])
        let evaluation = try server.ok(["evaluations", "get", "--member", "0200101", "--year", "2025", "-o", "table"])
        #expect(evaluation.contains("0200101") && evaluation.contains("excellent") && !evaluation.contains("m-0"))
        #expect(try server.chibo(["evaluations", "get", "--member", "0200101", "--year", "2024"]).status == 69)
        _ = try server.ok(["members", "void", "lo van hanh", "--cell", "MB-PH", "--reason", "nhập trùng"])
        let voided = try server.chibo(["members", "get", "0200201", "-o", "table"])
        #expect(voided.status == 0)
        #expect(voided.stdout.contains("VOIDED: nhập trùng"), "\(voided.stdout)")
        #expect(voided.stderr.contains("voided"))
    }

    @Test func aMeetingAheadOfItsDayOrAnIncompleteListIsRefusedClearly() throws {
        let fixture = try Self.fixture()
        defer { fixture.server.stop() }
        let server = fixture.server
        let future = try server.chibo([
            "meetings", "record", "--cell", "MB-BO", "--on", "2099-03-03", "--rest", "present",
        ])
        #expect(future.status == 2)
        #expect(future.stderr.contains("--allow-future"), "\(future.stderr)")
        let early = try server.chibo([
            "meetings", "record", "--cell", "MB-BO", "--on", "2011-03-03", "--present", "0200103", "--partial",
        ])
        #expect(early.status == 2)
        #expect(early.stderr.contains("admitted on 2015-05-01"), "\(early.stderr)")
        let missing = try server.chibo([
            "meetings", "record", "--cell", "MB-BO", "--on", "2026-04-03", "--present", "0200101",
        ])
        #expect(missing.status == 2)
        let lines = missing.stderr.split(separator: "\n")
        #expect(lines.count == 4, "\(missing.stderr)")
        #expect(lines.dropFirst().allSatisfy { $0.count < 80 })
        #expect(missing.stderr.contains("0200102  Lò Thị Ơn"))
    }

    @Test func minutesPrintInTheSectionsOfABienBan() throws {
        let fixture = try Self.fixture()
        defer { fixture.server.stop() }
        let server = fixture.server
        let meeting = ["--cell", "MB-BO", "--on", "2026-03-03"]
        _ = try server.ok(["meetings", "attendance"] + meeting + ["--member", "0200103", "--excused", "ốm"])
        _ = try server.ok(["meetings", "attendance"] + meeting + ["--member", "0200104", "--unexcused"])
        let file = temporaryFolder("chibo-minutes").appendingPathComponent("bien-ban.html")
        _ = try server.ok(["meetings", "minutes"] + meeting + ["--html", file.path])
        let page = try String(contentsOf: file, encoding: .utf8)
        for section in [
            "thoi-gian", "thanh-phan", "co-mat", "vang-co-ly-do", "vang-khong-ly-do", "khach-moi",
            "noi-dung", "y-kien", "nghi-quyet", "chu-ky",
        ] {
            #expect(page.contains("id=\"\(section)\""), "section \(section)")
        }
        #expect(page.contains("BIÊN BẢN") && page.contains("CHI BỘ BẢN BÓ") && page.contains("19 giờ 30 phút"))
        #expect(page.contains("Chủ trì: đồng chí Tòng Văn Hạnh") && page.contains("Thư ký: đồng chí Lò Thị Ơn"))
        #expect(page.contains("Có mặt: 2") && page.contains("Quàng Văn Ệ – ốm") && page.contains("Lò Văn Hạnh</li>"))
        #expect(page.contains("class=\"supervisor\"") && page.contains("Cầm Thị Hạnh"))
        #expect(page.contains("Sửa đường nội bản") && page.contains("30/04/2026") && page.contains("Tổ 1"))
        #expect(page.contains("@media print") && page.contains("@page"))
        #expect(!page.contains("ou-") && !page.contains("m-0") && !page.contains("mt-"))
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}
