import ChiboModel

/// A fictional province at the scale of a real one: 16 districts of 25 communes (400), each
/// commune with an agencies' cell and 24 village cells (10,000 cells), 625 members per commune
/// (250,000), and the year 2019.
///
/// 2019 rather than 2025: the tree is stable all year (districts were abolished and communes
/// merged in 2025, which would turn a benchmark of the reports into one of history lookups),
/// grading uses the four grades rather than the 100-point scale of 2025, and the year matches
/// the Mường Bằng dataset, so both are judged by the same rules. The province's name is made up
/// so that nobody mistakes the data for real records.
enum ProvinceAtScale {
    static let districts = 16
    static let communesPerDistrict = 25
    static let villageCellsPerCommune = 24
    static let membersPerCommune = 625
    static let agencyCellSize = 30

    static func plan(random: SampleRandom) -> (upper: [OrgUnit], communes: [SampleCommunePlan]) {
        let province = OrgUnit(
            id: "pv",
            code: "PV",
            name: "Đảng bộ tỉnh Sơn Lâm",
            kind: .province,
            valid: DateRange(from: SampleCalendar.date(1976, 1, 1)),
            note: "Tỉnh giả định, dữ liệu mẫu quy mô lớn"
        )
        var naming = random.derived(3)
        let districtNames = uniqueNames(count: districts, &naming)
        let communeNames = uniqueNames(count: districts * communesPerDistrict, &naming)
        var upper = [province]
        var communes: [SampleCommunePlan] = []
        var serialRandom = random.derived(1)
        var serial = 100_000 + serialRandom.below(500_000)
        for district in 0..<districts {
            let districtID = "pv-h\(pad(district + 1, 2))"
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
            for local in 0..<communesPerDistrict {
                let index = district * communesPerDistrict + local
                var communeRandom = random.derived(2, UInt64(index))
                var commune = makeCommune(
                    index: index,
                    name: communeNames[index],
                    districtID: districtID,
                    districtName: districtNames[district],
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
        index: Int,
        name: String,
        districtID: String,
        districtName: String,
        serial: inout Int,
        random: inout SampleRandom
    ) -> SampleCommunePlan {
        let id = "pv-x\(pad(index + 1, 3))"
        // Most communes are Thái valley communes; some Kinh towns, some Mông highland communes.
        let roll = random.below(10)
        let base: SampleEthnicMix =
            roll < 6
            ? SampleEthnicMix(thai: 85, kinh: 10, mong: 5)
            : roll < 8 ? SampleEthnicMix(thai: 20, kinh: 75, mong: 5) : SampleEthnicMix(thai: 10, kinh: 5, mong: 85)
        // Village sizes from 12 to 38, nudged until the commune has exactly 625 members.
        var sizes = (0..<villageCellsPerCommune).map { _ in random.int(12...38) }
        var missing = membersPerCommune - agencyCellSize - sizes.reduce(0, +)
        while missing != 0 {
            let cell = random.below(sizes.count)
            if missing > 0 && sizes[cell] < 38 {
                sizes[cell] += 1
                missing -= 1
            } else if missing < 0 && sizes[cell] > 12 {
                sizes[cell] -= 1
                missing += 1
            }
        }
        let villageNames = uniqueNames(count: villageCellsPerCommune, &random)
        return commune(
            id: id,
            index: index,
            name: name,
            districtID: districtID,
            region: "huyện \(districtName), tỉnh Sơn Lâm",
            base: base,
            villageSizes: sizes,
            villageNames: villageNames,
            agencyCellSize: agencyCellSize,
            serial: &serial,
            random: &random
        )
    }

    /// A commune of an agencies' cell and village cells of the sizes and names given, members of
    /// `base`'s mix, card serials from `serial` on: the rest of its plan (meeting days, its own
    /// rules for a third of communes, the excellent cap broken by one in ten) drawn from
    /// `random`, in the same order for the province and the nation.
    static func commune(
        id: String,
        index: Int,
        name: String,
        districtID: String,
        region: String,
        base: SampleEthnicMix,
        villageSizes sizes: [Int],
        villageNames: [String],
        agencyCellSize: Int,
        serial: inout Int,
        random: inout SampleRandom
    ) -> SampleCommunePlan {
        var cells = [
            SampleCellPlan(
                id: "\(id)-c00",
                name: "Chi bộ Cơ quan xã",
                placeName: "Cơ quan xã \(name)",
                kind: .agency,
                meetingDay: random.int(1...10),
                size: agencyCellSize,
                mix: SampleEthnicMix(thai: base.thai, kinh: max(base.kinh, 30), mong: base.mong),
                index: 0,
                cardSerialBase: serial
            )
        ]
        serial += agencyCellSize
        for village in sizes.indices {
            cells.append(
                SampleCellPlan(
                    id: "\(id)-c\(pad(village + 1, 2))",
                    name: "Chi bộ bản \(villageNames[village])",
                    placeName: "bản \(villageNames[village])",
                    kind: .village,
                    meetingDay: random.int(1...15),
                    size: sizes[village],
                    mix: base,
                    index: village + 1,
                    cardSerialBase: serial
                )
            )
            serial += sizes[village]
        }
        // A third of the communes set a 90% attendance threshold of their own, as Mường Bằng did.
        let localRules =
            random.chance(0.3)
            ? RuleSet(
                id: "\(id)-rules-2019",
                scopeUnitId: id,
                effectiveFrom: SampleCalendar.date(2019, 1, 1),
                source: "Nghị quyết Đảng ủy xã \(name) về nâng cao chất lượng sinh hoạt chi bộ (2019)",
                goodAttendanceBp: 9000
            ) : nil
        return SampleCommunePlan(
            id: id,
            name: "Đảng bộ xã \(name)",
            placeName: name,
            parentID: districtID,
            region: region,
            cells: cells,
            standingCommittee: 5,
            anomalies: SampleAnomalies(),
            specialMembers: [],
            cellGrades: [],
            cleanAndStrong: [],
            // One commune in ten grades more members excellent than the cap read strictly allows.
            breaksExcellentCap: random.chance(0.1),
            localRules: localRules,
            index: index
        )
    }

    /// Distinct two-syllable Thái place names.
    static func uniqueNames(count: Int, _ random: inout SampleRandom) -> [String] {
        var names: [String] = []
        var seen = Set<String>()
        while names.count < count {
            let name = "\(random.pick(SampleNames.placeFirst)) \(random.pick(SampleNames.placeSecond))"
            if seen.insert(name).inserted { names.append(name) }
        }
        return names
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
