import ChiboModel
import Foundation
import Testing

@testable import ChiboImport

/// Workbooks read directly: a clerk's roster saved by LibreOffice (title rows, a two-row merged
/// header, Excel dates, a formula, a TCVN3 cell), workbooks written by openpyxl and by hand, and
/// hostile files refused with the limit they break.
@Suite struct XLSXTests {
    static let fixtures = repositoryRoot.appendingPathComponent("Tests/fixtures/xlsx")

    private func members(_ path: String, configure: (inout ImportOptions) -> Void = { _ in }) throws -> ReadResult {
        var options = ImportOptions(entity: .members)
        configure(&options)
        return try read(.file(path: path), options)
    }

    @Test func aClerksRosterFromLibreOfficeReadsWithoutTouchingIt() throws {
        let result = try members(Self.fixtures.appendingPathComponent("clerk-roster.xlsx").path)
        #expect(result.header.format == .xlsx)
        #expect(result.header.sheet == "Danh sách")
        // Two title rows and a blank row above; the two-row header is read as one on row 4.
        #expect(result.header.headerRow == 4)
        #expect(result.header.skippedRows == [1, 2, 3])
        #expect(
            result.header.matched.map(\.field) == [
                "full_name", "birth_date", "party_card_number", "admitted_on", "official_on", "cell",
            ]
        )
        #expect(result.header.matched.map(\.header).contains("Ngày vào Đảng Chính thức"))
        #expect(result.header.ignored.map(\.header) == ["STT"])
        let byRow = Dictionary(uniqueKeysWithValues: result.items.map { ($0.rows[0], $0) })
        // Excel dates (serials in a dd/mm/yyyy format) are dates.
        let first = try #require(byRow[6].flatMap { if case .member(let m) = $0.record { m } else { nil } })
        #expect(first.member.fullName == "Lò Văn Hạnh")
        #expect(first.member.partyCardNumber == "01012345")
        #expect(first.member.birthDate == CalendarDate(year: 1979, month: 4, day: 30))
        #expect(first.member.admittedOn == CalendarDate(year: 2005, month: 5, day: 19))
        #expect(first.member.officialOn == CalendarDate(year: 2006, month: 5, day: 19))
        #expect(first.cell.codeOrName == "MB-BO")
        // The TCVN3 cell of row 9 is converted, with a warning naming the row and the column.
        let converted = try #require(byRow[9])
        if case .member(let member) = converted.record { #expect(member.member.fullName == "Lò Văn Đông") }
        #expect(converted.warnings.map(\.code) == ["legacy_text_converted"])
        #expect(converted.warnings.first?.column == "Họ và tên")
        #expect(converted.warnings.first?.fileValue == "Lß V¨n §«ng")
        // A date typed as text that does not exist is refused as in CSV.
        #expect(result.errors.map(\.row) == [11])
        #expect(result.errors.first?.code == .badDate)
        #expect(result.errors.first?.column == "Ngày sinh")
        #expect(byRow.keys.sorted() == [6, 7, 9, 10])
    }

    @Test func aSheetIsChosenByNameOrNumber() throws {
        let path = Self.fixtures.appendingPathComponent("clerk-roster.xlsx").path
        for selector in ["Ghi chú", "ghi chú", "2"] {
            let error = importError { _ = try members(path) { $0.sheet = selector } }
            // The second sheet is no roster: its header lacks the member columns.
            #expect(error?.code == .missingColumns, "\(selector)")
        }
        let missing = importError { _ = try members(path) { $0.sheet = "Sheet9" } }
        #expect(missing?.code == .noSheet)
        #expect(missing?.message.contains("\"Danh sách\", \"Ghi chú\"") == true)
        let three = importError { _ = try members(path) { $0.sheet = "3" } }
        #expect(three?.code == .noSheet)
    }

