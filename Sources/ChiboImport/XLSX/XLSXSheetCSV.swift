import Foundation

/// One sheet of an .xlsx workbook written out as CSV (UTF-8, comma, RFC 4180 quoting) in a private
/// temporary file, for the CSV path to read: so header finding, per-cell checks, the two-file
/// meeting form and the reject file's second pass work on a workbook exactly as on a CSV file.
///
/// Line N of the CSV is row N of the sheet (rows the sheet leaves out are blank lines), so row
/// numbers are the ones Excel shows. Cells hold what Excel shows: a formula's cached value, shared
/// and inline strings, numbers in full, dates and times as text (`XLSXCellValue`). A merged range
/// repeats its top-left value over its cells; a header of two rows (a merged group header over
/// its sub-headers, the other headers merged down over both rows) becomes one row whose cells
/// join the two ("Ngày vào Đảng" over "Chính thức" reads "Ngày vào Đảng Chính thức"), on the
/// upper row, the lower left blank.
///
/// The sheet is read twice as it inflates — first for its merged ranges, which the format puts
/// after the cells, then for the cells — and never held whole: memory is one row, the merged
/// ranges and the shared strings, each under `XLSXLimits`.
enum XLSXSheetCSV {
    /// A merged range, rows and columns from 1, inclusive.
    struct Merge {
        var top: Int
        var left: Int
        var bottom: Int
        var right: Int
    }

    /// Converts the sheet `selector` names (first when nil) of `source`; returns the CSV, opened
    /// for reading and already unlinked, and the sheet's name.
    static func convert(
        source: ImportSource,
        sheet selector: String?,
        limits: XLSXLimits
    ) throws(ImportError) -> (handle: FileHandle, sheet: String) {
        let archive = try XLSXArchive(source: source, limits: limits)
        let workbook = try XLSXWorkbook(archive: archive)
        let sheet = try workbook.sheet(selector)
        let merges = try readMerges(archive: archive, path: sheet.path)
        let output = try TemporaryCSV(file: source.name)
        let writer = SheetWriter(workbook: workbook, merges: merges, output: output, file: source.name)
        try archive.read(sheet.path) { event in try writer.handle(event) }
        try writer.finish()
        return (try output.openForReading(), sheet.name)
    }

    private static func readMerges(archive: XLSXArchive, path: String) throws(ImportError) -> [Merge] {
        var merges: [Merge] = []
        let file = archive.name
        let limit = archive.limits.maxMergedRanges
        try archive.read(path) { event in
            guard case .start(let name, let attributes, _) = event, name == "mergeCell" else { return }
            guard merges.count < limit else {
                throw ImportError(
                    code: .tooLarge,
                    message: "the sheet declares more than \(limit) merged ranges, the limit",
                    file: file
                )
            }
            let ends = (attributes["ref"] ?? "").split(separator: ":").map(String.init)
            guard ends.count == 2, let from = XLSXCellValue.reference(ends[0]),
                let to = XLSXCellValue.reference(ends[1]),
                let top = from.row, let bottom = to.row,
                from.column <= XLSXLimits.maxColumn, to.column <= XLSXLimits.maxColumn,
                bottom <= XLSXLimits.maxRow
            else {
                throw ImportError(
                    code: .malformed,
                    message: "the sheet merges cells \"\(attributes["ref"] ?? "")\", which is not a range of the sheet",
                    file: file
                )
            }
            merges.append(
                Merge(
                    top: min(top, bottom),
                    left: min(from.column, to.column),
                    bottom: max(top, bottom),
                    right: max(from.column, to.column)
                )
            )
        }
        return merges.sorted { ($0.top, $0.left) < ($1.top, $1.left) }
    }
}

/// Writes the rows of a sheet as they are scanned.
private final class SheetWriter {
    private let workbook: XLSXWorkbook
    private let merges: [XLSXSheetCSV.Merge]
    private let output: TemporaryCSV
    private let file: String

    /// The values of the merged ranges' top-left cells, by range.
    private var mergeValues: [Int: String] = [:]
    /// Ranges that have started and not ended, by index in `merges`.
    private var active: [Int] = []
    private var nextMerge = 0
    /// Header bands: first row to last row.
    private var bands: [Int: Int] = [:]
    private var band: [[Int: String]] = []
    private var bandEnd = 0

