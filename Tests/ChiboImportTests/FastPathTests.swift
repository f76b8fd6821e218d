import ChiboModel
import Foundation
import Testing

@testable import ChiboImport

/// The shortcuts of reading large files give what the long way gives: ASCII cells taken as they
/// are, the NFC and white-space checks made on bytes, TCVN3 looked for only where its symbols
/// are, the rows cut in runs of bytes, and the meeting keys read alone on the first pass.
@Suite struct FastPathTests {
    /// Cells of plain ASCII, with and without something to trim or to change.
    private let asciiCells = [
        "", " ", "  ", "abc", " abc", "abc ", "\tabc\t", "a b", "a\r\nb", "a\rb", "a\nb", "\na", "a\n", "x\u{1}y",
        "\u{1}x", "x\u{1F}", "\u{7F}", "a\"b", "19:30", "08/01/2019", "pv-x001-c00-2019-01-r", "\u{B}x\u{C}",
    ]

    private func decoders() throws -> [FieldDecoder] {
        let unicodeStart = ArraySlice("Họ và tên".utf8)
        let decoders = [
            try FieldDecoder(encoding: .utf8, start: [], hadBOM: false, file: "t.csv"),
            try FieldDecoder(encoding: .windows1258, start: [], hadBOM: false, file: "t.csv"),
            try FieldDecoder(encoding: .tcvn3, start: [], hadBOM: false, file: "t.csv"),
            try FieldDecoder(encoding: .tcvn3, start: unicodeStart, hadBOM: false, file: "t.csv"),
        ]
        #expect(decoders.map(\.mode) == [.utf8, .windows1258, .tcvn3Raw, .tcvn3MisreadAsUTF8])
        return decoders
    }

