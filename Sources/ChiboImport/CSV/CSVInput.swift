/// An opened CSV file: its rows cut by the record reader, decoded in the file's encoding, and
/// its header matched to an entity's columns.
final class CSVInput {
    /// A data row decoded: its cells and any problem found before the cells were read.
    struct DecodedRow {
        /// The cells, NFC and trimmed; empty strings where a cell could not be decoded.
        var cells: [String]
        /// The spreadsheet row number.
        var row: Int
        /// Byte offset of the row in the file.
        var offset: Int
        /// Problems of the row as a whole (encoding, legacy font, extra cells).
        var problems: [RowContext.Problem]
        /// Cells converted on the way (TCVN3 text in a Unicode file).
        var warnings: [RowWarning] = []
    }

    let reader: CSVRecordReader
    let decoder: FieldDecoder
    let layout: HeaderLayout
    let report: HeaderReport
    let keys = KeyCache()
    /// Whether the file starts with a UTF-8 byte order mark.
    let hadBOM: Bool
    /// Whether the rows come from a workbook's sheet (written out as UTF-8 CSV).
    let isWorkbook: Bool
    /// Where the header row starts, and its number.
    let headerPosition: (offset: Int, row: Int)
    /// Where the first row after the header starts, to read the data again.
    private var dataStart: (offset: Int, row: Int)?
    var file: String { reader.source.name }

    /// Data rows read so far, and blank rows skipped.
    private(set) var rowsRead = 0
    private(set) var blankRows = 0

    /// Opens `source` as CSV for `columns`: detects the delimiter, picks the decoding, finds the
    /// header (the first row, or a row under a title where at least two cells match columns),
    /// and matches it. Throws for a header in the wrong encoding or a legacy font encoding.
    init(source: ImportSource, columns: [ImportColumn], options: ImportOptions) throws(ImportError) {
        var options = options
        let bytes: ByteSource
        var sheet: String?
        let isWorkbook = (options.format ?? ImportFormat(fileExtensionOf: source.name)) == .xlsx
        if isWorkbook {
            let converted = try XLSXSheetCSV.convert(source: source, sheet: options.sheet, limits: options.xlsxLimits)
            bytes = ByteSource(name: source.name, handle: converted.handle)
            sheet = converted.sheet
            options.delimiter = .comma
            options.encoding = .utf8
        } else {
            bytes = try ByteSource(source)
        }
        let tsv = source.name.lowercased().hasSuffix(".tsv")
        let probe = CSVRecordReader(
            source: bytes,
            delimiter: CSVDelimiter.comma.byte,
            maxRowBytes: options.maxRecordBytes,
            chunkSize: options.chunkSize
        )
        let start = try probe.peekStart()
        hadBOM = start.hadBOM
        if !isWorkbook { try Self.refuseBinary(start.bytes, file: source.name) }
        self.isWorkbook = isWorkbook
        let delimiter = options.delimiter ?? (tsv ? .tab : CSVRecordReader.detectDelimiter(in: start.bytes))
        probe.delimiter = delimiter.byte
        reader = probe
        decoder = try FieldDecoder(
            encoding: options.encoding,
            start: start.bytes,
            hadBOM: start.hadBOM,
            file: source.name
        )
        let matcher = try HeaderMatcher(columns: columns, mappings: options.columnMappings, file: source.name)

        var candidates: [(row: Int, offset: Int, cells: [String])] = []
        var headerIndex: Int?
        var skippedRows: [Int] = []
        while candidates.count < 10, let raw = try reader.next() {
            if raw.isBlank {
                skippedRows.append(raw.row)
                continue
            }
            let cells = try Self.decodeHeader(raw, decoder: decoder, file: source.name)
            candidates.append((raw.row, raw.offset, cells))
            if matcher.matchCount(cells) >= min(2, cells.filter { !$0.isEmpty }.count) {
                headerIndex = candidates.count - 1
                break
            }
        }
        guard !candidates.isEmpty else {
            throw ImportError(code: .noHeader, message: "the file is empty: a header row is needed", file: source.name)
        }
        // Without a row of two matching cells, the first row is taken as the header: every
        // entity needs at least two columns, so matching it throws `missingColumns`, listing it.
        let chosen = headerIndex ?? 0
        let header = candidates[chosen]
        headerPosition = (header.offset, header.row)
        skippedRows = (skippedRows + candidates[..<chosen].map(\.row)).filter { $0 < header.row }.sorted()
        let matched = try matcher.match(header.cells, file: source.name)
        layout = matched.layout
        report = HeaderReport(
            file: source.name,
            format: isWorkbook ? .xlsx : .csv,
            encoding: isWorkbook ? nil : options.encoding,
            delimiter: isWorkbook ? nil : delimiter,
            sheet: sheet,
            headerRow: header.row,
            skippedRows: skippedRows,
            columns: matched.columns,
            mappingsApplied: matched.mappings
        )
    }

