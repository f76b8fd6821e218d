import ChiboTesting
import Foundation
import Testing

/// The built `chibo-import` on files as communes keep them: a clerk's workbook imported without
/// touching it, reject files that reopen where the input came from, the offline check, TCVN3
/// cells, warnings and `--strict`, and what the summary says when the server is gone.
@Suite(.serialized) struct SpreadsheetTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/xlsx")
    static let clerkRoster = fixtures.appendingPathComponent("clerk-roster.xlsx").path

    @Test func aClerksWorkbookImportsAndItsRejectsReopenInExcel() throws {
        let server = try ImportServer()
        defer { server.stop() }
        let rejects = server.folder.appendingPathComponent("loi.csv").path
        let summary = server.folder.appendingPathComponent("summary.json").path
        let result = try server.chiboImport([
            Self.clerkRoster, "--entity", "members", "--reject-file", rejects, "--lang", "vi", "--summary-json",
            summary,
        ])
        #expect(result.status == 1, "\(result.stderr)")
        // Rows 6, 7 and 9 (its TCVN3 name converted); row 10 made official too early, row 11 a
        // date that does not exist.
        #expect(try server.memberCards() == ["01012345", "01012346", "01012347"])
        #expect(result.stderr.contains("5 rows read: 3 inserted, 0 updated, 0 skipped, 2 rejected"))
        #expect(result.stderr.contains("refused by kind: bad_date 1, invalid 1"))
        #expect(result.stderr.contains("1 warnings: legacy_text_converted 1"))
        let names = try server.chibo(["members", "list", "-o", "json", "--limit", "0"]).stdout
        #expect(names.contains("Lò Văn Đông"))

        // The reject file: UTF-8 with a byte order mark and CRLF (Excel opens it as UTF-8), the
        // header as read, the rows as read, the column as headed, the reason in Vietnamese.
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: rejects)))
        #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF]))
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        #expect(
            lines[0]
                == "STT,Họ và tên,Ngày sinh,Số thẻ đảng viên,Ngày vào Đảng Dự bị,Ngày vào Đảng Chính thức,Chi bộ,"
                + "Cột lỗi,Lý do"
        )
        #expect(
            lines[1].hasPrefix(
                "4,Cầm Văn Sớm,29/02/1992,01012348,02/06/2015,04/01/2016,MB-BO,Ngày vào Đảng Chính thức,"
            )
        )
        #expect(lines[1].contains("Dòng 10: Giá trị không hợp lệ"))
        #expect(lines[1].contains("probation lasts 12 months"))
        #expect(lines[2].hasPrefix("5,Hà Thị Ngày Sai,31/02/1990,01012349,02/06/2015,02/06/2016,MB-BO,Ngày sinh,"))
        #expect(lines[2].contains("[bad_date]"))
        #expect(lines.count == 4 && lines[3].isEmpty)

        // The warnings file beside it.
        let warnings = try String(
            contentsOfFile: server.folder.appendingPathComponent("loi-warnings.csv").path,
            encoding: .utf8
        )
        #expect(warnings.contains("9,Họ và tên,Lß V¨n §«ng,Lò Văn Đông,"))
        let object = try jsonObject(summary)
        #expect(object["warnings"] as? Int == 1)
        #expect((object["rejected_by_kind"] as? [String: Int]) == ["bad_date": 1, "invalid": 1])
    }

    @Test func strictRefusesTheRowWithAWarning() throws {
        let result = try Executables.run(
            "chibo-import",
            ["check", Self.clerkRoster, "--entity", "members", "--strict"],
            environment: [:]
        )
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("legacy_text_converted 1"))
        #expect(result.stderr.contains("refused under --strict"))
    }

    @Test func aSemicolonFileWithABOMGetsItsRowsBackByteForByte() throws {
        let server = try ImportServer()
        defer { server.stop() }
        // Excel on a Vietnamese Windows: BOM, CRLF, semicolons, cells with trailing spaces.
        let original = [
            "STT;Số thẻ đảng viên;Họ và tên;Ngày vào Đảng;Ngày chính thức;Chi bộ",
            "1;10000001;Lò Văn Một  ;01/02/2010;01/02/2011;MB-BO",
            "2;10000001;\"Lò Văn; Lặp\" ;01/02/2010;01/02/2011;MB-BO",
            "3;10000003;Cầm Văn Ba;01/02/2010;01/02/2011;XX-KHONG",
            "4;10000004;Hà Văn Sớm;01/06/2015;04/01/2016;MB-BO",
        ]
        let bytes = [0xEF, 0xBB, 0xBF] + Array(original.joined(separator: "\r\n").utf8) + [0x0D, 0x0A]
        let file = try writeFile("ds.csv", bytes)
        let rejects = server.folder.appendingPathComponent("loi.csv").path
        let result = try server.chiboImport([file, "--entity", "members", "--reject-file", rejects])
        #expect(result.status == 1, "\(result.stderr)")
        let written = [UInt8](try Data(contentsOf: URL(fileURLWithPath: rejects)))
        #expect(written.starts(with: [0xEF, 0xBB, 0xBF]))
        let lines = String(decoding: written.dropFirst(3), as: UTF8.self).components(separatedBy: "\r\n")
        #expect(lines[0] == original[0] + ";Column at fault;Reason")
        // Each row exactly as written, then the column as headed in the file and the reason.
        #expect(lines[1].hasPrefix(original[2] + ";Số thẻ đảng viên;row 3: "))
        #expect(lines[1].hasSuffix("[duplicate_in_import]"))
        #expect(lines[2].hasPrefix(original[3] + ";Chi bộ;row 4: "))
        #expect(lines[3].hasPrefix(original[4] + ";Ngày chính thức;row 5: "))
        #expect(lines.count == 5 && lines[4].isEmpty)
    }

    @Test func aWindows1258FileGetsAWindows1258RejectFile() throws {
        let server = try ImportServer()
        defer { server.stop() }
        // "Số thẻ,Họ và tên,Chi bộ" and a row of an unknown cell, in windows-1258.
        let header: [UInt8] =
            [0x53, 0xF4, 0xEC, 0x20, 0x74, 0x68, 0xEA, 0xD2] + Array(",H".utf8) + [0x6F, 0xF2]
            + Array(" v".utf8) + [0xE0] + Array(" t".utf8) + [0xEA] + Array("n,Chi b".utf8) + [0xF4, 0xF2]
        let row = Array("01,L".utf8) + [0xF2] + Array(",XX".utf8)
        let file = try writeFile("cp1258.csv", header + [0x0D, 0x0A] + row + [0x0D, 0x0A])
        let rejects = server.folder.appendingPathComponent("loi.csv").path
        let result = try server.chiboImport([
            file, "--entity", "members", "--encoding", "windows-1258", "--reject-file", rejects, "--lang", "vi",
        ])
        #expect(result.status == 1, "\(result.stderr)")
        let written = [UInt8](try Data(contentsOf: URL(fileURLWithPath: rejects)))
        // No byte order mark, the header and the row as written, the added Vietnamese in
        // windows-1258 ("Cột lỗi": C, ô, combining dot below, t).
        #expect(written.starts(with: header + Array(",C".utf8) + [0xF4, 0xF2, 0x74]))
        #expect(String(validating: written, as: UTF8.self) == nil)
        let rowStart = try #require(written.firstRange(of: [0x0D, 0x0A])).upperBound
        #expect(Array(written[rowStart...]).starts(with: row + Array(",Chi b".utf8) + [0xF4, 0xF2, 0x2C]))
    }

    @Test func theOfflineCheckNeedsNoServerAndGroupsErrorsByKind() throws {
        let file = try writeFile(
            "ds.csv",
            Array(
                """
                Số thẻ đảng viên,Họ và tên,Ngày sinh,Ngày vào Đảng,Ngày chính thức,Chi bộ
                10000001,Lò Văn Một,01/02/1980,01/02/2010,01/02/2011,MB-BO
                10000001,Lò Văn Lặp,01/02/1980,01/02/2010,01/02/2011,MB-BO
                10000003,Cầm Văn Ba,31/02/1980,01/02/2010,01/02/2011,MB-BO
                10000004,Hà Văn Bốn,32/01/1980,01/02/2010,01/02/2011,MB-BO
                10000005,Hà Văn Sớm,01/02/1980,01/06/2015,04/01/2016,MB-BO

                """.utf8
            )
        )
        let folder = temporaryFolder("chibo-import")
        let rejects = folder.appendingPathComponent("loi.csv").path
        let summary = folder.appendingPathComponent("summary.json").path
        // No server, no token: a port nothing listens on, to show it is never asked.
        let result = try Executables.run(
            "chibo-import",
            ["check", file, "--entity", "members", "--reject-file", rejects, "--summary-json", summary],
            environment: ["CHIBO_SERVER": "127.0.0.1:1"]
        )
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("5 rows read, 1 records pass, 4 rows refused"))
        #expect(result.stderr.contains("refused by kind: bad_date 2, duplicate_in_import 1, invalid 1"))
        let codes = try EndToEndTests.rejectCodes(rejects)
        #expect(codes == [3: "duplicate_in_import", 4: "bad_date", 5: "bad_date", 6: "invalid"])
        let text = try String(contentsOfFile: rejects, encoding: .utf8)
        #expect(text.contains(",Số thẻ đảng viên,row 3: "))
        #expect(text.contains(",Ngày chính thức,row 6: probation lasts 12 months"))
        #expect(try jsonObject(summary)["status"] as? String == "checked")

        let clean = try writeFile("ok.csv", Array("Số thẻ đảng viên,Họ và tên,Chi bộ\n01,A,MB-BO\n".utf8))
        let ok = try Executables.run("chibo-import", ["check", clean, "--entity", "members"], environment: [:])
        #expect(ok.status == 0, "\(ok.stderr)")

        let broken = try writeFile("x.csv", Array("a,b\n\"1,2\n".utf8))
        let failed = try Executables.run("chibo-import", ["check", broken, "--entity", "members"], environment: [:])
        #expect(failed.status == 3, "\(failed.stderr)")
    }

    @Test func theCheckReadsAWorkbookAndRefusesHostileOnes() throws {
        let result = try Executables.run(
            "chibo-import",
            ["check", Self.clerkRoster, "--entity", "members"],
            environment: [:]
        )
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("sheet \"Danh sách\""))
        #expect(result.stderr.contains("header on row 4"))
        #expect(result.stderr.contains("5 rows read, 3 records pass, 2 rows refused"))

        let other = try Executables.run(
            "chibo-import",
            ["check", Self.clerkRoster, "--entity", "members", "--sheet", "Không có"],
            environment: [:]
        )
        #expect(other.status == 3)
        #expect(other.stderr.contains("no_sheet"))

        let bomb = try workbookFile("bomb")
        let refused = try Executables.run("chibo-import", ["check", bomb, "--entity", "members"], environment: [:])
        #expect(refused.status == 3)
        #expect(refused.stderr.contains("200 times its compressed size"), "\(refused.stderr)")
        #expect(refused.stderr.contains("[too_large]"))
    }

    @Test func aSheetOfAHundredThousandRowsIsCheckedInFlatMemory() throws {
        let sheet = try workbookFile("openpyxl-large", "100000")
        let small = try workbookFile("openpyxl-large", "1000")
        func peak(_ path: String, rows: Int) throws -> Int {
            let summary = temporaryFolder("chibo-import").appendingPathComponent("summary.json").path
            let result = try Executables.run(
                "chibo-import",
                ["check", path, "--entity", "members", "--summary-json", summary],
                environment: [:]
            )
            #expect(result.status == 0, "\(result.stderr)")
            let object = try jsonObject(summary)
            #expect(object["read"] as? Int == rows)
            return object["peak_memory_kb"] as? Int ?? 0
        }
        let large = try peak(sheet, rows: 100_000)
        let base = try peak(small, rows: 1_000)
        // A hundred times the rows: memory grows by what the duplicate-card set holds (a key per
        // row), not by the sheet.
        #expect(large > 0 && large < base + 64 * 1024, "peak \(large) kB for 100,000 rows, \(base) kB for 1,000")
    }

    @Test func nothingCommittedMeansNoResumeCommand() throws {
        let file = try rosterFile(count: 3)
        // A port nothing listens on: the connection fails before any batch.
        let result = try Executables.run(
            "chibo-import",
            [file, "--entity", "members", "--server", "127.0.0.1:1", "--token", "chibo_x"],
            environment: [:]
        )
        #expect(result.status == 3, "\(result.stderr)")
        #expect(!result.stderr.contains("resume with"), "\(result.stderr)")
        #expect(result.stderr.contains("nothing was committed") || result.stderr.contains("cannot"), "\(result.stderr)")
    }

    @Test func aTokenThatMayNotImportIsToldSoWithoutAResumeCommand() throws {
        let server = try ImportServer()
        defer { server.stop() }
        let viewer = try LaunchedServer.makeToken(
            db: server.folder.appendingPathComponent("chibo.sqlite").path,
            role: "viewer",
            scope: "MB-BO",
            name: "viewer-bo"
        )
        let file = try rosterFile(count: 3)
        let result = try server.chiboImport([file, "--entity", "members"], environment: ["CHIBO_TOKEN": viewer])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("PERMISSION_DENIED"), "\(result.stderr)")
        // Resuming with the same token gets no further: the clerk is told what to change.
        #expect(!result.stderr.contains("resume with"), "\(result.stderr)")
        #expect(result.stderr.contains("a token that may import"), "\(result.stderr)")
    }

    @Test func aServerKilledMidImportIsNotReportedAsNothingCommitted() async throws {
        let server = try ImportServer()
        defer { server.stop() }
        let file = try rosterFile(count: 30_000)
        let id = UUID().uuidString.lowercased()
        let arguments = [file, "--entity", "members", "--batch-size", "100", "--import-id", id]
        let started = try Executables.start("chibo-import", arguments, environment: server.environment)
        try? await waitUntil("five committed batches", every: .milliseconds(50)) {
            try await server.status(id)?.lastBatch ?? 0 >= 5 || !started.process.isRunning
        }
        kill(server.process.processIdentifier, SIGKILL)
        let result = try started.result()
        #expect(result.status == 3, "\(result.stderr)")
        // The server cannot say what it committed: the client says so, not "batch 0".
        #expect(!result.stderr.contains("committed through batch 0"), "\(result.stderr)")
        #expect(result.stderr.contains("did not answer to say what it committed"), "\(result.stderr)")
        #expect(result.stderr.contains("resume with: "), "\(result.stderr)")
    }
}

