import ChiboClient
import ChiboModel
import ChiboTesting
import Foundation
import Testing

/// The built `chibo-import` against a real `chibo-server` on loopback: bad rows in the reject
/// file, dry runs, resuming after a kill, the error limit and flat memory.
@Suite(.serialized) struct EndToEndTests {
    /// Reject file rows by number: row → code.
    static func rejectCodes(_ path: String) throws -> [Int: String] {
        var codes: [Int: String] = [:]
        for fields in try csvRecords(path).dropFirst() {
            // Original cells, then the column at fault and the reason, "row N: … [code]".
            if let reason = fields.last, let (row, code) = parseReason(reason) { codes[row] = code }
        }
        return codes
    }

    /// The row and code of a reject file's reason, `row 7: … [bad_date]`.
    static func parseReason(_ reason: String) -> (Int, String)? {
        guard reason.hasPrefix("row "), let colon = reason.firstIndex(of: ":"),
            let row = Int(reason[reason.index(reason.startIndex, offsetBy: 4)..<colon]),
            let open = reason.lastIndex(of: "["), reason.hasSuffix("]")
        else { return nil }
        return (row, String(reason[reason.index(after: open)..<reason.index(before: reason.endIndex)]))
    }

    @Test func eachKindOfBadRowIsRefusedWithItsCodeWhileTheGoodRowsAreStored() throws {
        let server = try ImportServer()
        defer { server.stop() }
        var bytes = Array(
            """
            Số thẻ đảng viên,Họ và tên,Giới tính,Ngày sinh,Chi bộ
            10000001,Lò Văn Một,Nam,01/02/1980,MB-BO
            10000002,Lò Thị Hai,Nữ,31/02/1980,MB-BO
            10000003,Cầm Văn Ba,Nam,01/02/1980,XX-KHONG
            10000001,Lò Văn Một Lần Nữa,Nam,01/02/1980,MB-BO
            ,Không Có Số,Nam,01/02/1980,MB-BO
            10000006,Hà Văn Sáu,Khác lạ,01/02/1980,MB-BO
            10000007,Hà Văn\u{20}
            """.utf8
        )
        bytes += [0xC3, 0x28]  // invalid UTF-8 in the name
        bytes += Array(",Nam,01/02/1980,MB-BO\n10000008,Quàng Thị Tám,Nữ,03/04/1985,MB-PH\n".utf8)
        let file = try writeFile("roster.csv", bytes)
        let rejects = server.folder.appendingPathComponent("rejects.csv").path
        // An existing reject file is truncated and made private.
        _ = FileManager.default.createFile(
            atPath: rejects,
            contents: Data("old".utf8),
            attributes: [.posixPermissions: 0o644]
        )
        let summary = server.folder.appendingPathComponent("summary.json").path
        let result = try server.chiboImport([
            file, "--entity", "members", "--on-conflict", "fail", "--reject-file", rejects, "--summary-json", summary,
        ])
        #expect(result.status == 1, "\(result.stderr)")
        let codes = try Self.rejectCodes(rejects)
        #expect(codes[3] == "bad_date")
        #expect(codes[4] == "unknown_unit")
        // A card repeated within the file: the second row is refused, not an update.
        #expect(codes[5] == "duplicate_in_import", "\(codes)")
        #expect(codes[6] == "missing_required")
        #expect(codes[7] == "unknown_value")
        #expect(codes[8] == "bad_encoding")
        #expect(codes.count == 6)
        // Rows byte for byte: the invalid UTF-8 of row 8 is kept as it was.
        let written = try Data(contentsOf: URL(fileURLWithPath: rejects))
        #expect(written.firstRange(of: Data([0x56, 0xC4, 0x83, 0x6E, 0x20, 0xC3, 0x28])) != nil)
        let text = String(decoding: written, as: UTF8.self)
        #expect(text.hasPrefix("Số thẻ đảng viên,Họ và tên,Giới tính,Ngày sinh,Chi bộ,Column at fault,Reason\n"))
        #expect(text.contains("10000003,Cầm Văn Ba,Nam,01/02/1980,XX-KHONG,Chi bộ,row 4: "))
        // The duplicate card names the card's column, as the header wrote it.
        #expect(text.contains("10000001,Lò Văn Một Lần Nữa,Nam,01/02/1980,MB-BO,Số thẻ đảng viên,\"row 5: "))
        let mode = try FileManager.default.attributesOfItem(atPath: rejects)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let object = try jsonObject(summary)
        #expect(object["read"] as? Int == 8)
        #expect(object["inserted"] as? Int == 2)
        #expect(object["rejected"] as? Int == 6)
        #expect(object["status"] as? String == "completed")
        #expect(result.stderr.contains("8 rows read: 2 inserted, 0 updated, 0 skipped, 6 rejected"))
        #expect(try server.memberCards() == ["10000001", "10000008"])

        // Against the store: a new import of a file naming a stored card, with fail.
        let again = try writeFile(
            "again.csv",
            Array("Số thẻ đảng viên,Họ và tên,Chi bộ\n10000008,Quàng Thị Tám,MB-PH\n10000009,Mới,MB-PH\n".utf8)
        )
        let rejectsAgain = server.folder.appendingPathComponent("rejects-again.csv").path
        let second = try server.chiboImport([
            again, "--entity", "members", "--on-conflict", "fail", "--reject-file", rejectsAgain,
        ])
        #expect(second.status == 1, "\(second.stderr)")
        #expect(try Self.rejectCodes(rejectsAgain) == [2: "already_exists"])
        #expect(try server.memberCards() == ["10000001", "10000008", "10000009"])
    }