    /// Refuses a file whose first bytes are no text: a workbook renamed .csv, or binary data
    /// (NUL and other control bytes no text file holds), before any guess at its encoding.
    static func refuseBinary(_ start: ArraySlice<UInt8>, file: String) throws(ImportError) {
        if start.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            throw ImportError(
                code: .binary,
                message:
                    "is a zip archive, not CSV text: an Excel workbook renamed? Name it .xlsx, or give --format xlsx",
                file: file
            )
        }
        if start.starts(with: [0xD0, 0xCF, 0x11, 0xE0]) {
            throw ImportError(
                code: .binary,
                message: "is an old Excel workbook (.xls), not CSV text: save it as .xlsx or as CSV UTF-8 in Excel",
                file: file
            )
        }
        let sample = start.prefix(64 << 10)
        let control = sample.filter { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D && $0 != 0x1A }.count
        if control > 0 && (sample.contains(0) || control * 100 > sample.count) {
            throw ImportError(
                code: .binary,
                message: "holds binary data, not text: \(control) control bytes in its first \(sample.count) bytes "
                    + "(no CSV file has them). Is it the right file?",
                file: file
            )
        }
    }

    /// Decodes a header candidate; a cell that is not in the encoding, or text in a legacy font
    /// encoding, fails the whole file.
    private static func decodeHeader(
        _ raw: CSVRawRow,
        decoder: FieldDecoder,
        file: String
    ) throws(ImportError) -> [String] {
        var cells: [String] = []
        var evidence = LegacyEvidence()
        for index in 0..<raw.count {
            let bytes = raw.field(index)
            switch decoder.decode(bytes) {
            case .success(let text):
                decoder.addEvidence(text: text, bytes: bytes, to: &evidence)
                cells.append(text)
            case .failure(let fault):
                var latin1 = LegacyEvidence()
                let asLatin1 = String(String.UnicodeScalarView(raw.bytes.map { Unicode.Scalar($0) }))
                latin1.add(text: asLatin1)
                if let legacy = latin1.verdict {
                    throw ImportError(
                        code: .legacyEncoding,
                        message: legacy.message(sample: asLatin1),
                        file: file,
                        row: raw.row
                    )
                }
                throw ImportError(
                    code: .badEncoding,
                    message: "the header cell \(index + 1) \(fault.message)",
                    file: file,
                    row: raw.row
                )
            }
        }
        if let legacy = evidence.verdict {
            let sample = cells.filter { !$0.isEmpty }.joined(separator: ", ")
            throw ImportError(code: .legacyEncoding, message: legacy.message(sample: sample), file: file, row: raw.row)
        }
        return cells
    }

    /// The next data row, skipping blank rows; nil at the end of the file.
    func next() throws(ImportError) -> DecodedRow? {
        try nextDataRow().map(decode)
    }

    /// The next row that is not blank, counted (blank rows apart); nil at the end of the file.
    private func nextDataRow() throws(ImportError) -> CSVRawRow? {
        while let raw = try reader.next() {
            if dataStart == nil { dataStart = (raw.offset, raw.row) }
            if raw.isBlank {
                blankRows += 1
                continue
            }
            rowsRead += 1
            return raw
        }
        return nil
    }

    /// The next data row with only the cells at `indices` decoded and the others left empty,
    /// for a pass that reads a few columns (the meeting keys); nil at the end of the file. The
    /// row is decoded whole, as `next` does, when one of those cells is not plain ASCII (its
    /// text could then depend on the rest of the row), so the cells given are the same.
    /// Problems and warnings are not looked for.
    func next(decodingOnly indices: [Int]) throws(ImportError) -> DecodedRow? {
        guard let raw = try nextDataRow() else { return nil }
        let count = min(raw.count, layout.headers.count)
        var cells = [String](repeating: "", count: count)
        for index in indices where index < count {
            guard let text = TextNormalization.plainASCIICell(raw.field(index)) else { return decode(raw) }
            cells[index] = text
        }
        return DecodedRow(cells: cells, row: raw.row, offset: raw.offset, problems: [])
    }

    /// Reads the row at a known offset (two-file form) without counting it again.
    func row(at offset: Int, row: Int) throws(ImportError) -> DecodedRow? {
        try reader.reposition(offset: offset, row: row)
        return try reader.next().map(decode)
    }

    /// Goes back to the first data row to read the data again; the counts start over.
    func rewind() throws(ImportError) {
        guard let dataStart else { return }
        try reader.reposition(offset: dataStart.offset, row: dataStart.row)
        rowsRead = 0
        blankRows = 0
    }

    private func decode(_ raw: CSVRawRow) -> DecodedRow {
        var cells: [String] = []
        cells.reserveCapacity(raw.count)
        var problems: [RowContext.Problem] = []
        var evidence = LegacyEvidence()
        for index in 0..<raw.count {
            let bytes = raw.field(index)
            switch decoder.decode(bytes) {
            case .success(let text):
                if index < layout.headers.count {
                    cells.append(text)
                } else if !text.isEmpty {
                    problems.append(
                        RowContext.Problem(
                            field: nil,
                            header: layout.header(at: index),
                            code: .extraCells,
                            message: "holds \"\(text)\" past the last column of the header: add a header for it or "
                                + "remove it"
                        )
                    )
                }
                decoder.addTelltaleEvidence(text: text, bytes: bytes, to: &evidence)
            case .failure(let fault):
                cells.append("")
                problems.append(
                    RowContext.Problem(
                        field: nil,
                        header: layout.header(at: index),
                        code: .badEncoding,
                        message: fault.message
                    )
                )
            }
        }
        if evidence.mightHaveVerdict { evidence = allEvidence(raw) }
        var warnings: [RowWarning] = []
        // A cell can be TCVN3 only with one of the symbols U+00A1–U+00BF, which no decoding,
        // composing or trimming creates: a row whose bytes have none is not looked at further.
        if decoder.mode == .utf8, evidence.verdict != .vni,
            raw.bytes.withUnsafeBufferPointer({ UTF8Bytes.contains($0, lead: 0xC2, followedBy: 0xA1...0xBF) })
        {
            warnings = convertTCVN3Cells(&cells, row: raw.row)
            if !warnings.isEmpty {
                evidence = LegacyEvidence()
                for cell in cells { evidence.add(text: cell) }
            }
        }
        if let legacy = evidence.verdict {
            let sample = cells.filter { $0.unicodeScalars.contains { $0.value >= 0x80 } }.joined(separator: ", ")
            // The column named is the first whose cell looks legacy on its own.
            let legacyColumn = cells.indices.first { index in
                var own = LegacyEvidence()
                own.add(text: cells[index])
                return own.verdict != nil || own.foreign > 0 && own.vietnamese == 0
            }
            problems.insert(
                RowContext.Problem(
                    field: nil,
                    header: legacyColumn.map { layout.header(at: $0) },
                    code: .legacyEncoding,
                    message: legacy.message(sample: sample)
                ),
                at: 0
            )
        }
        return DecodedRow(cells: cells, row: raw.row, offset: raw.offset, problems: problems, warnings: warnings)
    }

    /// The legacy-encoding evidence of every cell of a row, for the few rows whose telltale
    /// characters could give a verdict (then the Vietnamese letters of the other cells count too).
    private func allEvidence(_ raw: CSVRawRow) -> LegacyEvidence {
        var evidence = LegacyEvidence()
        for index in 0..<raw.count {
            let bytes = raw.field(index)
            if case .success(let text) = decoder.decode(bytes) {
                decoder.addEvidence(text: text, bytes: bytes, to: &evidence)
            }
        }
        return evidence
    }

    /// Converts the cells of a Unicode row that were typed in TCVN3 ("Lß V¨n §«ng" becomes "Lò Văn
    /// Đông"), each judged on its own: a cell with TCVN3's telltale symbols (0xA1–0xBF) and more
    /// legacy characters than Vietnamese letters. Returns a warning per cell converted.
    private func convertTCVN3Cells(_ cells: inout [String], row: Int) -> [RowWarning] {
        var warnings: [RowWarning] = []
        // Only a cell holding one of the symbols U+00A1–U+00BF (UTF-8 0xC2 0xA1–0xBF) can be
        // judged TCVN3 here, so the others are not looked at further.
        for index in cells.indices where TextNormalization.hasLatin1Symbol(cells[index]) {
            var own = LegacyEvidence()
            own.add(text: cells[index])
            guard own.verdict == .tcvn3, own.symbols > 0 else { continue }
            let text = cells[index]
            let converted = TextNormalization.cell(TCVN3.decode(misreadText: text))
            warnings.append(
                RowWarning(
                    code: "legacy_text_converted",
                    row: row,
                    column: layout.header(at: index),
                    fileValue: text,
                    chiboValue: converted,
                    message: "\"\(text)\" was typed in the legacy TCVN3 encoding: read as \"\(converted)\""
                )
            )
            cells[index] = converted
        }
        return warnings
    }

    /// A context to map a decoded row, carrying its problems.
    func context(_ row: DecodedRow) -> RowContext {
        var context = RowContext(layout: layout, cells: row.cells, row: row.row, file: file, keys: keys)
        for problem in row.problems { context.fail(header: problem.header, problem.code, problem.message) }
        return context
    }
}
