import ChiboCLI
import ChiboTesting
import Foundation
import Testing

/// `chibo reports`, `rules` and `evaluations` against a real `chibo-server`: each output format,
/// the terminal chart and the HTML overview.
@Suite(.serialized) struct ReportsEndToEndTests {
    @Test func reportsRulesEvaluationsAndTheOverviewPage() throws {
        let f = try EndToEndTests.fixture()
        defer { f.server.stop() }
        let server = f.server
        // Three months of meetings in bản Bó (February with an unexcused absence); none in Phiêng.
        for (day, unexcused) in [("2025-01-03", false), ("2025-02-03", true), ("2025-03-03", false)] {
            var arguments = [
                "meetings", "record", "--cell", f.cell, "--on", day, "--start", "19:00", "--end", "21:00", "--rest",
                "present",
            ]
            if unexcused { arguments += ["--unexcused", f.e] }
            _ = try server.ok(arguments)
        }
        let rows = try #require(
            try EndToEndTests.json(
                server.ok([
                    "reports", "attendance", "--unit", f.commune, "--from", "2025-01-01", "--to", "2025-03-31",
                    "--by-cell", "-o", "json",
                ])
            ) as? [[String: Any]]
        )
        let february = try #require(
            rows.first {
                ($0["unitId"] as? String) == f.cell && (($0["period"] as? [String: Any])?["index"] as? Int) == 2
            }
        )
        #expect(february["absentUnexcused"] as? Int == 1)
        // --unit takes the unit's code as well as its id; a name that is neither is NOT_FOUND.
        let byCode = try EndToEndTests.json(
            server.ok([
                "reports", "attendance", "--unit", "MB", "--from", "2025-01-01", "--to", "2025-03-31", "--by-cell",
                "-o", "json",
            ])
        )
        #expect((byCode as? [[String: Any]])?.count == rows.count)
        let unknown = try server.chibo(["reports", "overview", "--unit", "NO-SUCH-UNIT", "--year", "2025"])
        #expect(unknown.status == 64 + 5, "\(unknown.stderr)")
        #expect(unknown.stderr.contains("NO-SUCH-UNIT"))
        let chart = try server.ok([
            "reports", "attendance", "--unit", f.commune, "--from", "2025-01-01", "--to", "2025-03-31", "--chart", "-o",
            "table",
        ])
        #expect(chart.contains("Chi bộ bản Bó") && chart.contains("█") && chart.contains("LOW MONTHS"), "\(chart)")
        let regularity = try server.ok([
            "reports", "regularity", "--unit", f.commune, "--from", "2025-01-01", "--to", "2025-03-31", "-o", "csv",
        ])
        #expect(regularity.hasPrefix("kind,unit_code,unit_name,party_card_number,member_name,period,on,detail\r\n"))
        #expect(regularity.contains("MB-BO,Chi bộ bản Bó") && !regularity.contains("ou-"), "\(regularity)")
        #expect(regularity.contains("FLAG_KIND_MISSED_REGULAR_MEETING"))
        for report in [
            ["reports", "absences", "--unit", f.commune, "--year", "2025"],
            ["reports", "participation", "--unit", f.commune, "--year", "2025"],
            ["reports", "due", "--unit", f.commune, "--on", "2025-12-31"],
        ] {
            for format in ["table", "json", "csv", "yaml"] { _ = try server.ok(report + ["-o", format]) }
        }

        // Rules seeded by the server, and evaluations.
        let rules = try #require(
            try EndToEndTests.json(server.ok(["rules", "list", "-o", "json"])) as? [[String: Any]]
        )
        #expect(!rules.isEmpty)
        let resolved = try server.ok(["rules", "resolve", "--unit", f.cell, "--on", "2025-06-01", "-o", "yaml"])
        #expect(resolved.contains("effective:") && resolved.contains("goodAttendanceBp:"))
        let evaluation = try server.createdID([
            "evaluations", "create", "--member", f.hanh, "--year", "2025", "--grade", "excellent",
        ])
        _ = try server.ok(["evaluations", "create", "--member", f.on, "--year", "2025", "--grade", "good"])
        _ = try server.ok([
            "evaluations", "create", "--unit", f.cell, "--year", "2025", "--grade", "good", "--clean-and-strong",
        ])
        _ = try server.ok(["evaluations", "update", evaluation, "--note", "quyết định 12-QĐ/ĐU"])
        let evaluations = try server.ok(["evaluations", "list", "--year", "2025", "-o", "csv"])
        #expect(evaluations.split(separator: "\r\n").count == 4)
        let grading = try server.ok(["reports", "grading", "--unit", f.commune, "--year", "2025", "-o", "table"])
        #expect(grading.contains("MEMBERS EXCELLENT"))

        // The overview as a table, JSON, CSV and an HTML page.
        let overviewArguments = ["reports", "overview", "--unit", f.commune, "--year", "2025", "--on", "2025-12-31"]
        let table = try server.ok(overviewArguments + ["-o", "table", "--lang", "vi"])
        #expect(table.contains("Tổng quan: Đảng bộ xã Mường Bằng – 2025") && table.contains("Cảnh báo"))
        let overview = try #require(
            try EndToEndTests.json(server.ok(overviewArguments + ["-o", "json"])) as? [String: Any]
        )
        #expect(overview["cells"] as? Int == 2 && overview["members"] as? Int == 3)
        let flags = (overview["flags"] as? [Any])?.count ?? 0
        #expect(flags > 0)
        let csv = try server.ok(overviewArguments + ["-o", "csv"])
        #expect(csv.hasPrefix("section,name,value\r\n") && csv.contains("summary,cells,2\r\n"))
        let page = temporaryFolder().appendingPathComponent("overview.html")
        let written = try server.chibo(overviewArguments + ["--html", page.path])
        #expect(written.status == 0 && written.stdout.isEmpty && written.stderr.contains("wrote"))
        let html = try String(contentsOf: page, encoding: .utf8)
        try HTMLChecks.check(html, flags: flags)
        #expect(html.contains("Chi bộ bản Bó") && html.contains("Chi bộ bản Phiêng"))
        // The page names members and flags them: readable by its owner only, also when it
        // overwrites a page that was readable by others.
        func mode() throws -> Int? {
            try FileManager.default.attributesOfItem(atPath: page.path)[.posixPermissions] as? Int
        }
        #expect(try mode() == 0o600)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: page.path)
        #expect(try server.chibo(overviewArguments + ["--html", page.path]).status == 0)
        #expect(try mode() == 0o600)
        try HTMLChecks.check(try String(contentsOf: page, encoding: .utf8), flags: flags)
    }
}