    private var lastRow = 0
    private var row = 0
    private var cells: [Int: String] = [:]
    private var lastColumn = 0
    private var column = 0
    private var type = ""
    private var style = 0
    private var value = ""
    private var hasValue = false
    private var collecting = false
    private var phoneticDepth = 0
    private var inSheetData = false

    init(workbook: XLSXWorkbook, merges: [XLSXSheetCSV.Merge], output: TemporaryCSV, file: String) {
        self.workbook = workbook
        self.merges = merges
        self.output = output
        self.file = file
        // A header band: a row with a range merged down over the next rows and another merged
        // across it alone, near the top.
        for merge in merges where merge.top <= 30 && merge.bottom > merge.top && merge.bottom <= merge.top + 3 {
            let across = merges.contains { $0.top == merge.top && $0.bottom == merge.top && $0.right > $0.left }
            if across { bands[merge.top] = max(bands[merge.top] ?? merge.top, merge.bottom) }
        }
    }

    func handle(_ event: XMLScanEvent) throws {
        switch event {
        case .start(let name, let attributes, let selfClosing):
            switch name {
            case "sheetData": inSheetData = !selfClosing
            case "row" where inSheetData:
                try startRow(attributes["r"])
                if selfClosing { try endRow() }
            case "c" where inSheetData:
                try startCell(attributes)
                if selfClosing { try endCell() }
            case "v", "t":
                if row > 0, column > 0, phoneticDepth == 0, !selfClosing {
                    collecting = true
                    hasValue = true
                }
            case "rPh": if !selfClosing { phoneticDepth += 1 }
            default: break
            }
        case .end(let name):
            switch name {
            case "sheetData": inSheetData = false
            case "row" where inSheetData: try endRow()
            case "c" where inSheetData: try endCell()
            case "v", "t": collecting = false
            case "rPh": phoneticDepth = max(0, phoneticDepth - 1)
            default: break
            }
        case .text(let text):
            if collecting { value += text }
        }
    }

    private func startRow(_ reference: String?) throws {
        let number: Int
        if let reference {
            guard let parsed = Int(reference), parsed >= 1 else {
                throw failure("names row \"\(reference)\", which is not a row number")
            }
            number = parsed
        } else {
            number = lastRow + 1
        }
        guard number <= XLSXLimits.maxRow else {
            throw failure("names row \(number), past the last row a sheet has (\(XLSXLimits.maxRow))")
        }
        guard number > lastRow else { throw failure("lists row \(number) after row \(lastRow): rows out of order") }
        row = number
        cells = [:]
        lastColumn = 0
    }

    private func startCell(_ attributes: [Substring: String]) throws {
        guard row > 0 else { throw failure("holds a cell outside a row") }
        if let reference = attributes["r"] {
            guard let parsed = XLSXCellValue.reference(reference), parsed.row == nil || parsed.row == row else {
                throw failure("row \(row) holds the cell reference \"\(reference)\", which is not a cell of that row")
            }
            guard parsed.column <= XLSXLimits.maxColumn else {
                throw failure("holds the cell \"\(reference)\", past the sheet's last column (XFD)")
            }
            column = parsed.column
        } else {
            column = lastColumn + 1
        }
        guard column > lastColumn, column <= XLSXLimits.maxColumn else {
            throw failure("row \(row) lists its cells out of order")
        }
        type = attributes["t"] ?? "n"
        style = attributes["s"].flatMap { Int($0) } ?? 0
        value = ""
        hasValue = false
    }

    private func endCell() throws {
        defer {
            lastColumn = column
            column = 0
            collecting = false
        }
        guard hasValue else { return }
        let text: String
        switch type {
        case "s":
            guard let index = Int(value.trimmingCharacters(in: .whitespaces)), let shared = workbook.sharedString(index)
            else {
                throw failure("row \(row) names shared string \"\(value)\", which the workbook does not have")
            }
            text = shared
        case "b": text = value == "1" || value.lowercased() == "true" ? "1" : ""
        case "inlineStr", "str", "e": text = value
        case "d": text = String(value.prefix(10))
        default:
            text = XLSXCellValue.number(
                value,
                kind: workbook.numberKind(style: style),
                uses1904: workbook.uses1904
            )
        }
        if !text.isEmpty { cells[column] = text }
    }

    private func endRow() throws {
        guard row > 0 else { return }
        try emitThrough(row - 1, cells: nil)
        try emitThrough(row, cells: cells)
        lastRow = row
        row = 0
    }

    func finish() throws(ImportError) {
        if !band.isEmpty { try flushBand() }
        try output.close()
    }

