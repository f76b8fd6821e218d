import ArgumentParser
import ChiboCLI
import ChiboImport
import ChiboModel
import Foundation
import Testing

@testable import ChiboImportClient

/// The command line: every flag parsed, what goes together, and the reading options it makes.
@Suite struct CommandTests {
    @Test func everyFlagParses() throws {
        let command = try ImportCommand.parse([
            "dang-vien.txt", "--entity", "status-events", "--server", "10.0.0.5:7420", "--token", "t",
            "--tls", "--cacert", "ca.pem", "--cert", "c.pem", "--key", "k.pem", "--on-conflict", "update",
            "--dry-run", "--max-errors", "5", "--map", "Số thẻ=party_card_number", "--map", "Chi bộ=cell",
            "--encoding", "windows-1258", "--delimiter", "semicolon", "--format", "csv", "--import-id",
            "0b6c8f4e-8d63-4c1e-9d0e-4b8b5f0f2a11", "--summary-json", "s.json", "--reject-file", "r.csv",
            "--batch-size", "200", "--quiet",
        ])
        #expect(command.file == "dang-vien.txt")
        #expect(command.maxErrors == 5)
        #expect(command.batchSize == 200)
        #expect(command.quiet && command.dryRun && command.tls)
        let options = command.readOptions
        #expect(options.entity == .statusEvents)
        #expect(options.encoding == .windows1258)
        #expect(options.delimiter == .semicolon)
        #expect(options.format == .csv)
        #expect(
            options.columnMappings == [
                ColumnMapping(column: "Số thẻ", field: "party_card_number"),
                ColumnMapping(column: "Chi bộ", field: "cell"),
            ]
        )
        let flags = command.connectionFlags
        #expect(flags.server == "10.0.0.5:7420" && flags.cacert == "ca.pem" && flags.key == "k.pem")
        #expect(ImportCommand.policy(command.onConflict) == .update)
    }

    @Test func everyEntityIsAccepted() throws {
        for entity in ChiboImport.ImportEntity.allCases {
            let command = try ImportCommand.parse(["f.csv", "--entity", entity.rawValue])
            #expect(command.readOptions.entity == entity)
            #expect(
                ImportJob.wireEntity(entity).rawValue
                    == Int32(ChiboImport.ImportEntity.allCases.firstIndex(of: entity)! + 1)
            )
        }
        let meetings = try ImportCommand.parse(["m.csv", "--entity", "meetings", "--attendance", "a.csv"])
        #expect(meetings.readOptions.attendance == .file(path: "a.csv"))
    }

    @Test(arguments: [
        ["f.csv"],
        ["--entity", "members"],
        ["f.csv", "--entity", "people"],
        ["f.csv", "--entity", "members", "--on-conflict", "merge"],
        ["f.csv", "--entity", "members", "--batch-size", "0"],
        ["f.csv", "--entity", "members", "--batch-size", "5001"],
        ["f.csv", "--entity", "members", "--encoding", "latin1"],
        ["f.csv", "--entity", "members", "--delimiter", "|"],
        ["f.csv", "--entity", "members", "--format", "ods"],
        ["f.csv", "--entity", "members", "--map", "nothing"],
        ["f.csv", "--entity", "members", "--resume", "not-a-uuid"],
        ["f.csv", "--entity", "members", "--max-errors", "-1"],
        ["f.csv", "--entity", "members", "--attendance", "a.csv"],
        [
            "f.csv", "--entity", "members", "--resume", "0b6c8f4e-8d63-4c1e-9d0e-4b8b5f0f2a11", "--import-id",
            "0b6c8f4e-8d63-4c1e-9d0e-4b8b5f0f2a11",
        ],
        ["f.csv", "--undo", "0b6c8f4e-8d63-4c1e-9d0e-4b8b5f0f2a11"],
        ["--undo", "nope"],
    ])
    func aWrongCommandLineIsAUsageError(_ arguments: [String]) async {
        let errors = Output()
        let code = await ImportCommand.run(arguments: arguments, environment: [:], console: errors.console)
        #expect(code == ImportExit.usage, "\(arguments)")
        #expect(!errors.text.isEmpty)
    }

    @Test func undoNeedsNoFileOrEntity() throws {
        let command = try ImportCommand.parse(["--undo", "0b6c8f4e-8d63-4c1e-9d0e-4b8b5f0f2a11", "--dry-run"])
        #expect(command.undo != nil && command.dryRun)
    }

    @Test func helpIsExitZeroAndListsEveryFlag() async {
        let out = Output()
        let code = await ImportCommand.run(arguments: ["--help"], environment: [:], console: out.console)
        #expect(code == 0)
        for flag in [
            "--attendance", "--entity", "--server", "--token", "--context", "--config", "--tls", "--cacert", "--cert",
            "--key", "--on-conflict", "--dry-run", "--max-errors", "--map", "--encoding", "--delimiter", "--format",
            "--resume", "--undo", "--import-id", "--summary-json", "--reject-file", "--batch-size", "--quiet",
        ] {
            #expect(out.text.contains(flag), "\(flag)")
        }
    }

    @Test func theServerComesFromTheFlagTheEnvironmentOrAContext() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chibo-import-\(UUID())")
        let path = folder.appendingPathComponent("config.json").path
        try CLIConfig(
            currentContext: "tinh",
            contexts: [ConnectionContext(name: "tinh", server: "10.1.1.1:7000", token: "from-context")]
        ).save(path: path)
        let fromContext = try ConnectionSettings(
            try ImportCommand.parse(["f.csv", "--entity", "members"]).connectionFlags,
            environment: ["CHIBO_CONFIG": path]
        )
        #expect(fromContext.host == "10.1.1.1" && fromContext.port == 7000 && fromContext.token == "from-context")
        let fromEnvironment = try ConnectionSettings(
            try ImportCommand.parse(["f.csv", "--entity", "members"]).connectionFlags,
            environment: ["CHIBO_CONFIG": path, "CHIBO_SERVER": "127.0.0.1:9", "CHIBO_TOKEN": "env"]
        )
        #expect(fromEnvironment.port == 9 && fromEnvironment.token == "env")
        let fromFlag = try ConnectionSettings(
            try ImportCommand.parse(["f.csv", "--entity", "members", "--server", "h:1", "--config", path])
                .connectionFlags,
            environment: [:]
        )
        #expect(fromFlag.host == "h" && fromFlag.port == 1 && fromFlag.token == "from-context")
        #expect(throws: CLIFailure.self) {
            try ConnectionSettings(
                try ImportCommand.parse(["f.csv", "--entity", "members", "--context", "nope"]).connectionFlags,
                environment: ["CHIBO_CONFIG": path]
            )
        }
    }
}

