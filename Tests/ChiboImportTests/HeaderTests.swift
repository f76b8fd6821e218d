import ChiboImport
import ChiboModel
import Testing

/// Header matching: Vietnamese labels with or without diacritics, English names, unknown
/// columns, user mappings, titles above the header, missing and duplicate columns.
@Suite struct HeaderTests {
    private let vietnamese =
        "STT,Họ và tên,Ngày sinh,Giới tính,Dân tộc,Quê quán,Số thẻ đảng viên,Số CCCD,Điện thoại,"
        + "Ngày vào Đảng,Ngày chính thức,Chi bộ"
    private let row =
        "1,Tòng Văn Hạnh,30/04/1979,Nam,Thái,Mường Bằng,01012345,014079001234,0912345678,19/05/2005,"
        + "19/05/2006,Bản Bó"

    private func check(_ result: ReadResult) {
        #expect(result.errors.isEmpty, "\(result.errors)")
        guard let imported = result.members.first else {
            Issue.record("no member")
            return
        }
        let member = imported.member
        #expect(member.fullName == "Tòng Văn Hạnh")
        #expect(member.birthDate == CalendarDate(year: 1979, month: 4, day: 30))
        #expect(member.gender == .male)
        #expect(member.ethnicity == "Thái")
        #expect(member.homePlace == "Mường Bằng")
        #expect(member.partyCardNumber == "01012345")
        #expect(member.citizenId == "014079001234")
        #expect(member.phone == "0912345678")
        #expect(member.admittedOn == CalendarDate(year: 2005, month: 5, day: 19))
        #expect(member.officialOn == CalendarDate(year: 2006, month: 5, day: 19))
        #expect(imported.cell == UnitRef(codeOrName: "Bản Bó"))
        #expect(result.header.ignored.map { $0.header.uppercased() } == ["STT"])
    }

    @Test func vietnameseLabelsWithDiacritics() throws {
        let result = try readCSV("\(vietnamese)\n\(row)\n", .members)
        check(result)
        #expect(result.header.matched.allSatisfy { $0.match == .label })
    }

    @Test func vietnameseLabelsWithoutDiacriticsCaseOrSpaces() throws {
        let header =
            "stt,HO VA TEN,ngay_sinh,Gioi tinh,DAN TOC,que-quan,So the dang vien,so cccd,dien thoai,"
            + "NgayVaoDang,ngay chinh thuc,chi bo"
        check(try readCSV("\(header)\n\(row)\n", .members))
    }

    @Test func englishFieldNames() throws {
        let header =
            "No,full_name,birthDate,GENDER,ethnicity,home_place,party_card_number,citizen_id,phone,"
            + "admitted_on,official_on,cell"
        let result = try readCSV("\(header)\n\(row)\n", .members)
        check(result.withIgnored(["No"]))
        #expect(result.header.matched.allSatisfy { $0.match == .fieldName })
    }

    @Test func unknownColumnsAreReportedOnceAndIgnored() throws {
        let text =
            "STT,Họ và tên,Số thẻ,Sở thích\n"
            + (1...5).map { "\($0),Người \($0),0\($0),câu cá" }
            .joined(separator: "\n")
        let result = try readCSV(text, .members)
        #expect(result.header.ignored.map(\.header) == ["STT", "Sở thích"])
        #expect(result.members.count == 5)
        #expect(result.errors.isEmpty)
    }

    @Test func userMappingsComeFirst() throws {
        let text = "Mã ĐV,Tên người,Ghi chú\n01,Tòng Văn Hạnh,x\n"
        let result = try readCSV(text, .members) {
            $0.columnMappings = [
                ColumnMapping(parsing: "ma dv=party_card_number")!,
                ColumnMapping(column: "Tên người", field: "full_name"),
            ]
        }
        #expect(result.members.first?.member.partyCardNumber == "01")
        #expect(result.members.first?.member.fullName == "Tòng Văn Hạnh")
        #expect(result.header.mappingsApplied.count == 2)
        #expect(result.header.matched.first?.match == .mapping)
    }

    @Test func aMappingToAnUnknownFieldOrColumnIsRefused() {
        let text = "Số thẻ,Họ và tên\n01,An\n"
        let unknownField = importError {
            _ = try readCSV(text, .members) { $0.columnMappings = [ColumnMapping(column: "Số thẻ", field: "card")] }
        }
        #expect(unknownField?.code == .badOptions)
        let unknownColumn = importError {
            _ = try readCSV(text, .members) { $0.columnMappings = [ColumnMapping(column: "Thẻ", field: "phone")] }
        }
        #expect(unknownColumn?.code == .badOptions)
    }

    @Test func missingAndDuplicateColumnsAreRefused() {
        let missing = importError { _ = try readCSV("Họ và tên,Ngày sinh\nAn,01/01/1980\n", .members) }
        #expect(missing?.code == .missingColumns)
        #expect(missing?.message.contains("party_card_number or citizen_id") == true)
        let duplicate = importError { _ = try readCSV("Số thẻ,Họ và tên,Họ tên\n01,An,An\n", .members) }
        #expect(duplicate?.code == .duplicateColumns)
    }

    @Test func aFileWithoutARecognisableHeaderIsRefused() {
        let error = importError { _ = try readCSV("Tên người,Quê\nAn,Bản Bó\n", .members) }
        #expect(error?.code == .missingColumns)
        #expect(error?.message.contains("Tên người") == true)
        #expect(importError { _ = try readCSV("", .members) }?.code == .noHeader)
    }

    @Test func aTitleAboveTheHeaderIsSkipped() throws {
        let text = "DANH SÁCH ĐẢNG VIÊN CHI BỘ BẢN BÓ,,\n,,\nSố thẻ đảng viên,Họ và tên,Ghi chú\n01,An,\n"
        let result = try readCSV(text, .members)
        #expect(result.header.headerRow == 3)
        #expect(result.header.skippedRows == [1, 2])
        #expect(result.items.first?.rows == [4])
    }

    @Test func separateNamePartsMakeTheFullName() throws {
        let result = try readCSV("Số thẻ,Họ,Tên đệm,Tên\n01,Tòng,Văn,Hạnh\n", .members)
        #expect(result.members.first?.member.fullName == "Tòng Văn Hạnh")
        #expect(result.members.first?.member.givenName == "Hạnh")
    }

    @Test func everyLabelIsUniqueWithinAnEntity() {
        for entity in ImportEntity.allCases {
            var owner: [String: String] = [:]
            for column in ImportColumns.columns(for: entity) {
                for name in [column.field] + column.labels {
                    let key = String(name.lowercased().filter { $0.isLetter || $0.isNumber })
                    if let other = owner[key], other != column.field {
                        Issue.record("\(entity): \(name) names both \(other) and \(column.field)")
                    }
                    owner[key] = column.field
                }
            }
        }
    }
}

extension ReadResult {
    /// The same result, with its ignored columns replaced (for checks written for STT).
    fileprivate func withIgnored(_ headers: [String]) -> ReadResult {
        var copy = self
        copy.header.columns = copy.header.columns.map { column in
            var column = column
            if column.field == nil, headers.contains(column.header) { column.header = "STT" }
            return column
        }
        return copy
    }
}