    /// Writes the rows after the last one written through `last`: the blank rows between, then
    /// `cells` as row `last`.
    private func emitThrough(_ last: Int, cells: [Int: String]?) throws {
        var number = written + 1
        while number <= last {
            var filled = number == last ? (cells ?? [:]) : [:]
            fill(&filled, row: number)
            try emit(filled, row: number)
            number += 1
        }
    }

    private var written = 0

    /// Repeats merged ranges' top-left values over their cells on `row`.
    private func fill(_ cells: inout [Int: String], row: Int) {
        active.removeAll { merges[$0].bottom < row }
        while nextMerge < merges.count, merges[nextMerge].top <= row {
            if merges[nextMerge].bottom >= row { active.append(nextMerge) }
            nextMerge += 1
        }
        for index in active {
            let merge = merges[index]
            if merge.top == row, let value = cells[merge.left] { mergeValues[index] = value }
            guard let value = mergeValues[index] else { continue }
            for column in merge.left...min(merge.right, merge.left + 255) where cells[column] == nil {
                cells[column] = value
            }
        }
    }

    private func emit(_ cells: [Int: String], row: Int) throws {
        written = row
        if let end = bands[row] {
            band = [cells]
            bandEnd = end
            if row == end { try flushBand() }
            return
        }
        if !band.isEmpty {
            band.append(cells)
            if row >= bandEnd { try flushBand() }
            return
        }
        try output.writeRow(cells)
    }

    /// Writes a header band as one row and blank rows under it.
    private func flushBand() throws(ImportError) {
        var joined: [Int: String] = [:]
        for column in Set(band.flatMap(\.keys)) {
            var parts: [String] = []
            for cells in band {
                if let value = cells[column], !parts.contains(value) { parts.append(value) }
            }
            joined[column] = parts.joined(separator: " ")
        }
        try output.writeRow(joined)
        for _ in 1..<band.count { try output.writeRow([:]) }
        band = []
    }

    private func failure(_ message: String) -> ImportError {
        ImportError(code: .malformed, message: "the sheet \(message)", file: file, row: row > 0 ? row : nil)
    }
}

/// A private temporary CSV file, written in large pieces.
final class TemporaryCSV {
    private let descriptor: Int32
    private let path: String
    private let file: String
    private var pending: [UInt8] = []

    /// Creates the file (mode 0600, a new name in the temporary directory).
    init(file: String) throws(ImportError) {
        self.file = file
        path = NSTemporaryDirectory() + "/chibo-import-\(UUID().uuidString).csv"
        descriptor = open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw ImportError(
                code: .unreadable,
                message: "cannot write a temporary copy of the sheet in \(NSTemporaryDirectory()): "
                    + String(cString: strerror(errno)),
                file: file
            )
        }
    }

    private var closed = false

    deinit {
        if !closed {
            Foundation.close(descriptor)
            unlink(path)
        }
    }

    /// Appends one row: the cells by column (from 1), quoted where needed.
    func writeRow(_ cells: [Int: String]) throws(ImportError) {
        if let last = cells.keys.max() {
            for column in 1...last {
                if column > 1 { pending.append(0x2C) }
                guard let text = cells[column] else { continue }
                if text.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) {
                    pending.append(0x22)
                    for byte in text.utf8 {
                        if byte == 0x22 { pending.append(0x22) }
                        pending.append(byte)
                    }
                    pending.append(0x22)
                } else {
                    pending.append(contentsOf: text.utf8)
                }
            }
        }
        pending.append(0x0A)
        if pending.count >= 256 << 10 { try flush() }
    }

    private func flush() throws(ImportError) {
        var offset = 0
        while offset < pending.count {
            let count = pending[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else {
                throw ImportError(
                    code: .unreadable,
                    message: "cannot write a temporary copy of the sheet: " + String(cString: strerror(errno)),
                    file: file
                )
            }
            offset += count
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Writes what is pending.
    func close() throws(ImportError) { try flush() }

    /// The file opened for reading from its start, and its name removed: the data goes when the
    /// handle closes.
    func openForReading() throws(ImportError) -> FileHandle {
        let reading = open(path, O_RDONLY | O_CLOEXEC)
        unlink(path)
        Foundation.close(descriptor)
        closed = true
        guard reading >= 0 else {
            throw ImportError(code: .unreadable, message: "cannot read the temporary copy of the sheet", file: file)
        }
        return FileHandle(fileDescriptor: reading, closeOnDealloc: true)
    }
}
