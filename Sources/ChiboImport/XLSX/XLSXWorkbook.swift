import Foundation

/// What the reader needs from a workbook besides the sheet's cells: the sheets by name, the
/// date system, which cell styles show dates or times, and the shared-strings table.
final class XLSXWorkbook {
    /// A sheet of the workbook, in the order the workbook lists it.
    struct Sheet {
        /// The sheet's name as its tab shows it.
        var name: String
        /// The archive path of its part, for example `xl/worksheets/sheet1.xml`.
        var path: String
    }

    /// How a cell style shows a number.
    enum NumberKind {
        /// As a number.
        case number
        /// As a date (a day count from the date system's epoch).
        case date
        /// As a time of day (a fraction of a day).
        case time
        /// As a date with a time.
        case dateTime
    }

    let archive: XLSXArchive
    private(set) var sheets: [Sheet] = []
    /// True when dates count from 1 January 1904 (old Mac workbooks), not from 1900.
    private(set) var uses1904 = false
    /// The number kind of each cell style (`s` attribute), by index.
    private(set) var styleKinds: [NumberKind] = []
    /// The shared strings, concatenated, and where each ends.
    private var sharedText: [UInt8] = []
    private var sharedEnds: [Int] = []

    /// Reads the workbook's parts other than the sheets.
    init(archive: XLSXArchive) throws(ImportError) {
        self.archive = archive
        var ids: [(name: String, id: String)] = []
        var uses1904 = false
        try archive.read("xl/workbook.xml") { event in
            guard case .start(let name, let attributes, _) = event else { return }
            if name == "workbookPr", let value = attributes["date1904"] {
                uses1904 = value == "1" || value.lowercased() == "true"
            } else if name == "sheet", let sheetName = attributes["name"], let id = attributes["id"] {
                ids.append((sheetName, id))
            }
        }
        self.uses1904 = uses1904
        var targets: [String: String] = [:]
        var sharedStringsPath = "xl/sharedStrings.xml"
        var stylesPath = "xl/styles.xml"
        if archive.has("xl/_rels/workbook.xml.rels") {
            try archive.read("xl/_rels/workbook.xml.rels") { event in
                guard case .start(let name, let attributes, _) = event, name == "Relationship",
                    let id = attributes["Id"], let target = attributes["Target"]
                else { return }
                let path = Self.partPath(target)
                targets[id] = path
                let type = attributes["Type"] ?? ""
                if type.hasSuffix("/sharedStrings") { sharedStringsPath = path }
                if type.hasSuffix("/styles") { stylesPath = path }
            }
        }
        for (index, sheet) in ids.enumerated() {
            sheets.append(Sheet(name: sheet.name, path: targets[sheet.id] ?? "xl/worksheets/sheet\(index + 1).xml"))
        }
        if archive.has(stylesPath) { try readStyles(stylesPath) }
        if archive.has(sharedStringsPath) { try readSharedStrings(sharedStringsPath) }
    }

    /// A relationship target as an archive path: relative to `xl/`, or absolute from the root.
    static func partPath(_ target: String) -> String {
        if target.hasPrefix("/") { return String(target.dropFirst()) }
        var parts = ["xl"]
        for part in target.split(separator: "/") {
            if part == ".." {
                if !parts.isEmpty { parts.removeLast() }
            } else if part != "." {
                parts.append(String(part))
            }
        }
        return parts.joined(separator: "/")
    }

    /// The sheet `selector` names: a name (case and diacritics as written, compared without
    /// case), or a number from 1; the first sheet when nil.
    func sheet(_ selector: String?) throws(ImportError) -> Sheet {
        guard !sheets.isEmpty else {
            throw ImportError(code: .noSheet, message: "the workbook has no sheet", file: archive.name)
        }
        guard let selector else { return sheets[0] }
        if let found = sheets.first(where: { $0.name == selector })
            ?? sheets.first(where: { $0.name.lowercased() == selector.lowercased() })
        {
            return found
        }
        if let number = Int(selector), (1...sheets.count).contains(number) { return sheets[number - 1] }
        let names = sheets.map { "\"\($0.name)\"" }.joined(separator: ", ")
        throw ImportError(
            code: .noSheet,
            message: "has no sheet \"\(selector)\": its sheets are \(names) (give a name or a number from 1 to "
                + "\(sheets.count))",
            file: archive.name
        )
    }

