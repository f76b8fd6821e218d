import ChiboImport
import ChiboModel
import Testing

/// Values: dates, times, numbers, enum words, NFC, identifiers damaged by spreadsheets.
@Suite struct ValueTests {
    private func birthDate(_ text: String) throws -> (CalendarDate?, RowError?) {
        let result = try readCSV("Số thẻ,Họ và tên,Ngày sinh\n01,An,\(text)\n", .members)
        return (result.members.first?.member.birthDate, result.errors.first)
    }

    @Test(arguments: [
        "15/03/1975", "15/3/1975", "1975-03-15", "15-03-1975", "15.03.1975", "1975-3-15", "15/03/1975 00:00:00",
    ])
    func acceptsEveryDateForm(text: String) throws {
        let (date, error) = try birthDate(text)
        #expect(error == nil)
        #expect(date == CalendarDate(year: 1975, month: 3, day: 15))
    }

    @Test func leapDaysExistOnlyInLeapYears() throws {
        #expect(try birthDate("29/02/2020").0 == CalendarDate(year: 2020, month: 2, day: 29))
        #expect(try birthDate("29/02/2021").1?.code == .badDate)
    }

    @Test(arguments: [
        "31/02/2020", "31/04/2020", "00/01/2020", "15/13/1975", "03/15/1975", "15/03/75", "43831", "hôm qua", "1975/03",
    ])
    func refusesBadDatesWithRowAndColumn(text: String) throws {
        let (date, error) = try birthDate(text)
        #expect(date == nil)
        #expect(error?.code == .badDate)
        #expect(error?.row == 2)
        #expect(error?.column == "Ngày sinh")
        #expect(error?.message.contains(text) == true)
    }

    @Test func explainsWhatIsWrongWithADate() throws {
        #expect(try birthDate("31/02/2020").1?.message.contains("29 days") == true)
        #expect(try birthDate("03/15/1975").1?.message.contains("day/month/year") == true)
        #expect(try birthDate("15/03/75").1?.message.contains("two-digit year") == true)
        #expect(try birthDate("43831").1?.message.contains("serial number") == true)
    }

    @Test func normalisesTextToNFC() throws {
        let decomposed = "Ha\u{0323}nh"
        #expect(decomposed.unicodeScalars.count == 5)
        let result = try readCSV("Số thẻ,Họ và tên\n01,Tòng Văn \(decomposed)\n", .members)
        let name = try #require(result.members.first?.member.fullName)
        #expect(name == "Tòng Văn Hạnh")
        #expect(name.unicodeScalars.contains("\u{1EA1}"))
        #expect(!name.unicodeScalars.contains("\u{0323}"))
    }

    @Test func readsGenderWordsAndEnumNames() throws {
        let text = "Số thẻ,Họ và tên,Giới tính\n01,A,Nam\n02,B,nữ\n03,C,NU\n04,D,GENDER_FEMALE\n05,E,male\n06,F,khác\n"
        let result = try readCSV(text, .members)
        #expect(result.members.map(\.member.gender) == [.male, .female, .female, .female, .male])
        #expect(result.errors.map(\.code) == [.unknownValue])
        #expect(result.errors.first?.row == 7)
        #expect(result.errors.first?.column == "Giới tính")
    }

    @Test func refusesIdentifiersASpreadsheetTurnedIntoNumbers() throws {
        let text = "Số thẻ,Số CCCD,Họ và tên\n,14079001234,A\n1.4079E+11,,B\n,014079001234,C\n"
        let result = try readCSV(text, .members)
        #expect(result.members.map(\.member.citizenId) == ["014079001234"])
        #expect(result.errors.map(\.row) == [2, 3])
        #expect(result.errors.first?.message.contains("leading 0") == true)
    }

    @Test func aMemberNeedsAKey() throws {
        let result = try readCSV("Số thẻ,Số CCCD,Họ và tên\n,,An\n", .members)
        #expect(result.errors.first?.code == .missingRequired)
        #expect(result.errors.first?.column == "Số thẻ")
    }

    @Test func reportsEveryProblemOfARowInOneError() throws {
        let result = try readCSV("Số thẻ,Họ và tên,Ngày sinh,Giới tính\n01,An,31/02/1990,X\n", .members)
        #expect(result.errors.count == 1)
        #expect(result.errors.first?.code == .badDate)
        #expect(result.errors.first?.message.contains("also: Giới tính") == true)
    }
}