    @Test func asciiCellsDecodeAsTheLongWayDoes() throws {
        for decoder in try decoders() {
            for cell in asciiCells {
                let bytes = ArraySlice(cell.utf8)
                let expected = TextNormalization.cell(cell)
                #expect(try decoder.decode(bytes).get() == expected, "\(decoder.mode) \(cell.debugDescription)")
                if let shortcut = TextNormalization.plainASCIICell(bytes) { #expect(shortcut == expected) }
            }
        }
        let utf8 = try decoders()[0]
        #expect(try utf8.decode(ArraySlice(" abc\t".utf8)).get() == "abc")
        #expect(try utf8.decode(ArraySlice("a\r\nb\rc".utf8)).get() == "a\nb\nc")
        #expect(try utf8.decode(ArraySlice("   ".utf8)).get() == "")
        #expect(TextNormalization.plainASCIICell(ArraySlice("x,y".utf8)) == "x,y")
        #expect(TextNormalization.plainASCIICell(ArraySlice(" x".utf8)) == nil)
        #expect(TextNormalization.plainASCIICell(ArraySlice("Hà".utf8)) == nil)
    }

    @Test func nonASCIICellsStillGoTheLongWay() throws {
        let decoders = try decoders()
        // Decomposed Vietnamese (base letter + U+0323, U+0302 + U+0303) is composed, and the
        // no-break spaces around it trimmed.
        let decomposed = ArraySlice("\u{A0}Nguye\u{0302}\u{0303}n Thi\u{0323} Ha\u{0323}nh ".utf8)
        let text = try decoders[0].decode(decomposed).get()
        #expect(text == "Nguyễn Thị Hạnh")
        #expect(Array(text.unicodeScalars) == Array("Nguy\u{1EC5}n Th\u{1ECB} H\u{1EA1}nh".unicodeScalars))
        // windows-1258 "Ha" + 0xF2 (combining dot below) + "nh" composes too.
        let cp1258 = ArraySlice(Array("Ha".utf8) + [0xF2] + Array("nh".utf8))
        #expect(try decoders[1].decode(cp1258).get() == "Hạnh")
        // TCVN3 bytes and TCVN3 read as windows-1252 are converted.
        #expect(try decoders[2].decode([0x48, 0xE4]).get() == "Họ")
        #expect(try decoders[3].decode(ArraySlice("Hä vµ tªn".utf8)).get() == "Họ và tên")
        #expect((try? decoders[0].decode([0x48, 0xC3]).get()) == nil)
    }

    @Test func nfcCheckOnBytesAgreesWithTheScalars() {
        func stable(_ text: String) -> Bool {
            text.unicodeScalars.allSatisfy { $0.value < 0x300 || (0x1E00...0x1EFF).contains($0.value) }
        }
        var samples = [
            "", "Hạnh", "Ha\u{0323}nh", "Ḁ", "ỹ", "ἀ", "\u{2126}", "ǅ", "😀", "Đông", "\u{2FF}", "\u{300}",
            "Nguyễn Thị Ánh", "a\u{1EFF}b", "\u{1DFF}",
        ]
        for value in UInt32(0)..<0x2100 {
            if let scalar = Unicode.Scalar(value) { samples.append("a" + String(scalar) + "b") }
        }
        for sample in samples {
            #expect(TextNormalization.isStableNFC(sample) == stable(sample), "\(sample.unicodeScalars.map(\.value))")
        }
        #expect(TextNormalization.nfc("Ha\u{0323}nh") == "H\u{1EA1}nh")
        #expect(TextNormalization.nfc("Ha\u{0323}nh").unicodeScalars.count == 4)
        #expect(TextNormalization.nfc("\u{2126}").unicodeScalars.map(\.value) == [0x03A9])
    }

    @Test func whiteSpaceOfASCIIIsUnicodes() {
        for value in UInt8(0)..<0x80 {
            let scalar = Unicode.Scalar(value)
            #expect(TextNormalization.isWhitespace(scalar) == scalar.properties.isWhitespace, "\(value)")
        }
        for scalar in ["\u{85}", "\u{A0}", "\u{2003}", "\u{3000}", "ạ", "Đ"].map({ $0.unicodeScalars.first! }) {
            #expect(TextNormalization.isWhitespace(scalar) == scalar.properties.isWhitespace)
        }
    }

    @Test func latin1SymbolCheckAgreesWithTheScalars() {
        for value in UInt32(0)..<0x300 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let text = "x" + String(scalar)
            #expect(TextNormalization.hasLatin1Symbol(text) == (0xA1...0xBF).contains(value), "\(value)")
        }
        #expect(TextNormalization.hasLatin1Symbol("Tßng V¨n H¹nh"))
        #expect(!TextNormalization.hasLatin1Symbol("Tòng Văn Hạnh"))
        #expect(!TextNormalization.hasLatin1Symbol(""))
    }

    @Test func legacyEvidenceFromBytesCountsAsFromScalars() {
        var samples = [
            "", "Tòng Văn Hạnh", "Tßng V¨n H¹nh", "Lß V¨n §«ng", "Hoï vaø teân", "Soá theû ñaûng vieân", "«Kinh tế hộ»",
            "€‘Œ’ Ÿ ž", "😀 aø 😀", "Nguye\u{0302}\u{0303}n", "oï", "aê", "eâ", "Aø", "\u{10FFFF}ù",
        ]
        for value in UInt32(0x80)..<0x2200 {
            if let scalar = Unicode.Scalar(value) { samples.append("o" + String(scalar) + "a" + String(scalar)) }
        }
        for sample in samples {
            var fromBytes = LegacyEvidence()
            fromBytes.add(text: sample)
            var fromScalars = LegacyEvidence()
            fromScalars.add(scalarsOf: sample)
            let counts = [fromBytes.vietnamese, fromBytes.foreign, fromBytes.symbols, fromBytes.vniPairs]
            let expected = [fromScalars.vietnamese, fromScalars.foreign, fromScalars.symbols, fromScalars.vniPairs]
            #expect(counts == expected, "\(sample.unicodeScalars.map(\.value))")
        }
        #expect(LegacyEvidence.detect("Hoï vaø teân") == .vni)
        #expect(LegacyEvidence.detect("Lß V¨n §«ng") == .tcvn3)
        #expect(LegacyEvidence.detect("Tòng Văn Hạnh") == nil)
    }

