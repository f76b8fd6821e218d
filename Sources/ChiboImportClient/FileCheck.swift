import ChiboCLI
import ChiboImport
import ChiboModel
import Foundation

/// `chibo-import check FILE --entity E`: reads, maps and checks a file with no server — every
/// check that needs no stored record (values, headers, encodings, required columns, the same key
/// twice in the file, a probation shorter than 12 months) — and prints the summary and the errors
/// grouped by kind. Exit 0 when every row passes, 1 when some are refused, 3 when the file cannot
/// be read as a whole.
struct FileCheck {
    let command: ImportCommand
    let console: Console

    func say(_ text: String) { console.err("chibo-import: " + text + "\n") }

    func run() -> Int32 {
        let file = command.file ?? ""
        let options = command.readOptions
        let reader: ImportReader
        do {
            reader = try ImportReader(source: .file(path: file), options: options)
        } catch {
            say("\(error)")
            let refused = rejectSink()
            refused.add(Refusal(row: error.row ?? 0, column: "", code: error.code.rawValue, message: error.message))
            close(refused)
            return ImportExit.failed
        }
        if !command.quiet {
            let header = reader.header
            if let sheet = header.sheet { say("sheet \"\(sheet)\"") }
            if header.headerRow > 1 { say("header on row \(header.headerRow)") }
            for ignored in header.ignored { say("column \"\(ignored.header)\" is not imported") }
        }
        // Refusals go to the reject file as they are found (a file of a million bad rows costs
        // the memory of a good one); the tally keeps the counts and the first few.
        let refused = rejectSink()
        var warnings: [RowWarning] = []
        var records = 0
        var keys = DuplicateKeys(entity: options.entity, report: reader.header)
        do {
            while let event = try reader.next() {
                switch event {
                case .item(let item):
                    if let refusal = keys.check(item) ?? OfflineRules.check(item, report: reader.header) {
                        refused.add(refusal)
                    } else if command.strict, let strict = StrictWarnings.error(for: item, file: file) {
                        refused.add(Refusal(strict))
                    } else {
                        warnings += item.warnings
                        records += 1
                    }
                case .error(let error):
                    refused.add(Refusal(error))
                }
            }
        } catch {
            say("\(error)")
            refused.add(Refusal(row: error.row ?? 0, column: "", code: error.code.rawValue, message: error.message))
            printRefusals(refused.tally)
            close(refused)
            return ImportExit.failed
        }
        let summary = reader.summary
        let what = options.entity == .meetings ? "meetings" : "records"
        say(
            "checked \(file) without a server: \(summary.rowsRead) rows read, \(records) \(what) pass, "
                + "\(refused.tally.total) rows refused"
                + (summary.blankRows > 0 ? ", \(summary.blankRows) blank rows skipped" : "")
        )
        if refused.tally.total > 0 { say("refused by kind: " + refused.tally.kindsLine) }
        if !warnings.isEmpty {
            say("\(warnings.count) warnings: " + ErrorKinds.line(warnings: warnings))
            if !command.quiet && command.rejectFile == nil {
                for warning in warnings.prefix(10) { say("  warning: \(warning)") }
            }
        }
        printRefusals(refused.tally)
        close(refused)
        if let path = command.rejectFile {
            do {
                try WarningsFile.write(warnings, language: command.language, besides: path)
            } catch {
                say("cannot write the warnings file: \(error)")
            }
        }
        writeSummary(rows: summary.rowsRead, passed: records, refusals: refused.tally, warnings: warnings.count)
        return refused.tally.total == 0 ? ImportExit.ok : ImportExit.someRefused
    }

    private func printRefusals(_ tally: RefusalTally) {
        guard !command.quiet, command.rejectFile == nil else { return }
        for refusal in tally.first {
            let column = refusal.column.isEmpty ? "" : " \(refusal.column)"
            say("  row \(refusal.row)\(column): \(refusal.message) [\(refusal.code)]")
        }
        if tally.total > tally.first.count { say("  … \(tally.total - tally.first.count) more (see --reject-file)") }
    }

    /// The reject file when one is asked for, quoting the input's rows, and the tally.
    private func rejectSink() -> RefusalSink {
        RefusalSink(
            rejectFile: command.rejectFile,
            source: .file(path: command.file ?? ""),
            options: command.readOptions,
            language: command.language
        )
    }