    @Test func inlineStringsFormulasAndTheLeapYearBugOf1900() throws {
        let path = try workbook("inline-and-serials")
        let result = try members(path)
        let names = result.members.map(\.member.fullName)
        #expect(names == ["Lò Văn Một", "Lò Văn Ba", "Lò Văn Bảy & Đ"])
        #expect(result.members[0].member.birthDate == CalendarDate(year: 1900, month: 2, day: 28))
        #expect(result.members[1].member.birthDate == CalendarDate(year: 1900, month: 3, day: 1))
        // Serial 29341.75 in a date format: 30/04/1980 (the time is dropped for a date).
        #expect(result.members[2].member.birthDate == CalendarDate(year: 1980, month: 4, day: 30))
        // Serial 60 is the 29 February 1900 that never was.
        #expect(result.errors.map(\.row) == [3])
        #expect(result.errors.first?.code == .badDate)
        // Rows 5 and 6 are not in the sheet: blank rows.
        #expect(result.summary.blankRows == 2)
    }

    @Test func serialNumbersAndReferences() {
        #expect(XLSXCellValue.date(serial: 1, uses1904: false) == "01/01/1900")
        #expect(XLSXCellValue.date(serial: 59, uses1904: false) == "28/02/1900")
        #expect(XLSXCellValue.date(serial: 60, uses1904: false) == "29/02/1900")
        #expect(XLSXCellValue.date(serial: 61, uses1904: false) == "01/03/1900")
        #expect(XLSXCellValue.date(serial: 46_084, uses1904: false) == "03/03/2026")
        #expect(XLSXCellValue.date(serial: 44_622, uses1904: true) == "03/03/2026")
        #expect(XLSXCellValue.date(serial: 0, uses1904: false) == nil)
        #expect(XLSXCellValue.number("0.8125", kind: .time, uses1904: false) == "19:30")
        #expect(XLSXCellValue.number("1012346", kind: .number, uses1904: false) == "1012346")
        #expect(XLSXCellValue.number("85.5", kind: .number, uses1904: false) == "85.5")
        #expect(XLSXCellValue.number("0.30000000000000004", kind: .number, uses1904: false) == "0.3")
        #expect(XLSXCellValue.reference("AB12")?.column == 28)
        #expect(XLSXCellValue.reference("XFD1")?.column == 16_384)
        #expect(XLSXCellValue.reference("ABCD1") == nil)
        #expect(XLSXWorkbook.kind(id: 164, code: "General") == .number)
        #expect(XLSXWorkbook.kind(id: 165, code: "dd/mm/yyyy") == .date)
        #expect(XLSXWorkbook.kind(id: 166, code: "[$-42A]h:mm") == .time)
        #expect(XLSXWorkbook.kind(id: 167, code: "#,##0.00\" đ\"") == .number)
    }

    @Test func aWorkbookFromOpenpyxlIn1904DatesWithBooleansAndTimes() throws {
        let path = try workbook("openpyxl-1904")
        var options = ImportOptions(entity: .meetings)
        options.sheet = "Họp chi bộ"
        let result = try read(.file(path: path), options)
        #expect(result.errors.isEmpty, "\(result.errors)")
        let meeting = try #require(result.meetings.first)
        #expect(meeting.meeting.heldOn == CalendarDate(year: 2026, month: 3, day: 3))
        #expect(meeting.meeting.startMinute == 19 * 60 + 30)
        // Booleans: TRUE in "Có mặt" is present, FALSE an unticked box; the reason marks the other.
        #expect(meeting.meeting.attendance.map(\.state) == [.present, .absentExcused])
        #expect(meeting.attendees.map(\.partyCardNumber) == ["01012345", "01012346"])
    }