    @Test func tcvn3CellsInAMeetingLogAreConvertedOthersKept() throws {
        let text = """
            Mã cuộc họp,Chi bộ,Ngày sinh hoạt,Loại,Chủ đề,Số thẻ đảng viên,Họ và tên,Điểm danh
            BB-01,Bản Bó,03/03/2026,thường kỳ,«Kinh tế hộ»,01,Tòng Văn Hạnh,x
            BB-01,Bản Bó,03/03/2026,thường kỳ,«Kinh tế hộ»,02,Lß V¨n §«ng,x
            BB-01,Bản Bó,03/03/2026,thường kỳ,«Kinh tế hộ»,03,Quàng Thị Lan,x
            """
        let result = try readCSV(text, .meetings)
        #expect(result.errors.isEmpty, "\(result.errors)")
        let meeting = try #require(result.meetings.first)
        #expect(meeting.attendees.map(\.fullName) == ["Tòng Văn Hạnh", "Lò Văn Đông", "Quàng Thị Lan"])
        #expect(meeting.meeting.topic == "«Kinh tế hộ»")
        let warnings = result.items.flatMap(\.warnings)
        #expect(warnings.map(\.row) == [3])
        #expect(warnings.map(\.column) == ["Họ và tên"])
        #expect(warnings.map(\.fileValue) == ["Lß V¨n §«ng"])
        #expect(warnings.map(\.chiboValue) == ["Lò Văn Đông"])
    }

    @Test func vietnameseLettersOfOtherCellsCountAgainstALegacyVerdict() throws {
        // "Hoï vaø teân" has the marks of VNI; on row 2 the five Vietnamese letters of the home
        // place outweigh them, on row 3 nothing does and the row is refused.
        let text = """
            party_card_number,full_name,home_place
            01,Hoï vaø teân,Mường Bằng Đồng
            02,Hoï vaø teân,Ban Bo
            """
        let result = try readCSV(text, .members)
        #expect(result.members.map(\.member.fullName) == ["Hoï vaø teân"])
        #expect(result.members.map(\.member.homePlace) == ["Mường Bằng Đồng"])
        #expect(result.errors.map(\.code) == [.legacyEncoding])
        #expect(result.errors.map(\.row) == [3])
        #expect(result.errors.map(\.column) == ["full_name"])
        #expect(result.items.flatMap(\.warnings).isEmpty)
    }

    @Test func identifiersWithSpacesAndScientificNotation() throws {
        let text = "Số thẻ,Họ và tên\n01 234,A\n05\u{A0}678,B\n1.4079E+11,C\n1.4079e+11,D\n0+1,E\n"
        let result = try readCSV(text, .members)
        #expect(result.members.map(\.member.partyCardNumber) == ["01234", "05678", "0+1"])
        #expect(result.errors.map(\.row) == [4, 5])
        #expect(result.errors.map(\.code) == [.badNumber, .badNumber])
    }

    /// Every row of `bytes` cut with chunks of `chunkSize`: fields, row number, offset, raw bytes.
    private func cut(_ bytes: [UInt8], chunkSize: Int) throws -> [([String], Int, Int, String)] {
        let reader = CSVRecordReader(
            source: try ByteSource(.bytes(name: "t.csv", bytes)),
            delimiter: UInt8(ascii: ","),
            maxRowBytes: 1 << 20,
            chunkSize: chunkSize
        )
        reader.keepRaw = true
        var rows: [([String], Int, Int, String)] = []
        while let row = try reader.next() {
            let fields = (0..<row.count).map { String(decoding: row.field($0), as: UTF8.self) }
            rows.append((fields, row.row, row.offset, String(decoding: reader.raw, as: UTF8.self)))
        }
        return rows
    }

