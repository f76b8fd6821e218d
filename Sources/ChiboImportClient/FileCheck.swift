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
            writeRejects([Refusal(row: error.row ?? 0, column: "", code: error.code.rawValue, message: error.message)])
            return ImportExit.failed
        }
        if !command.quiet {
            let header = reader.header
            if let sheet = header.sheet { say("sheet \"\(sheet)\"") }
            if header.headerRow > 1 { say("header on row \(header.headerRow)") }
            for ignored in header.ignored { say("column \"\(ignored.header)\" is not imported") }
        }
        var refusals: [Refusal] = []
        var warnings: [RowWarning] = []
        var records = 0
        var keys = DuplicateKeys(entity: options.entity, report: reader.header)
        do {
            while let event = try reader.next() {
                switch event {
                case .item(let item):
                    if let refusal = keys.check(item) ?? OfflineRules.check(item, report: reader.header) {
                        refusals.append(refusal)
                    } else if command.strict, let refused = StrictWarnings.error(for: item, file: file) {
                        refusals.append(Refusal(refused))
                    } else {
                        warnings += item.warnings
                        records += 1
                    }
                case .error(let error):
                    refusals.append(Refusal(error))
                }
            }
        } catch {
            say("\(error)")
            refusals.append(Refusal(row: error.row ?? 0, column: "", code: error.code.rawValue, message: error.message))
            printRefusals(refusals)
            writeRejects(refusals)
            return ImportExit.failed
        }
        let summary = reader.summary
        let what = options.entity == .meetings ? "meetings" : "records"
        say(
            "checked \(file) without a server: \(summary.rowsRead) rows read, \(records) \(what) pass, "
                + "\(refusals.count) rows refused"
                + (summary.blankRows > 0 ? ", \(summary.blankRows) blank rows skipped" : "")
        )
        if !refusals.isEmpty { say("refused by kind: " + ErrorKinds.line(refusals)) }
        if !warnings.isEmpty {
            say("\(warnings.count) warnings: " + ErrorKinds.line(warnings: warnings))
            if !command.quiet && command.rejectFile == nil {
                for warning in warnings.prefix(10) { say("  warning: \(warning)") }
            }
        }
        printRefusals(refusals)
        writeRejects(refusals)
        if let path = command.rejectFile {
            do {
                try WarningsFile.write(warnings, language: command.language, besides: path)
            } catch {
                say("cannot write the warnings file: \(error)")
            }
        }
        writeSummary(rows: summary.rowsRead, passed: records, refusals: refusals, warnings: warnings.count)
        return refusals.isEmpty ? ImportExit.ok : ImportExit.someRefused
    }

    private func printRefusals(_ refusals: [Refusal]) {
        guard !command.quiet, command.rejectFile == nil else { return }
        for refusal in refusals.prefix(10) {
            let column = refusal.column.isEmpty ? "" : " \(refusal.column)"
            say("  row \(refusal.row)\(column): \(refusal.message) [\(refusal.code)]")
        }
        if refusals.count > 10 { say("  … \(refusals.count - 10) more (see --reject-file)") }
    }

    private func writeRejects(_ refusals: [Refusal]) {
        guard let path = command.rejectFile else { return }
        do {
            try RejectFile.write(
                refusals,
                source: .file(path: command.file ?? ""),
                options: command.readOptions,
                language: command.language,
                to: path
            )
        } catch {
            say("cannot write the reject file: \(error)")
        }
    }

    private func writeSummary(rows: Int, passed: Int, refusals: [Refusal], warnings: Int) {
        guard let path = command.summaryJSON else { return }
        let summary: [String: Any] = [
            "status": "checked", "read": rows, "passed": passed, "rejected": refusals.count, "warnings": warnings,
            "peak_memory_kb": ImportJob.peakMemoryKB(),
            "rejected_by_kind": ErrorKinds.counts(refusals),
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