    @Test func anEmptyFileAHeaderOnlyAndAMissingColumn() throws {
        let server = try ImportServer()
        defer { server.stop() }
        let rejects = server.folder.appendingPathComponent("rejects.csv").path

        let empty = try server.chiboImport([
            try writeFile("empty.csv", []), "--entity", "members", "--reject-file", rejects,
        ])
        #expect(empty.status == 3)
        #expect(try String(contentsOfFile: rejects, encoding: .utf8).contains("[no_header]"))

        let headerOnly = try server.chiboImport([
            try writeFile("header.csv", Array("Số thẻ đảng viên,Họ và tên,Chi bộ\n".utf8)), "--entity", "members",
            "--reject-file", rejects,
        ])
        #expect(headerOnly.status == 0, "\(headerOnly.stderr)")
        #expect(headerOnly.stderr.contains("0 rows read"))
        #expect(try String(contentsOfFile: rejects, encoding: .utf8).split(separator: "\n").count == 1)

        let noCell = try server.chiboImport([
            try writeFile("nocell.csv", Array("Số thẻ đảng viên,Họ và tên\n01,Lò Văn Một\n".utf8)), "--entity",
            "members", "--reject-file", rejects,
        ])
        #expect(noCell.status == 3 || noCell.status == 1, "\(noCell.stderr)")
        let codes = try String(contentsOfFile: rejects, encoding: .utf8)
        #expect(codes.contains("missing_columns") || codes.contains("missing_required"), "\(codes)")
        #expect(try server.memberCards().isEmpty)
    }