    @Test func rowsAreCutTheSameWhateverTheChunks() throws {
        let text =
            "a,b,c\r\n\"x\r\ny\",\"say \"\"hi\"\"\",\"ab\"cd\r\nq\"r,,\"\"\rlast,\"two\nlines\"\n\n\"\",end"
        let bytes = Array(text.utf8)
        let expected: [([String], Int, Int, String)] = [
            (["a", "b", "c"], 1, 0, "a,b,c\r"),
            (["x\r\ny", "say \"hi\"", "abcd"], 2, 7, "\"x\r\ny\",\"say \"\"hi\"\"\",\"ab\"cd\r"),
            (["q\"r", "", ""], 3, 35, "q\"r,,\"\"\r"),
            (["last", "two\nlines"], 4, 43, "last,\"two\nlines\"\n"),
            ([""], 5, 60, "\n"),
            (["", "end"], 6, 61, "\"\",end"),
        ]
        for chunkSize in [1, 2, 3, 5, 7, 11, 4096] {
            let rows = try cut(bytes, chunkSize: chunkSize)
            #expect(rows.map(\.0) == expected.map(\.0), "chunk \(chunkSize)")
            #expect(rows.map(\.1) == expected.map(\.1), "chunk \(chunkSize)")
            #expect(rows.map(\.2) == expected.map(\.2), "chunk \(chunkSize)")
            #expect(rows.map(\.3) == expected.map(\.3), "chunk \(chunkSize)")
        }
        for chunkSize in [1, 4, 4096] {
            let error = importError { _ = try cut(Array("a,b\nc,\"open\nd,e\n".utf8), chunkSize: chunkSize) }
            #expect(error?.code == .unterminatedQuote)
            #expect(error?.row == 2)
        }
    }

    @Test func quotedCellsWithLineBreaksInAMeetingLog() throws {
        let text =
            "Mã cuộc họp,Chi bộ,Ngày sinh hoạt,Loại,Biên bản,Số thẻ đảng viên,Họ và tên,Điểm danh\r\n"
            + "BB-01,Bản Bó,03/03/2026,thường kỳ,\"Dòng 1\r\nDòng \"\"2\"\"\",01,Tòng Văn Hạnh,x\r\n"
            + "BB-01,Bản Bó,03/03/2026,thường kỳ,\"Dòng 1\r\nDòng \"\"2\"\"\",02,Lò Văn Minh,x\r\n"
            + "BB-01,Bản Bó,03/03/2026,thường kỳ,,03,Quàng Thị Lan,x\r\n"
        for chunkSize in [3, 64 << 10] {
            let result = try readCSV(text, .meetings) { $0.chunkSize = chunkSize }
            #expect(result.errors.isEmpty, "\(result.errors)")
            #expect(result.items.map(\.rows) == [[2, 3, 4]])
            #expect(result.meetings.first?.meeting.minutes == "Dòng 1\nDòng \"2\"")
            #expect(result.meetings.first?.meeting.heldOn == CalendarDate(year: 2026, month: 3, day: 3))
        }
    }

    @Test func meetingKeysThatNeedDecodingOnTheFirstPass() throws {
        // " BB-01 " is "BB-01" once trimmed, and a decomposed "Cuộc-2" is the composed one: each
        // is one meeting. "BB-03" comes back after another meeting and is refused.
        let text = """
            Mã cuộc họp,Chi bộ,Ngày sinh hoạt,Loại,Họ và tên,Điểm danh
            " BB-01 ",Bản Bó,03/03/2026,thường kỳ,Tòng Văn Hạnh,x
            BB-01,Bản Bó,03/03/2026,thường kỳ,Lò Văn Minh,x
            Cuộc-2,Bản Bó,07/04/2026,thường kỳ,Tòng Văn Hạnh,x
            Cuo\u{0323}\u{0302}c-2,Bản Bó,07/04/2026,thường kỳ,Lò Văn Minh,x
            BB-03,Bản Bó,05/05/2026,thường kỳ,Tòng Văn Hạnh,x
            BB-04,Bản Bó,06/06/2026,thường kỳ,Tòng Văn Hạnh,x
            BB-03,Bản Bó,05/05/2026,thường kỳ,Lò Văn Minh,x
            """
        let result = try readCSV(text, .meetings)
        #expect(result.meetings.map(\.key) == ["BB-01", "Cuộc-2", "BB-04"])
        #expect(result.items.map(\.rows) == [[2, 3], [4, 5], [7]])
        #expect(result.errors.map(\.row) == [6, 8])
        #expect(result.errors.map(\.code) == [.meetingNotContiguous, .meetingNotContiguous])
    }
}