    /// The shared string at `index`, or nil past the table's end.
    func sharedString(_ index: Int) -> String? {
        guard index >= 0, index < sharedEnds.count else { return nil }
        let start = index == 0 ? 0 : sharedEnds[index - 1]
        return String(decoding: sharedText[start..<sharedEnds[index]], as: UTF8.self)
    }

    /// The number kind of style `index`.
    func numberKind(style index: Int) -> NumberKind {
        index >= 0 && index < styleKinds.count ? styleKinds[index] : .number
    }

    private func readStyles(_ path: String) throws(ImportError) {
        var formats: [Int: String] = [:]
        var inCellXfs = false
        var xfFormats: [Int] = []
        try archive.read(path) { event in
            switch event {
            case .start(let name, let attributes, let selfClosing):
                if name == "numFmt", let id = attributes["numFmtId"].flatMap({ Int($0) }) {
                    formats[id] = attributes["formatCode"] ?? ""
                } else if name == "cellXfs" {
                    inCellXfs = !selfClosing
                } else if name == "xf", inCellXfs {
                    xfFormats.append(attributes["numFmtId"].flatMap { Int($0) } ?? 0)
                }
            case .end(let name):
                if name == "cellXfs" { inCellXfs = false }
            case .text:
                break
            }
        }
        styleKinds = xfFormats.map { Self.kind(id: $0, code: formats[$0]) }
    }

    /// The kind of number format `id` (Excel's built-in ids 14–22 and 45–47 are dates and
    /// times), or of a custom format code: one with `y` or `d` outside quotes and brackets shows a
    /// date, one with `h` or `s` a time, `m` alone a date (`General` is a number).
    static func kind(id: Int, code: String?) -> NumberKind {
        switch id {
        case 14, 15, 16, 17: return .date
        case 18, 19, 20, 21, 45, 46, 47: return .time
        case 22: return .dateTime
        default: break
        }
        guard let code else { return .number }
        var date = false
        var time = false
        var month = false
        var inQuote = false
        var inBracket = false
        var escaped = false
        let section = (code.split(separator: ";", omittingEmptySubsequences: false).first ?? "").lowercased()
            .replacingOccurrences(of: "general", with: "")
        for character in section {
            if escaped {
                escaped = false
                continue
            }
            if character == "\\" {
                escaped = true
            } else if character == "\"" {
                inQuote.toggle()
            } else if inQuote {
                continue
            } else if character == "[" {
                inBracket = true
            } else if character == "]" {
                inBracket = false
            } else if !inBracket {
                switch character {
                case "y", "d": date = true
                case "h", "s": time = true
                case "m": month = true
                default: break
                }
            }
        }
        if date || (month && !time) { return time ? .dateTime : .date }
        return time ? .time : .number
    }

    private func readSharedStrings(_ path: String) throws(ImportError) {
        var text: [UInt8] = []
        var ends: [Int] = []
        var inItem = false
        var inText = false
        var phoneticDepth = 0
        let limits = archive.limits
        let file = archive.name
        try archive.read(path) { event in
            switch event {
            case .start(let name, _, let selfClosing):
                switch name {
                case "si":
                    if selfClosing {
                        ends.append(text.count)
                    } else {
                        inItem = true
                    }
                case "rPh": if !selfClosing { phoneticDepth += 1 }
                case "t": inText = !selfClosing && inItem && phoneticDepth == 0
                default: break
                }
            case .end(let name):
                switch name {
                case "si":
                    inItem = false
                    ends.append(text.count)
                    if ends.count > limits.maxSharedStrings {
                        throw ImportError(
                            code: .tooLarge,
                            message: "its shared-strings table holds more than \(limits.maxSharedStrings) strings, the "
                                + "limit",
                            file: file
                        )
                    }
                case "rPh": phoneticDepth = max(0, phoneticDepth - 1)
                case "t": inText = false
                default: break
                }
            case .text(let value):
                guard inText else { return }
                text.append(contentsOf: value.utf8)
                if text.count > limits.maxSharedStringBytes {
                    throw ImportError(
                        code: .tooLarge,
                        message: "its shared-strings table holds more than \(limits.maxSharedStringBytes) bytes of "
                            + "text, the limit",
                        file: file
                    )
                }
            }
        }
        sharedText = text
        sharedEnds = ends
    }
}