    /// A file whose refusals would not fit in one response (10,000 rows naming a 600-character
    /// cell that does not exist, about 6 MB of messages against a 4 MiB frame): the server lists
    /// the first ones and counts the others, and the import completes. A dry run (whose
    /// refusals are not stored) says how many were left out; a real import reads the others
    /// with Import.ListRejections, so its reject file holds every row. Before, the response
    /// broke the connection.
    @Test func refusalsBeyondOneResponseAreCountedNotLost() throws {
        let server = try ImportServer()
        defer { server.stop() }
        let cell = String(repeating: "X", count: 600)
        let rows = 10_000
        var text = "Số thẻ đảng viên,Họ và tên,Chi bộ\n"
        for index in 1...rows { text += "\(String(format: "%08d", index)),Lò Văn Số \(index),\(cell)\n" }
        let file = try writeFile("unknown-cells.csv", Array(text.utf8))
        for dryRun in [true, false] {
            let folder = temporaryFolder("chibo-import")
            let summary = folder.appendingPathComponent("summary.json").path
            let rejects = folder.appendingPathComponent("rejects.csv").path
            let result = try server.chiboImport(
                [file, "--entity", "members", "--summary-json", summary, "--reject-file", rejects]
                    + (dryRun ? ["--dry-run"] : [])
            )
            #expect(result.status == 1, "\(result.stderr)")
            #expect(result.stderr.contains("\(rows) rows read: 0 inserted"), "\(result.stderr)")
            #expect(result.stderr.contains("fix those listed and run the import again") == dryRun, "\(result.stderr)")
            let json = try jsonObject(summary)
            let notListed = json["rejections_not_listed"] as? Int ?? -1
            let listed = try csvRecords(rejects).count - 1
            if dryRun {
                #expect(notListed > 0 && listed > 1_000, "listed \(listed), not listed \(notListed)")
            } else {
                #expect(notListed == 0 && listed == rows, "listed \(listed), not listed \(notListed)")
                #expect(json["rejected_by_kind"] as? [String: Int] == ["unknown_unit": rows], "\(json)")
            }
            #expect(listed + notListed == rows)
            #expect(json["rejected"] as? Int == rows)
        }
    }