/// A workbook written by Tests/fixtures/xlsx/make_workbooks.py (a Python with openpyxl:
/// `CHIBO_PYTHON`, else `.venv-tools`, which tools/test makes).
func workbookFile(_ kind: String, _ arguments: String...) throws -> String {
    let root = SpreadsheetTests.fixtures.deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let python =
        ProcessInfo.processInfo.environment["CHIBO_PYTHON"].flatMap { $0.isEmpty ? nil : $0 }
        ?? root.appendingPathComponent(".venv-tools/bin/python").path
    let out = temporaryFolder("chibo-import").appendingPathComponent("\(kind).xlsx").path
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments =
        [SpreadsheetTests.fixtures.appendingPathComponent("make_workbooks.py").path, kind, out] + arguments
    try process.run()
    process.waitUntilExit()
    try #require(process.terminationStatus == 0, "make_workbooks.py \(kind): run tools/test for openpyxl")
    return out
}

/// Org changes in a file: merges, moves and splits sent as the server's own calls.
@Suite(.serialized) struct OrgChangeFileTests {
    @Test func aRestructuringIsOneImport() throws {
        let server = try ImportServer()
        defer { server.stop() }
        let created = try server.chibo([
            "units", "create", "--name", "Đảng bộ xã Chiềng Mung", "--code", "CM", "--kind", "commune",
        ])
        #expect(created.status == 0, "\(created.stderr)")
        let file = try writeFile(
            "sap-nhap.csv",
            Array(
                """
                Thay đổi,Đơn vị,Hợp nhất vào,Tách từ,Chuyển về,Ngày hiệu lực,Tên đơn vị mới
                hợp nhất,MB-BO,MB-BOPH,,,01/07/2025,Chi bộ bản Bó - Phiêng
                sáp nhập,MB-PH,MB-BOPH,,,01/07/2025,
                chuyển,MB-BOPH,,,CM,01/08/2025,
                chia tách,MB-A,,MB-BOPH,,01/09/2025,Chi bộ A
                chia tách,MB-B,,MB-BOPH,,01/09/2025,Chi bộ B
                chuyển,MB-KHONG,,,CM,01/08/2025,
                chuyển,MB-BO,,,CM,31/02/2025,

                """.utf8
            )
        )
        let offline = try Executables.run(
            "chibo-import",
            ["check", file, "--entity", "org_changes"],
            environment: ["CHIBO_SERVER": "127.0.0.1:1"]
        )
        #expect(offline.status == 1, "\(offline.stderr)")
        #expect(offline.stderr.contains("refused by kind: bad_date 1"), "\(offline.stderr)")

        let id = UUID().uuidString.lowercased()
        let rejects = server.folder.appendingPathComponent("loi.csv").path
        let result = try server.chiboImport([
            file, "--entity", "org_changes", "--import-id", id, "--reject-file", rejects,
        ])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("merged MB-BO, MB-PH into MB-BOPH from 01/07/2025"), "\(result.stderr)")
        #expect(result.stderr.contains("moved MB-BOPH under CM from 01/08/2025"), "\(result.stderr)")
        #expect(result.stderr.contains("split MB-BOPH into MB-A, MB-B from 01/09/2025"), "\(result.stderr)")
        #expect(result.stderr.contains("7 rows read as 4 changes: 3 applied, 2 rows refused"), "\(result.stderr)")
        let codes = try EndToEndTests.rejectCodes(rejects)
        #expect(codes == [7: "unknown_unit", 8: "bad_date"])
        let text = try String(contentsOfFile: rejects, encoding: .utf8)
        #expect(text.contains("chuyển,MB-KHONG,,,CM,01/08/2025,,Đơn vị,row 7: no unit has the code MB-KHONG"))

