import Foundation
import ZIPFoundation

/// Writes a workbook of one sheet as a spreadsheet program would: text as inline strings, numbers,
/// and dates as Excel serial numbers (1900 system) in a `dd/mm/yyyy` format, merged ranges (a title
/// over the table). Rows stream to a temporary file, so memory stays flat; `close()` packs the
/// parts into the `.xlsx` file (mode 0600).
public final class XLSXWriter {
    /// One cell's value.
    public enum Cell: Hashable, Sendable {
        /// Text.
        case text(String)
        /// A number.
        case number(Double)
        /// A date, shown `dd/mm/yyyy`.
        case date(CalendarDay)
        /// Nothing.
        case empty
    }

    /// A day of the calendar.
    public struct CalendarDay: Hashable, Sendable {
        /// The year, month (1–12) and day (1–31).
        public var year: Int, month: Int, day: Int

        /// Creates a day.
        public init(year: Int, month: Int, day: Int) {
            self.year = year
            self.month = month
            self.day = day
        }

        /// The day of `dd/MM/yyyy` text, or nil.
        public init?(text: String) {
            let parts = text.split(separator: "/")
            guard parts.count == 3, parts[2].count == 4, let day = Int(parts[0]), let month = Int(parts[1]),
                let year = Int(parts[2]), (1...12).contains(month), (1...31).contains(day), year >= 1901
            else { return nil }
            self.init(year: year, month: month, day: day)
        }

        /// Excel's serial number of the day (1900 system, from 1 March 1900 on).
        var serial: Int {
            // Days from 1970-01-01 (Howard Hinnant's days_from_civil), then Excel's offset.
            let y = month <= 2 ? year - 1 : year
            let era = (y >= 0 ? y : y - 399) / 400
            let yearOfEra = y - era * 400
            let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
            let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
            return era * 146_097 + dayOfEra - 719_468 + 25_569
        }
    }

    private let path: String
    private let sheetName: String
    private let folder: URL
    private let sheet: FileHandle
    private var pending = ""
    private var row = 0
    private var merges: [String] = []

    /// Starts a workbook at `path` whose one sheet is named `sheetName`.
    public init(path: String, sheetName: String) throws {
        self.path = path
        self.sheetName = sheetName
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("chibo-xlsx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("xl/worksheets"),
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        let sheetPath = folder.appendingPathComponent("xl/worksheets/sheet1.xml").path
        guard FileManager.default.createFile(atPath: sheetPath, contents: nil, attributes: [.posixPermissions: 0o600]),
            let handle = FileHandle(forWritingAtPath: sheetPath)
        else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: sheetPath]) }
        sheet = handle
        pending =
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
            + "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
    }

    deinit {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Appends a row (row 1 first).
    public func append(_ cells: [Cell]) throws {
        row += 1
        pending += "<row r=\"\(row)\">"
        for (index, cell) in cells.enumerated() {
            let reference = Self.column(index + 1) + String(row)
            switch cell {
            case .text(let text) where !text.isEmpty:
                pending +=
                    "<c r=\"\(reference)\" t=\"inlineStr\"><is><t xml:space=\"preserve\">\(Self.escape(text))</t></is></c>"
            case .number(let value):
                pending += "<c r=\"\(reference)\"><v>\(XLSXCellValue.plain(value))</v></c>"
            case .date(let day):
                pending += "<c r=\"\(reference)\" s=\"1\"><v>\(day.serial)</v></c>"
            case .text, .empty:
                continue
            }
        }
        pending += "</row>"
        if pending.utf8.count > 1 << 16 { try flush() }
    }

    /// Merges the cells of `columns` (from 1) on the last row appended.
    public func mergeLastRow(columns: ClosedRange<Int>) {
        merges.append("\(Self.column(columns.lowerBound))\(row):\(Self.column(columns.upperBound))\(row)")
    }

    /// Writes the workbook and removes the temporary parts.
    public func close() throws {
        pending += "</sheetData>"
        if !merges.isEmpty {
            pending +=
                "<mergeCells count=\"\(merges.count)\">"
                + merges.map { "<mergeCell ref=\"\($0)\"/>" }.joined() + "</mergeCells>"
        }
        pending += "</worksheet>"
        try flush()
        try sheet.close()
        let parts: [(String, String)] = [
            ("[Content_Types].xml", Self.contentTypes), ("_rels/.rels", Self.rootRelationships),
            ("xl/workbook.xml", Self.workbook(sheetName)), ("xl/_rels/workbook.xml.rels", Self.workbookRelationships),
            ("xl/styles.xml", Self.styles),
        ]
        for (name, text) in parts {
            let url = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(),
                withIntermediateDirectories: true
            )
            try Data(text.utf8).write(to: url)
        }
        try? FileManager.default.removeItem(atPath: path)
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        for name in parts.map(\.0) + ["xl/worksheets/sheet1.xml"] {
            try archive.addEntry(with: name, relativeTo: folder, compressionMethod: .deflate)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    }

    private func flush() throws {
        try sheet.write(contentsOf: Data(pending.utf8))
        pending = ""
    }

    /// `A`, `Z`, `AA`… for a column from 1.
    static func column(_ number: Int) -> String {
        var number = number
        var letters = ""
        while number > 0 {
            let remainder = (number - 1) % 26
            letters = String(UnicodeScalar(UInt8(65 + remainder))) + letters
            number = (number - 1) / 26
        }
        return letters
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20: continue
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static let contentTypes = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
        <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
        <Default Extension="xml" ContentType="application/xml"/>\
        <Override PartName="/xl/workbook.xml" \
        ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
        <Override PartName="/xl/worksheets/sheet1.xml" \
        ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
        <Override PartName="/xl/styles.xml" \
        ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>
        """

    static let rootRelationships = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" \
        Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" \
        Target="xl/workbook.xml"/></Relationships>
        """

    static func workbook(_ sheetName: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
        xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>\
        <sheet name="\(escape(sheetName))" sheetId="1" r:id="rId1"/></sheets></workbook>
        """
    }

    static let workbookRelationships = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" \
        Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" \
        Target="worksheets/sheet1.xml"/>\
        <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" \
        Target="styles.xml"/></Relationships>
        """

    static let styles = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
        <numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>\
        <fonts count="1"><font><sz val="11"/><name val="Times New Roman"/></font></fonts>\
        <fills count="1"><fill><patternFill patternType="none"/></fill></fills>\
        <borders count="1"><border/></borders>\
        <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
        <cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
        <xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>\
        </styleSheet>
        """
}
