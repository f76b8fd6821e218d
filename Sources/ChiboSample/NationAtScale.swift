import ChiboModel

/// A fictional nation at the scale of the real one: 63 provinces of 7 to 15 districts (693 in
/// all), districts of 13 to 17 communes, communes of an agencies' cell and 20 to 26 village
/// cells of 12 to 30 members: about 10,400 communes, 250,000 cells, 5.3 million members and,
/// over the year 2019, about 85 million attendance records.
///
/// Every province is planned on its own, from a random stream derived from the seed and the
/// province's number, so one province's plan (and records) can be built without the other 62:
/// a process holds one province at a time. The province names are drawn from the seed alone, so
/// every province knows them all and they stay distinct. IDs carry the province's number (`p07`,
/// `p07-h03`, `p07-x0123`, `p07-x0123-c04`), card numbers start with its two digits and citizen
/// IDs with its three, so nothing repeats across the nation.
enum NationAtScale {
    /// Number of provinces.
    static let provinces = 63
    static let communesPerDistrict = 13...17
    static let villageCellsPerCommune = 20...26
    static let villageCellSize = 12...30
    static let agencyCellSize = 30

    /// Districts of province `number` (1-based): 7 to 15, each count for 7 of the 63
    /// provinces, 693 in all.
    static func districts(ofProvince number: Int) -> Int {
        7 + (number * 5) % 9
    }

    /// The random stream of province `number`.
    static func random(seed: UInt64, province number: Int) -> SampleRandom {
        SampleRandom(seed: seed).derived(100, UInt64(number))
    }

    /// The provinces' made-up names, drawn from the seed alone.
    static func provinceNames(seed: UInt64) -> [String] {
        var naming = SampleRandom(seed: seed).derived(101)
        return ProvinceAtScale.uniqueNames(count: provinces, &naming)
    }

    /// The two-digit code of province `number`.
    static func code(_ number: Int) -> String { ProvinceAtScale.pad(number, 2) }

    static func plan(seed: UInt64, province number: Int) -> (upper: [OrgUnit], communes: [SampleCommunePlan]) {
        precondition((1...provinces).contains(number), "a nation province is numbered 1 to \(provinces)")
        let random = random(seed: seed, province: number)
        let provinceName = provinceNames(seed: seed)[number - 1]
        let provinceID = "p\(code(number))"
        let province = OrgUnit(
            id: provinceID,
            code: provinceID.uppercased(),
            name: "Đảng bộ tỉnh \(provinceName)",
            kind: .province,
            valid: DateRange(from: SampleCalendar.date(1976, 1, 1)),
            note: "Tỉnh giả định, dữ liệu mẫu quy mô quốc gia"
        )
        let districtCount = districts(ofProvince: number)
        var sizing = random.derived(4)
        let communeCounts = (0..<districtCount).map { _ in sizing.int(communesPerDistrict) }
        var naming = random.derived(3)
        let districtNames = ProvinceAtScale.uniqueNames(count: districtCount, &naming)
        let communeNames = ProvinceAtScale.uniqueNames(count: communeCounts.reduce(0, +), &naming)
        var upper = [province]
        var communes: [SampleCommunePlan] = []
        var serialRandom = random.derived(1)
        var serial = 100_000 + serialRandom.below(200_000)
        for district in 0..<districtCount {
            let districtID = "\(provinceID)-h\(ProvinceAtScale.pad(district + 1, 2))"
            upper.append(
                OrgUnit(
                    id: districtID,
                    code: districtID.uppercased(),
                    name: "Đảng bộ huyện \(districtNames[district])",
                    kind: .district,
                    parentId: province.id,
                    valid: DateRange(from: SampleCalendar.date(1979, 1, 1))
                )
            )
            for _ in 0..<communeCounts[district] {
                let index = communes.count
                var communeRandom = random.derived(2, UInt64(index))
                var commune = makeCommune(
                    id: "\(provinceID)-x\(ProvinceAtScale.pad(index + 1, 4))",
                    index: index,
                    name: communeNames[index],
                    districtID: districtID,
                    region: "huyện \(districtNames[district]), tỉnh \(provinceName)",
                    serial: &serial,
                    random: &communeRandom
                )
                SampleCommuneYear.fill(&commune, year: 2019, random: &communeRandom)
                communes.append(commune)
            }
        }
        return (upper, communes)
    }

    private static func makeCommune(
        id: String,
        index: Int,
        name: String,
        districtID: String,
        region: String,
        serial: inout Int,
        random: inout SampleRandom
    ) -> SampleCommunePlan {
        let roll = random.below(10)
        let base: SampleEthnicMix =
            roll < 4
            ? SampleEthnicMix(thai: 10, kinh: 85, mong: 5)
            : roll < 8 ? SampleEthnicMix(thai: 70, kinh: 20, mong: 10) : SampleEthnicMix(thai: 10, kinh: 5, mong: 85)
        let sizes = (0..<random.int(villageCellsPerCommune)).map { _ in random.int(villageCellSize) }
        let villageNames = ProvinceAtScale.uniqueNames(count: sizes.count, &random)
        return ProvinceAtScale.commune(
            id: id,
            index: index,
            name: name,
            districtID: districtID,
            region: region,
            base: base,
            villageSizes: sizes,
            villageNames: villageNames,
            agencyCellSize: agencyCellSize,
            serial: &serial,
            random: &random
        )
    }
}