        let units = try server.chibo(["units", "get", "MB-A", "-o", "json"])
        #expect(units.status == 0, "\(units.stderr)")
        #expect(units.stdout.contains("Chi bộ A"))

        // The same file again with the same id: every change is a replay, nothing is made twice.
        let again = try server.chiboImport([file, "--entity", "org_changes", "--import-id", id])
        #expect(again.status == 1, "\(again.stderr)")
        let list = try server.chibo(["units", "list", "-o", "json", "--limit", "0"])
        let all = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(all.filter { $0["code"] as? String == "MB-A" }.count == 1, "\(list.stdout)")
        #expect(all.filter { $0["code"] as? String == "MB-BOPH" }.count == 1, "\(list.stdout)")
    }
}

extension OrgChangeFileTests {
    /// An officer of one commune cannot move its cell under another commune, nor merge a unit of
    /// another commune into its own: the calls are judged on their effects, as for `chibo units`.
    @Test func anOfficerCannotRestructureOutsideItsCommune() throws {
        let server = try ImportServer()
        defer { server.stop() }
        func create(_ arguments: [String]) throws -> String {
            let result = try server.chibo(["units", "create"] + arguments + ["-o", "json"])
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            return try #require(object?["id"] as? String, "\(result.stderr)")
        }
        let commune = try create(["--name", "Đảng bộ xã Chiềng Mung", "--code", "CM", "--kind", "commune"])
        let mung = try create(["--name", "Chi bộ bản Mung", "--code", "CM-MUNG", "--kind", "cell", "--parent", commune])
        let officer = try LaunchedServer.makeToken(
            db: server.folder.appendingPathComponent("chibo.sqlite").path,
            role: "officer",
            scope: server.unitIDs["MB"],
            name: "can-bo-mb"
        )
        let file = try writeFile(
            "thay-doi.csv",
            Array(
                """
                Thay đổi,Đơn vị,Hợp nhất vào,Chuyển về,Ngày hiệu lực
                chuyển,MB-BO,,CM,01/08/2025
                hợp nhất,CM-MUNG,MB-PH,,01/08/2025

                """.utf8
            )
        )
        let result = try server.chiboImport(
            [file, "--entity", "org_changes"],
            environment: ["CHIBO_TOKEN": officer]
        )
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("2 rows refused"), "\(result.stderr)")
        #expect(!result.stderr.contains("moved MB-BO"), "\(result.stderr)")
        // Nothing changed: the cell is still under Mường Bằng, the other commune's cell still there.
        let cell = try server.chibo(["units", "get", server.unitIDs["MB-BO"] ?? "?", "-o", "json"])
        #expect(cell.stdout.contains(server.unitIDs["MB"] ?? "?"), "\(cell.stdout)")
        #expect(!cell.stdout.contains(commune), "\(cell.stdout)")
        let other = try server.chibo(["units", "get", mung, "-o", "json"])
        #expect(other.status == 0 && !other.stdout.contains("\"voided\" : true"), "\(other.stdout)")
    }
}