    @Test func aDryRunWritesNothing() async throws {
        let server = try ImportServer()
        defer { server.stop() }
        let file = try rosterFile(count: 50)
        let id = UUID().uuidString.lowercased()
        let result = try server.chiboImport([file, "--entity", "members", "--dry-run", "--import-id", id])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("50 rows read: 50 inserted"))
        #expect(result.stderr.contains("dry run"))
        #expect(try await server.status(id) == nil)
        #expect(try server.memberCards().isEmpty)
    }

    /// `--undo` against the real server: the members the import created are voided (the list
    /// no longer shows them), the undo is audited, a second undo changes nothing, and the
    /// undone import refuses to resume.
    @Test func undoVoidsWhatTheImportCreated() async throws {
        let server = try ImportServer()
        defer { server.stop() }
        let file = try rosterFile(count: 30)
        let id = UUID().uuidString.lowercased()
        let imported = try server.chiboImport([file, "--entity", "members", "--import-id", id])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(try server.memberCards().count == 30)
        let undone = try server.chiboImport(["--undo", id])
        #expect(undone.status == 0, "\(undone.stderr)")
        #expect(undone.stderr.contains("30"), "\(undone.stderr)")
        #expect(try server.memberCards().isEmpty)
        #expect(try await server.status(id)?.undoneAtMs ?? 0 > 0)
        let audit = try server.chibo(["audit", "list", "-o", "json", "--entity", "import", "--limit", "1000"])
        #expect(audit.stdout.contains("IMPORT_UNDO"), "\(audit.stderr)")
        let again = try server.chiboImport(["--undo", id])
        #expect(again.status == 0, "\(again.stderr)")
        let resumed = try server.chiboImport([file, "--entity", "members", "--resume", id])
        #expect(resumed.status != 0)
        #expect(try server.memberCards().isEmpty)
    }

    @Test func aKilledImportResumesToExactCounts() async throws {
        let server = try ImportServer()
        defer { server.stop() }
        let rows = 30_000
        let file = try rosterFile(count: rows)
        // The run that is killed reads the file's first 2,000 rows through a pipe that stays
        // open: it commits the batches of the first chunk it reads and then waits for more, so
        // the kill comes in the middle of the import however fast the machine is.
        let pipe = try RosterPipe()
        defer { pipe.finish() }
        let id = UUID().uuidString.lowercased()
        let arguments = [pipe.path, "--entity", "members", "--batch-size", "100", "--import-id", id]
        let process = try Executables.start("chibo-import", arguments, environment: server.environment).process
        try await pipe.open(readerEnded: { !process.isRunning })
        try await pipe.write(rows: 1...2_000, header: true)
        try await waitUntil("five committed batches", every: .milliseconds(50)) {
            try await server.status(id)?.lastBatch ?? 0 >= 5 || !process.isRunning
        }
        #expect(process.isRunning, "the import ended before it was killed")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        pipe.finish()
        let atKill = try #require(try await server.status(id))
        #expect(atKill.lastBatch >= 5)
        #expect(atKill.counts?.read ?? 0 <= 2_000, "read no further than the pipe held")

        let summary = server.folder.appendingPathComponent("summary.json").path
        let resumed = try server.chiboImport([
            file, "--entity", "members", "--batch-size", "100", "--resume", id, "--summary-json", summary,
        ])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let object = try jsonObject(summary)
        #expect(object["read"] as? Int == rows)
        #expect(object["inserted"] as? Int == rows)
        #expect(object["skipped"] as? Int == 0)
        #expect(object["rejected"] as? Int == 0)
        let final = try #require(try await server.status(id))
        #expect(final.lastBatch == Int64(rows / 100))
        #expect(final.counts?.inserted == Int64(rows))
    }

    @Test func maxErrorsStopsTheImportAndSaysHowToResume() async throws {
        let server = try ImportServer()
        defer { server.stop() }
        var text = "Số thẻ đảng viên,Họ và tên,Ngày sinh,Chi bộ\n"
        for index in 1...2_000 {
            let date = index % 50 == 0 ? "31/02/1980" : "01/02/1980"
            text += "\(String(format: "%08d", index)),Lò Văn \(index),\(date),MB-BO\n"
        }
        let file = try writeFile("roster.csv", Array(text.utf8))
        let id = UUID().uuidString.lowercased()
        let summary = server.folder.appendingPathComponent("summary.json").path
        let result = try server.chiboImport([
            file, "--entity", "members", "--max-errors", "5", "--batch-size", "100", "--import-id", id,
            "--summary-json", summary,
        ])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("stopped"))
        #expect(result.stderr.contains("--resume \(id)"))
        let object = try jsonObject(summary)
        #expect(object["status"] as? String == "stopped")
        let checkpoint = try #require(try await server.status(id))
        // The 6th bad row (row 301) is read while batch 3 fills: the reading stops there, and
        // batch 3, not full, is not sent.
        #expect(checkpoint.lastBatch == 2)
        // Two batches of 100 rows and the 6 rows refused by the check.
        #expect(object["read"] as? Int == 206, "\(object)")

        // Resuming without the limit imports the rest; the bad rows stay refused.
        let rest = try server.chiboImport([file, "--entity", "members", "--batch-size", "100", "--resume", id])
        #expect(rest.status == 1, "\(rest.stderr)")
        #expect(rest.stderr.contains("2000 rows read: 1960 inserted, 0 updated, 0 skipped, 40 rejected"))
    }

    @Test func maxErrorsCountsTheServersRefusalsByPollingTheStatus() async throws {
        let server = try ImportServer()
        defer { server.stop() }
        // Every row names a cell the server does not know: only the server refuses them.
        var text = "Số thẻ đảng viên,Họ và tên,Chi bộ\n"
        for index in 1...50_000 { text += "\(String(format: "%08d", index)),Lò Văn \(index),XX-KHONG\n" }
        let file = try writeFile("roster.csv", Array(text.utf8))
        let id = UUID().uuidString.lowercased()
        let result = try server.chiboImport([
            file, "--entity", "members", "--max-errors", "10", "--batch-size", "50", "--import-id", id,
        ])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("stopped: more than 10 rows refused"))
        #expect(result.stderr.contains("--resume \(id)"))
        let checkpoint = try #require(try await server.status(id))
        #expect(checkpoint.lastBatch < 1_000, "the import ran to the end")
        #expect((checkpoint.counts?.rejected ?? 0) > 10)
    }

    @Test func memoryStaysFlatWhateverTheFileSize() async throws {
        let server = try ImportServer()
        defer { server.stop() }
        func peak(_ rows: Int, first: Int) async throws -> Int {
            let summary = server.folder.appendingPathComponent("summary-\(rows).json").path
            let file = try rosterFile(count: rows, first: first)
            let result = try await Executables.offThePool {
                try server.chiboImport([file, "--entity", "members", "--summary-json", summary, "--quiet"])
            }
            #expect(result.status == 0, "\(result.stderr)")
            let object = try jsonObject(summary)
            #expect(object["inserted"] as? Int == rows)
            return object["peak_memory_kb"] as? Int ?? 0
        }
        /// The server's peak resident memory so far, kB (0 without /proc).
        func serverPeak() -> Int {
            let status =
                (try? String(contentsOfFile: "/proc/\(server.process.processIdentifier)/status", encoding: .utf8)) ?? ""
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
        let small = try await peak(20_000, first: 1)
        let serverAfterSmall = serverPeak()
        let large = try await peak(200_000, first: 1_000_000)
        let serverAfterLarge = serverPeak()
        guard small > 0 else { return }  // no /proc here
        // 200,000 rows held at once would take well over 100 MB; a batch and the flow-control
        // window (64 batches of 500 rows in flight at most) take a few.
        #expect(large - small < 40_000, "peak resident memory \(small) kB for 20,000 rows, \(large) kB for 200,000")
        #expect(serverAfterSmall > 0, "the server's peak memory was not read")
        // The server commits batch by batch: ten times the rows, about the same memory (its
        // SQLite page cache is full after the first file already).
        #expect(
            serverAfterLarge - serverAfterSmall < 40_000,
            "server peak \(serverAfterSmall) kB after 20,000 rows, \(serverAfterLarge) kB after 200,000 more"
        )

        // Imports `file`, whose 100,000 rows are all refused as `kind`: every one is in the reject
        // file and the counts by kind; the importer's peak memory.
        func refusedPeak(_ file: String, kind: String, lastCard: String) async throws -> Int {
            let summary = server.folder.appendingPathComponent("summary-\(kind).json").path
            let rejects = server.folder.appendingPathComponent("rejects-\(kind).csv").path
            let result = try await Executables.offThePool {
                try server.chiboImport([
                    file, "--entity", "members", "--summary-json", summary, "--reject-file", rejects, "--quiet",
                ])
            }
            #expect(result.status == 1, "\(result.stderr)")
            let object = try jsonObject(summary)
            #expect(object["rejected"] as? Int == 100_000)
            #expect(object["rejections_not_listed"] as? Int == 0)
            #expect((object["rejected_by_kind"] as? [String: Int]) == [kind: 100_000], "\(object)")
            let rows = try csvRecords(rejects)
            #expect(rows.count == 100_001)
            #expect(rows.last?.first == lastCard, "\(rows.last ?? [])")
            return object["peak_memory_kb"] as? Int ?? 0
        }

        // Refused by the server (no unit has the code): the refusals go to the reject file and
        // the counts as they are read back a page at a time, not held (held, they took about
        // 60 MB more than the 20,000 rows imported).
        let unknownCell = try rosterFile(count: 100_000, first: 2_000_000, cell: "MB-KHONG")
        let serverRefused = try await refusedPeak(unknownCell, kind: "unknown_unit", lastCard: "02099999")
        #expect(
            serverRefused - small < 40_000,
            "peak resident memory \(small) kB for 20,000 rows, \(serverRefused) kB for 100,000 refused"
        )

        // Refused by the file check (a date that does not exist): kept in a temporary file past
        // the first thousand, not in memory (held, they took about 40 MB more than the 20,000
        // rows imported; kept, about the same).
        let badDates = try rosterFile(count: 100_000, first: 3_000_000, born: "31/02/1980")
        let checkRefused = try await refusedPeak(badDates, kind: "bad_date", lastCard: "03099999")
        #expect(
            checkRefused - small < 20_000,
            "peak resident memory \(small) kB for 20,000 rows, \(checkRefused) kB for 100,000 refused by the check"
        )
    }
}
