import ChiboModel
import Testing

@testable import ChiboImport

#if canImport(Glibc)
import Glibc
#endif

/// Encodings: windows-1258, invalid UTF-8, and the legacy font encodings TCVN3 and VNI.
@Suite struct EncodingTests {
    /// "Số thẻ,Họ và tên" and "01,Tòng Văn Hạnh" in windows-1258, tone marks as combining bytes.
    private let windows1258: [UInt8] =
        [
            0x53, 0xF4, 0xEC, 0x20, 0x74, 0x68, 0xEA, 0xD2, 0x2C, 0x48, 0x6F, 0xF2, 0x20, 0x76, 0xE0, 0x20, 0x74, 0xEA,
            0x6E, 0x0D, 0x0A,
        ]
        + Array("01,T".utf8) + [0x6F, 0xCC] + Array("ng V".utf8) + [0xE3] + Array("n H".utf8) + [0x61, 0xF2]
        + Array("nh\r\n".utf8)

    /// The TCVN3 bytes of "Số thẻ đảng viên,Họ và tên\n01,Tòng Văn Hạnh\n" read as Latin-1.
    private let tcvn3Text = "Sè thÎ ®¶ng viªn,Hä vµ tªn\n01,Tßng V¨n H¹nh\n"
    /// The same in VNI.
    private let vniText = "Soá theû ñaûng vieân,Hoï vaø teân\n01,Toøng Vaên Haïnh\n"

    private func latin1Bytes(_ text: String) -> [UInt8] {
        text.unicodeScalars.map { UInt8($0.value) }
    }

    @Test func decodesWindows1258AndComposesToneMarks() throws {
        var options = ImportOptions(entity: .members)
        options.encoding = .windows1258
        let result = try read(.bytes(name: "cp1258.csv", windows1258), options)
        #expect(result.errors.isEmpty, "\(result.errors)")
        #expect(result.header.matched.map(\.field) == ["party_card_number", "full_name"])
        let name = try #require(result.members.first?.member.fullName)
        #expect(name == "Tòng Văn Hạnh")
        #expect(name.unicodeScalars.count == "Tòng Văn Hạnh".unicodeScalars.count)
    }

    @Test func windows1258ReadAsUTF8SaysWhatToDo() {
        let error = importError {
            _ = try read(.bytes(name: "cp1258.csv", windows1258), ImportOptions(entity: .members))
        }
        #expect(error?.code == .badEncoding)
        #expect(error?.message.contains("windows-1258") == true)
    }

    @Test func invalidUTF8InADataRowIsARowError() throws {
        let bytes = Array("Số thẻ,Họ và tên\n01,An\n02,B".utf8) + [0xFF] + Array("\n03,Chi\n".utf8)
        let result = try read(.bytes(name: "bad.csv", bytes), ImportOptions(entity: .members))
        #expect(result.members.count == 2)
        #expect(result.errors.map(\.code) == [.badEncoding])
        #expect(result.errors.first?.row == 3)
        #expect(result.errors.first?.column == "Họ và tên")
    }

    #if canImport(Glibc)
    /// Whether this system's iconv has the CP1258 module (slim images leave the gconv modules out;
    /// the table is what the importer uses either way).
    static let iconvHasCP1258: Bool = {
        let decoder = iconv_open("UTF-8", "CP1258")
        guard decoder != iconv_t(bitPattern: -1) else { return false }
        iconv_close(decoder)
        return true
    }()