/// A meeting log whose category column disagrees with the roster: stored as Chibo derives it and
/// reported, or refused under `--strict`.
@Suite(.serialized) struct DerivedColumnTests {
    @Test func aCategoryTheRosterContradictsIsAWarningOrUnderStrictARejection() throws {
        let server = try ImportServer()
        defer { server.stop() }
        let roster = try writeFile(
            "ds.csv",
            Array(
                """
                Số thẻ đảng viên,Họ và tên,Ngày vào Đảng,Ngày chính thức,Chi bộ
                01012345,Lò Văn Hạnh,19/05/2005,19/05/2006,MB-BO
                01012346,Quàng Thị Xuân,15/01/2010,15/01/2011,MB-BO

                """.utf8
            )
        )
        #expect(try server.chiboImport([roster, "--entity", "members"]).status == 0)
        func log(_ key: String) throws -> String {
            try writeFile(
                "hop-\(key).csv",
                Array(
                    """
                    Mã cuộc họp,Chi bộ,Ngày họp,Loại,Số thẻ đảng viên,Có mặt,Diện
                    \(key),MB-BO,03/03/2026,định kỳ,01012345,x,miễn sinh hoạt
                    \(key),MB-BO,03/03/2026,định kỳ,01012346,x,chính thức

                    """.utf8
                )
            )
        }
        let rejects = server.folder.appendingPathComponent("loi.csv").path
        let result = try server.chiboImport([try log("BO-1"), "--entity", "meetings", "--reject-file", rejects])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("1 warnings: category_differs 1"), "\(result.stderr)")
        let warnings = try String(
            contentsOfFile: server.folder.appendingPathComponent("loi-warnings.csv").path,
            encoding: .utf8
        )
        #expect(warnings.contains("2,Diện,exempt,official,"), "\(warnings)")