/// The progress line.
@Suite struct ProgressTests {
    @Test func theLineShowsRowsRateEtaAndBar() {
        let line = ImportProgress.line(rowsSent: 12_500, elapsed: 5, bytesRead: 250, fileSize: 1_000, barWidth: 20)
        #expect(line == "12,500 rows sent  2,500 rows/s  ETA 0:15  [#####---------------] 25%")
    }

    @Test func unknownsAndTheEnd() {
        #expect(
            ImportProgress.line(rowsSent: 0, elapsed: 0, bytesRead: 0, fileSize: 0, barWidth: 4)
                == "0 rows sent  -- rows/s  ETA --:--  [----] 0%"
        )
        #expect(
            ImportProgress.line(rowsSent: 1_234_567, elapsed: 100, bytesRead: 10, fileSize: 10, barWidth: 4)
                == "1,234,567 rows sent  12,346 rows/s  ETA 0:00  [####] 100%"
        )
        #expect(ImportProgress.clock(3_725) == "1:02:05")
        #expect(ImportProgress.clock(59.2) == "1:00")
    }

    @Test func redrawsAtMostTenTimesASecond() {
        let out = Output()
        let progress = ProgressLine(write: out.console.err)
        let start = ContinuousClock.now
        for step in 0..<100 { progress.draw("line \(step)", now: start + .milliseconds(step * 10)) }
        #expect(out.text.components(separatedBy: "\r\u{1B}[2K").count - 1 == 10)
    }
}

/// The reject file: the original rows' cells, then why.
@Suite struct RejectFileTests {
    @Test func refusedRowsAreQuotedFromTheFileInRowOrder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chibo-import-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let csv = folder.appendingPathComponent("roster.csv").path
        try Data(
            """
            Số thẻ đảng viên,Họ và tên,Chi bộ
            01,"Lò Văn, Một",MB-BO
            02,Lò Thị Hai,MB-BO
            03,Cầm Văn Ba,XX

            """.utf8
        ).write(to: URL(fileURLWithPath: csv))
        let path = folder.appendingPathComponent("rejects.csv").path
        try Data("old".utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        let refusals = Refusal.merged(
            reader: [RowError(file: csv, row: 2, column: "Họ và tên", code: .badEncoding, message: "bad")],
            server: [
                RowRejection(row: 4, field: "cell", code: "unknown_unit", message: "no unit has the code XX"),
                RowRejection(row: 4, field: "cell", code: "unknown_unit", message: "no unit has the code XX"),
            ]
        )
        try RejectFile.write(refusals, source: .file(path: csv), options: ImportOptions(entity: .members), to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        // The rows as written (the quotes kept), the column and the reason added; the input's
        // LF line ends and comma kept.
        #expect(
            text == "Số thẻ đảng viên,Họ và tên,Chi bộ,Column at fault,Reason\n"
                + "01,\"Lò Văn, Một\",MB-BO,Họ và tên,row 2: bad [bad_encoding]\n"
                + "03,Cầm Văn Ba,XX,cell,row 4: no unit has the code XX [unknown_unit]\n"
        )
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}

/// Collects what a command writes.
final class Output: @unchecked Sendable {
    private let lock = NSLock()
    private var collected = ""

    var text: String { lock.withLock { collected } }

    var console: Console {
        Console(
            out: { text in self.lock.withLock { self.collected += text } },
            err: { text in self.lock.withLock { self.collected += text } }
        )
    }
}