    @Test(.enabled(if: iconvHasCP1258, "this system's iconv has no CP1258 module"))
    func theWindows1258TableAgreesWithIconv() throws {
        let decoder = iconv_open("UTF-8", "CP1258")
        try #require(decoder != iconv_t(bitPattern: -1), "no CP1258 in this iconv")
        defer { iconv_close(decoder) }
        for byte in UInt8(0x80)...UInt8(0xFF) {
            var input: [CChar] = [CChar(bitPattern: byte), 0x20]
            var output = [CChar](repeating: 0, count: 16)
            var inLeft = input.count
            var outLeft = output.count
            let status = input.withUnsafeMutableBufferPointer { inBuffer in
                output.withUnsafeMutableBufferPointer { outBuffer in
                    var inPointer = inBuffer.baseAddress
                    var outPointer = outBuffer.baseAddress
                    return iconv(decoder, &inPointer, &inLeft, &outPointer, &outLeft)
                }
            }
            iconv(decoder, nil, nil, nil, nil)
            let ours = CodePages.windows1258[Int(byte) - 0x80]
            let theirs = String(decoding: output[0..<(16 - outLeft)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if status == size_t.max || theirs.isEmpty {
                #expect(ours == 0, "byte \(byte)")
            } else {
                #expect(theirs.unicodeScalars.first?.value == ours, "byte \(byte)")
            }
        }
    }
    #endif

    @Test func tcvn3HeaderIsDetectedAsUTF8AndAsRawBytes() {
        let misread = importError { _ = try readCSV(tcvn3Text, .members) }
        #expect(misread?.code == .legacyEncoding)
        #expect(misread?.message.contains("TCVN3") == true)
        #expect(misread?.message.contains("--encoding tcvn3") == true)
        let raw = importError {
            _ = try read(.bytes(name: "abc.csv", latin1Bytes(tcvn3Text)), ImportOptions(entity: .members))
        }
        #expect(raw?.code == .legacyEncoding)
        #expect(raw?.message.contains("TCVN3") == true)
    }

    @Test func vniHeaderIsDetected() {
        let error = importError { _ = try readCSV(vniText, .members) }
        #expect(error?.code == .legacyEncoding)
        #expect(error?.message.contains("VNI") == true)
        #expect(error?.message.contains("Unicode") == true)
    }

    @Test func tcvn3CellsInAUnicodeFileAreConvertedAndVNIRowsRefused() throws {
        let text =
            "party_card_number,full_name,home_place\n01,Tòng Văn Hạnh,Mường Bằng\n02,Tßng V¨n H¹nh,M­êng B»ng\n"
            + "03,Toøng Vaên Haïnh,Möôøng Baèng\n04,Lß V¨n §«ng,Mường Bằng\n"
        let result = try readCSV(text, .members)
        // TCVN3 cells are converted one by one, each with a warning naming its row and column.
        #expect(result.members.map(\.member.fullName) == ["Tòng Văn Hạnh", "Tòng Văn Hạnh", "Lò Văn Đông"])
        #expect(result.members.map(\.member.homePlace) == ["Mường Bằng", "Mường Bằng", "Mường Bằng"])
        let warnings = result.items.flatMap(\.warnings)
        #expect(warnings.map(\.row) == [3, 3, 5])
        #expect(warnings.map(\.column) == ["full_name", "home_place", "full_name"])
        #expect(warnings.allSatisfy { $0.code == "legacy_text_converted" })
        // VNI is not converted: the row is refused, saying so.
        #expect(result.errors.map(\.code) == [.legacyEncoding])
        #expect(result.errors.map(\.row) == [4])
        #expect(result.errors[0].message.contains("VNI"))
        #expect(result.errors[0].column == "full_name")
    }

    @Test func tcvn3IsConvertedOnRequest() throws {
        var options = ImportOptions(entity: .members)
        options.encoding = .tcvn3
        let fromUTF8 = try read(.bytes(name: "abc.csv", Array(tcvn3Text.utf8)), options)
        let fromRaw = try read(.bytes(name: "abc.csv", latin1Bytes(tcvn3Text)), options)
        for result in [fromUTF8, fromRaw] {
            #expect(result.header.matched.map(\.field) == ["party_card_number", "full_name"])
            #expect(result.members.first?.member.fullName == "Tòng Văn Hạnh")
        }
        #expect(TCVN3.decode(misreadText: "Hä vµ tªn") == "Họ và tên")
    }

    @Test func plainVietnameseIsNotMistakenForALegacyEncoding() throws {
        let names = [
            "Tòng Văn Hạnh", "Lò Thị Hoà", "Nguyễn Thị Ánh", "Quàng Văn Khuê", "Đinh Thuý Hằng", "Lường Văn Tuân",
            "Cầm Thị Ơn", "Hoàng Ưng", "Mùa A Páo", "Giàng Thị Dua", "Vì Văn Ọp",
        ]
        let text =
            "Số thẻ,Họ và tên,Quê quán\n"
            + names.enumerated().map { "\($0.offset),\($0.element),Mường Bằng" }
            .joined(separator: "\n")
        let result = try readCSV(text, .members)
        #expect(result.errors.isEmpty, "\(result.errors)")
        #expect(result.members.count == names.count)
    }
}