        let strict = try server.chiboImport([
            try log("BO-2"), "--entity", "meetings", "--strict", "--reject-file", rejects,
        ])
        #expect(strict.status == 1, "\(strict.stderr)")
        #expect(try EndToEndTests.rejectCodes(rejects) == [2: "category_differs"])
        #expect(try String(contentsOfFile: rejects, encoding: .utf8).contains(",Diện,\"row 2: "))
    }

    @Test func aCellOutsideTheTokensScopeGetsNoWarningThatNamesItsMembers() throws {
        let server = try ImportServer()
        defer { server.stop() }
        let roster = try writeFile(
            "ds-bo.csv",
            Array(
                """
                Số thẻ đảng viên,Họ và tên,Ngày vào Đảng,Ngày chính thức,Chi bộ
                01012345,Lò Văn Hạnh,19/05/2005,19/05/2006,MB-BO

                """.utf8
            )
        )
        #expect(try server.chiboImport([roster, "--entity", "members"]).status == 0)
        // An officer of bản Phiêng imports a log of bản Bó that says something about a member
        // of Bó: refused as out of scope, and no warning tells them what Chibo holds of him.
        let officer = try LaunchedServer.makeToken(
            db: server.folder.appendingPathComponent("chibo.sqlite").path,
            role: "officer",
            scope: "MB-PH",
            name: "officer-ph"
        )
        let log = try writeFile(
            "hop-bo-ph.csv",
            Array(
                """
                Mã cuộc họp,Chi bộ,Ngày họp,Loại,Số thẻ đảng viên,Có mặt,Diện
                BO-9,MB-BO,03/03/2026,định kỳ,01012345,x,miễn sinh hoạt

                """.utf8
            )
        )
        let rejects = server.folder.appendingPathComponent("loi-ph.csv").path
        let result = try server.chiboImport(
            [log, "--entity", "meetings", "--reject-file", rejects],
            environment: ["CHIBO_TOKEN": officer]
        )
        #expect(result.status == 1, "\(result.stderr)")
        #expect(!result.stderr.contains("category_differs"), "\(result.stderr)")
        #expect(!result.stderr.contains("Lò Văn Hạnh"), "\(result.stderr)")
        let warnings = server.folder.appendingPathComponent("loi-ph-warnings.csv").path
        let written = (try? String(contentsOfFile: warnings, encoding: .utf8)) ?? ""
        #expect(!written.contains("Lò Văn Hạnh") && !written.contains("official"), "\(written)")
        #expect(try String(contentsOfFile: rejects, encoding: .utf8).contains("BO-9"))
    }
}