    @Test func aRosterFromOpenpyxlWithATitleAndACardTypedAsANumber() throws {
        let result = try members(try workbook("openpyxl-roster"))
        #expect(result.header.headerRow == 3)
        #expect(result.members.map(\.member.partyCardNumber) == ["01012345", "1012346"])
        #expect(
            result.members.map(\.member.birthDate) == [
                CalendarDate(year: 1979, month: 4, day: 30), CalendarDate(year: 1985, month: 3, day: 8),
            ]
        )
    }

    @Test func hostileWorkbooksAreRefusedNamingTheLimit() throws {
        let bomb = importError { _ = try members(try workbook("bomb")) }
        #expect(bomb?.code == .tooLarge)
        #expect(bomb?.message.contains("200 times its compressed size") == true, "\(String(describing: bomb))")

        let entities = importError { _ = try members(try workbook("entities")) }
        #expect(entities?.code == .malformed)
        #expect(entities?.message.contains("DOCTYPE") == true)

        let far = importError { _ = try members(try workbook("far-reference")) }
        #expect(far?.code == .malformed)
        #expect(far?.message.contains("XFE1") == true)

        let farRow = importError { _ = try members(try workbook("far-row")) }
        #expect(farRow?.message.contains("2000000") == true)

        let strings = try workbook("many-strings", "1000")
        let many = importError { _ = try members(strings) { $0.xlsxLimits.maxSharedStrings = 999 } }
        #expect(many?.code == .tooLarge)
        #expect(many?.message.contains("999 strings") == true)

        let notZip = try writeTemporary("roster.xlsx", Array("Số thẻ,Họ và tên\n1,A\n".utf8))
        #expect(importError { _ = try members(notZip) }?.code == .malformed)
    }

    @Test func aWorkbookRenamedCSVAndBinaryDataAreNamedForWhatTheyAre() throws {
        let workbook = try Data(contentsOf: Self.fixtures.appendingPathComponent("clerk-roster.xlsx"))
        let renamed = importError { _ = try readCSVBytes([UInt8](workbook)) }
        #expect(renamed?.code == .binary)
        #expect(renamed?.message.contains("workbook renamed") == true)
        var generator = SystemRandomNumberGenerator()
        let random = (0..<200_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let binary = importError { _ = try readCSVBytes(random) }
        #expect(binary?.code == .binary)
        #expect(binary?.message.contains("binary data") == true)
    }

    @Test func aFileOfOneLongLineSaysSo() throws {
        let line = [UInt8](repeating: UInt8(ascii: "a"), count: 300_000)
        let error = importError {
            var options = ImportOptions(entity: .members)
            options.maxRecordBytes = 100_000
            _ = try read(.bytes(name: "one-line.csv", line), options)
        }
        #expect(error?.code == .tooLarge)
        #expect(error?.message.contains("no line break") == true, "\(String(describing: error))")
    }

    @Test func aLargeSheetStreamsInFlatMemory() throws {
        let path = try workbook("openpyxl-large", "20000")
        let result = try members(path)
        #expect(result.members.count == 20_000)
        #expect(result.errors.isEmpty)
        #expect(result.peakBufferedBytes < 1 << 20)
    }

    // MARK: Helpers

    private func readCSVBytes(_ bytes: [UInt8]) throws -> ReadResult {
        try read(.bytes(name: "roster.csv", bytes), ImportOptions(entity: .members))
    }

    private func writeTemporary(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = try temporaryDirectory().appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// A Python with openpyxl: `CHIBO_PYTHON`, else the repository's `.venv-tools` (tools/test makes
/// it).
let workbookPython: String = {
    if let configured = ProcessInfo.processInfo.environment["CHIBO_PYTHON"], !configured.isEmpty { return configured }
    return repositoryRoot.appendingPathComponent(".venv-tools/bin/python").path
}()

/// Writes a workbook of `kind` with Tests/fixtures/xlsx/make_workbooks.py and returns its path.
func workbook(_ kind: String, _ arguments: String...) throws -> String {
    let out = try temporaryDirectory().appendingPathComponent("\(kind).xlsx").path
    let process = Process()
    process.executableURL = URL(fileURLWithPath: workbookPython)
    process.arguments =
        [XLSXTests.fixtures.appendingPathComponent("make_workbooks.py").path, kind, out] + arguments
    let errors = Pipe()
    process.standardError = errors
    try process.run()
    let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    try #require(process.terminationStatus == 0, "make_workbooks.py \(kind) (run tools/test for openpyxl): \(message)")
    return out
}
