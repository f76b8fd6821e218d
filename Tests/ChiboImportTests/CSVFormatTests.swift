import ChiboImport
import ChiboModel
import Testing

/// The CSV layer: byte order mark, line ends, quoting, delimiters, blank rows, structure faults.
@Suite struct CSVFormatTests {
    private let header = "party_card_number,full_name,note"

    @Test func readsUTF8WithAndWithoutBOM() throws {
        let body = "\(header)\n01,Tòng Văn Hạnh,\n"
        let plain = try readCSV(body, .members)
        let withBOM = try read(
            .bytes(name: "bom.csv", [0xEF, 0xBB, 0xBF] + Array(body.utf8)),
            ImportOptions(entity: .members)
        )
        #expect(plain.members.map(\.member.fullName) == ["Tòng Văn Hạnh"])
        #expect(withBOM.members.map(\.member.fullName) == ["Tòng Văn Hạnh"])
        #expect(withBOM.header.matched.first?.field == "party_card_number")
    }

    @Test func readsCRLFAndLoneCR() throws {
        let crlf = try readCSV("\(header)\r\n01,An,\r\n02,Bình,\r\n", .members)
        #expect(crlf.members.map(\.member.fullName) == ["An", "Bình"])
        #expect(crlf.items.map(\.rows) == [[2], [3]])
        let cr = try readCSV("\(header)\r01,An,\r02,Bình,", .members)
        #expect(cr.members.map(\.member.fullName) == ["An", "Bình"])
    }

    @Test func readsQuotedFieldsWithDelimitersLineBreaksAndQuotes() throws {
        let text = [
            header,
            "01,\"Lò Văn Minh, bí thư\",\"dòng 1\r\ndòng 2 có \"\"ngoặc\"\"\"",
            "02,Quàng Thị Lan,\"a;b\tc\"",
            "",
        ].joined(separator: "\r\n")
        let result = try readCSV(text, .members)
        #expect(result.members.map(\.member.fullName) == ["Lò Văn Minh, bí thư", "Quàng Thị Lan"])
        #expect(result.members[0].member.note == "dòng 1\ndòng 2 có \"ngoặc\"")
        #expect(result.members[1].member.note == "a;b\tc")
        // A row whose cell holds line breaks is still one spreadsheet row.
        #expect(result.items.map(\.rows) == [[2], [3]])
    }

    @Test(arguments: [(",", CSVDelimiter.comma), (";", .semicolon), ("\t", .tab)])
    func detectsTheDelimiter(separator: String, expected: CSVDelimiter) throws {
        let text =
            ["Số thẻ đảng viên", "Họ và tên", "Ghi chú"].joined(separator: separator) + "\n"
            + ["01", "Tòng Văn Hạnh", "a, b; c"].map { $0.contains(separator) ? "\"\($0)\"" : $0 }
            .joined(separator: separator) + "\n"
        let result = try readCSV(text, .members)
        #expect(result.header.delimiter == expected)
        #expect(result.members.first?.member.note == "a, b; c")
    }

    @Test func tsvExtensionMeansTab() throws {
        let result = try readCSV("party_card_number\tfull_name\n01\tAn\n", .members, name: "roster.tsv")
        #expect(result.header.delimiter == .tab)
        #expect(result.members.count == 1)
    }

    @Test func skipsAndCountsBlankRows() throws {
        let result = try readCSV("\(header)\n01,An,\n\n,,\n02,Bình,\n;;\n", .members)
        #expect(result.members.count == 2)
        #expect(result.summary.blankRows == 2)
        #expect(result.summary.rowsRead == 3)
        #expect(result.errors.map(\.row) == [6])
    }

    @Test func anUnclosedQuoteStopsTheImportInsteadOfSwallowingRows() throws {
        let text = "\(header)\n01,\"An,\n02,Bình,\n03,Chi,\n"
        let reader = try ImportReader(
            source: .bytes(name: "q.csv", Array(text.utf8)),
            options: ImportOptions(entity: .members)
        )
        let error = importError { while try reader.next() != nil {} }
        #expect(error?.code == .unterminatedQuote)
        #expect(error?.row == 2)
    }

    @Test func aQuotedCellPastTheLimitStopsTheImport() throws {
        let text = "\(header)\n01,\"" + String(repeating: "a,\n", count: 4000)
        var options = ImportOptions(entity: .members)
        options.maxRecordBytes = 1000
        options.chunkSize = 256
        let reader = try ImportReader(source: .bytes(name: "q.csv", Array(text.utf8)), options: options)
        let error = importError { while try reader.next() != nil {} }
        #expect(error?.code == .unterminatedQuote)
        #expect(reader.peakBufferedBytes < 2000)
    }

    @Test func cellsPastTheHeaderAreAnError() throws {
        let result = try readCSV("\(header)\n01,An,,\n02,Bình,,lạc\n", .members)
        #expect(result.members.count == 1)
        #expect(result.errors.map(\.code) == [.extraCells])
        #expect(result.errors.first?.row == 3)
    }

    @Test func smallChunksCutRowsAnywhere() throws {
        let text = "\(header)\r\n" + (1...50).map { "\($0),\"Tên \($0), \"\"x\"\"\",ghi chú \($0)\r\n" }.joined()
        var options = ImportOptions(entity: .members)
        options.chunkSize = 7
        let result = try read(.bytes(name: "c.csv", Array(text.utf8)), options)
        #expect(result.members.count == 50)
        #expect(result.members.last?.member.fullName == "Tên 50, \"x\"")
        #expect(result.items.last?.rows == [51])
    }
}