    /// Closes the reject file, saying why it could not be written if it could not.
    private func close(_ refused: RefusalSink) {
        refused.close()
        if let failure = refused.failure { say("cannot write the reject file: \(failure)") }
    }

    private func writeSummary(rows: Int, passed: Int, refusals: RefusalTally, warnings: Int) {
        guard let path = command.summaryJSON else { return }
        let summary: [String: Any] = [
            "status": "checked", "read": rows, "passed": passed, "rejected": refusals.total, "warnings": warnings,
            "peak_memory_kb": ImportJob.peakMemoryKB(),
            "rejected_by_kind": refusals.byKind,
        ]
        do {
            let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys, .prettyPrinted])
            try PrivateFile.write(String(decoding: data, as: UTF8.self) + "\n", to: path)
        } catch {
            say("cannot write the summary: \(error)")
        }
    }
}

/// Refusals counted by code, as pgloader and csvkit summarise errors.
enum ErrorKinds {
    /// How many refusals of each code.
    static func counts(_ refusals: [Refusal]) -> [String: Int] {
        var counts: [String: Int] = [:]
        for refusal in refusals { counts[refusal.code, default: 0] += 1 }
        return counts
    }

    /// `bad_date 3, unknown_unit 2`: most frequent first, then by name.
    static func line(_ refusals: [Refusal]) -> String { line(counts: counts(refusals)) }

    /// The same, of counts by code.
    static func line(counts: [String: Int]) -> String {
        counts.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.key) \($0.value)" }
            .joined(separator: ", ")
    }
}

/// The same natural key twice in one file: what the server would refuse as `duplicate_in_import`.
struct DuplicateKeys {
    let entity: ChiboImport.ImportEntity
    let report: HeaderReport
    private var seen = Set<String>()

    init(entity: ChiboImport.ImportEntity, report: HeaderReport) {
        self.entity = entity
        self.report = report
    }

    /// A refusal when `item`'s key was seen on an earlier row.
    mutating func check(_ item: ImportItem) -> Refusal? {
        let key: (value: String, field: String)?
        switch item.record {
        case .member(let imported):
            if !imported.member.partyCardNumber.isEmpty {
                key = ("card:" + imported.member.partyCardNumber, "party_card_number")
            } else if !imported.member.citizenId.isEmpty {
                key = ("id:" + imported.member.citizenId, "citizen_id")
            } else {
                key = nil
            }
        case .orgUnit(let imported):
            key = imported.unit.code.isEmpty ? nil : ("code:" + imported.unit.code.lowercased(), "code")
        default:
            key = nil
        }
        guard let key, !seen.insert(key.value).inserted else { return nil }
        let header = report.columns.first { $0.field == key.field }?.header ?? key.field
        return Refusal(
            row: item.rows.first ?? 0,
            column: header,
            code: "duplicate_in_import",
            message: "\(key.value.split(separator: ":", maxSplits: 1).last ?? "") is on an earlier row of the file too"
        )
    }
}

/// The rules of the server that need no stored record.
enum OfflineRules {
    /// A refusal when a member is made official less than 12 months after admission.
    static func check(_ item: ImportItem, report: HeaderReport) -> Refusal? {
        guard case .member(let imported) = item.record, let admitted = imported.member.admittedOn,
            let official = imported.member.officialOn
        else { return nil }
        let earliest = admitted.adding(months: 12)
        guard official < earliest else { return nil }
        let header = report.columns.first { $0.field == "official_on" }?.header ?? "official_on"
        return Refusal(
            row: item.rows.first ?? 0,
            column: header,
            code: "invalid",
            message: "probation lasts 12 months: not before \(format(earliest)) (admitted \(format(admitted)))"
        )
    }

    private static func format(_ date: CalendarDate) -> String {
        String(format: "%02d/%02d/%04d", Int(date.day), Int(date.month), Int(date.year))
    }
}

extension ErrorKinds {
    /// `legacy_text_converted 2`: warnings by code, most frequent first.
    static func line(warnings: [RowWarning]) -> String {
        line(warnings.map { Refusal(row: $0.row, column: $0.column, code: $0.code, message: $0.message) })
    }
}
