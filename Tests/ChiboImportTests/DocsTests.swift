import ChiboCodec
import ChiboImport
import ChiboModel
import Foundation
import Testing

/// docs/IMPORT.md lists every column of every entity as the code accepts them, and every file in
/// docs/examples reads without a row error. Run with CHIBO_UPDATE_DOCS=1 to rewrite the column
/// tables and the generated example files.
@Suite struct DocsTests {
    private let docs = repositoryRoot.appendingPathComponent("docs")
    private var updating: Bool { ProcessInfo.processInfo.environment["CHIBO_UPDATE_DOCS"] == "1" }

    private static let tables: [(name: String, columns: [ImportColumn])] = [
        ("org_units", ImportColumns.columns(for: .orgUnits)),
        ("members", ImportColumns.columns(for: .members)),
        ("status_events", ImportColumns.columns(for: .statusEvents)),
        ("meetings", ImportColumns.columns(for: .meetings)),
        ("meetings_file", ImportColumns.meetingsFile),
        ("attendance_file", ImportColumns.attendanceFile),
        ("resolutions", ImportColumns.columns(for: .resolutions)),
        ("evaluations", ImportColumns.columns(for: .evaluations)),
        ("org_changes", ImportColumns.orgChanges),
    ]

    private static func table(_ columns: [ImportColumn]) -> String {
        func cell(_ text: String) -> String { text.isEmpty ? "" : text.replacingOccurrences(of: "|", with: "\\|") }
        var lines = [
            "| Column | Vietnamese headers accepted | Type | Required | Example | Meaning |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for column in columns {
            let labels = column.labels.map { "`\($0)`" }.joined(separator: ", ")
            let example = column.example.isEmpty ? "" : "`\(column.example)`"
            lines.append(
                "| `\(column.field)` | \(labels) | \(cell(column.type)) | \(column.requirement) | \(example) | "
                    + "\(cell(column.meaning)) |"
            )
        }
        return lines.joined(separator: "\n")
    }

    @Test func theImportGuideListsEveryColumn() throws {
        let url = docs.appendingPathComponent("IMPORT.md")
        var text = try String(contentsOf: url, encoding: .utf8)
        for (name, columns) in Self.tables {
            let open = "<!-- columns: \(name) -->\n"
            let close = "<!-- end columns -->"
            guard let start = text.range(of: open),
                let end = text.range(of: close, range: start.upperBound..<text.endIndex)
            else {
                Issue.record("IMPORT.md has no section \(open)")
                continue
            }
            let expected = "\n" + Self.table(columns) + "\n\n"
            if updating {
                text.replaceSubrange(start.upperBound..<end.lowerBound, with: expected)
            } else {
                #expect(String(text[start.upperBound..<end.lowerBound]) == expected, "IMPORT.md table \(name) is stale")
            }
        }
        if updating { try text.write(to: url, atomically: true, encoding: .utf8) }
    }

    /// The records of the JSON Lines and protobuf examples.
    private static let exampleMembers = [
        Member(
            partyCardNumber: "01012345",
            citizenId: "014079001234",
            fullName: "Tòng Văn Hạnh",
            gender: .male,
            birthDate: CalendarDate(year: 1979, month: 4, day: 30),
            ethnicity: "Thái",
            homePlace: "Mường Bằng, Mai Sơn, Sơn La",
            admittedOn: CalendarDate(year: 2005, month: 5, day: 19),
            officialOn: CalendarDate(year: 2006, month: 5, day: 19),
            cellId: "CM-BANBO"
        ),
        Member(
            partyCardNumber: "01012347",
            fullName: "Quàng Thị Lan",
            gender: .female,
            birthDate: CalendarDate(year: 1985, month: 11, day: 20),
            ethnicity: "Thái",
            admittedOn: CalendarDate(year: 2025, month: 12, day: 12),
            cellId: "Chi bộ bản Bó"
        ),
    ]

    @Test func theGeneratedExamplesAreCurrent() throws {
        let examples = docs.appendingPathComponent("examples")
        let jsonLines = Self.exampleMembers.map { $0.jsonString() + "\n" }.joined()
        var delimited: [UInt8] = []
        for member in Self.exampleMembers {
            let bytes = try member.serializedBytes()
            var length = bytes.count
            while length >= 0x80 {
                delimited.append(UInt8(length & 0x7F) | 0x80)
                length >>= 7
            }
            delimited.append(UInt8(length))
            delimited += bytes
        }
        let files: [(String, Data)] = [("members.jsonl", Data(jsonLines.utf8)), ("members.binpb", Data(delimited))]
        for (name, data) in files {
            let url = examples.appendingPathComponent(name)
            if updating {
                try data.write(to: url)
            } else {
                #expect(try Data(contentsOf: url) == data, "docs/examples/\(name) is stale")
            }
        }
    }

    @Test(arguments: [
        ("org-units.csv", ImportEntity.orgUnits, 4), ("members.csv", .members, 3),
        ("status-events.csv", .statusEvents, 2),
        ("meetings.csv", .meetings, 2), ("resolutions.csv", .resolutions, 2), ("evaluations.csv", .evaluations, 4),
        ("members.jsonl", .members, 2), ("members.binpb", .members, 2),
    ])
    func everyExampleReadsWithoutErrors(file: String, entity: ImportEntity, records: Int) throws {
        let path = docs.appendingPathComponent("examples").appendingPathComponent(file).path
        let result = try read(.file(path: path), ImportOptions(entity: entity))
        #expect(result.errors.isEmpty, "\(result.errors)")
        #expect(result.records.count == records)
    }

    @Test func theTwoFileMeetingExampleReadsWithoutErrors() throws {
        let examples = docs.appendingPathComponent("examples")
        var options = ImportOptions(entity: .meetings)
        options.attendance = .file(path: examples.appendingPathComponent("meetings-attendance.csv").path)
        let result = try read(.file(path: examples.appendingPathComponent("meetings-list.csv").path), options)
        #expect(result.errors.isEmpty, "\(result.errors)")
        #expect(result.meetings.map(\.meeting.attendance.count) == [3, 2])
    }
}
