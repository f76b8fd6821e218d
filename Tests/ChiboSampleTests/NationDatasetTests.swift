import ChiboModel
import Testing

@testable import ChiboSample

/// The nation dataset: 63 provinces planned one at a time, their sizes, and that nothing of one
/// province repeats in another. Only plans and a few cells' members are built: the nation's
/// records are far too many for a test.
@Suite struct NationDatasetTests {
    @Test func theNationHasItsSizeFromTheProvincesPlannedOneByOne() {
        var cells = 0
        var members = 0
        var communes = 0
        var districts = 0
        var meetings = 0
        var names = Set<String>()
        for number in 1...SamplePlan.nationProvinces {
            let dataset = SampleDataset(nationProvince: number, seed: SampleDataset.defaultSeed)
            let plan = dataset.plan
            #expect(plan.nationProvince == number)
            #expect(plan.upperUnits.first?.id == "p\(number < 10 ? "0" : "")\(number)")
            #expect(plan.upperUnits.first?.kind == .province)
            names.insert(plan.upperUnits.first?.name ?? "")
            // 7 to 15 districts of 13 to 17 communes; between about 45,000 and 180,000 members.
            #expect((7...15).contains(plan.upperUnits.count - 1))
            #expect((30_000...200_000).contains(plan.memberCount), "province \(number): \(plan.memberCount)")
            for commune in plan.communes {
                #expect((21...27).contains(commune.cells.count))
                #expect(commune.cells.dropFirst().allSatisfy { (12...30).contains($0.size) })
                #expect(commune.anomalies.missedRegular.count == 2)
            }
            cells += plan.cellCount
            members += plan.memberCount
            communes += plan.communes.count
            districts += plan.upperUnits.count - 1
            meetings += dataset.plannedCounts.meetings
        }
        #expect(names.count == 63)
        #expect(districts == 693)
        #expect((10_000...10_800).contains(communes), "\(communes) communes")
        #expect((240_000...260_000).contains(cells), "\(cells) cells")
        #expect((5_100_000...5_500_000).contains(members), "\(members) members")
        // Known answers of the default seed: the sizes docs/BENCHMARKS.md gives.
        #expect(communes == 10_399 && cells == 249_306 && members == 5_325_590)
        // 12 regular and 4 thematic meetings a cell, less two missed regular, one missed thematic
        // and one held together with a regular meeting in every commune.
        #expect(meetings == cells * 16 - communes * 4)
    }

    @Test func twoProvincesShareNoIDCardNumberOrCitizenID() {
        let first = SampleDataset(nationProvince: 7, seed: 11)
        let second = SampleDataset(nationProvince: 42, seed: 11)
        let firstUnits = Set(Self.unitIDs(first.plan))
        let secondUnits = Set(Self.unitIDs(second.plan))
        #expect(firstUnits.isDisjoint(with: secondUnits))
        #expect(firstUnits.contains("p07-h01") && firstUnits.contains("p07-x0001-c00"))
        let firstMembers = Self.someMembers(first)
        let secondMembers = Self.someMembers(second)
        #expect(firstMembers.count > 100 && secondMembers.count > 100)
        #expect(Set(firstMembers.map(\.id)).isDisjoint(with: secondMembers.map(\.id)))
        #expect(Set(firstMembers.map(\.partyCardNumber)).isDisjoint(with: secondMembers.map(\.partyCardNumber)))
        #expect(Set(firstMembers.map(\.citizenId)).isDisjoint(with: secondMembers.map(\.citizenId)))
        // Card numbers start with the province's two digits, citizen IDs with its three.
        #expect(firstMembers.allSatisfy { $0.partyCardNumber.hasPrefix("07") && $0.partyCardNumber.count == 8 })
        #expect(secondMembers.allSatisfy { $0.citizenId.hasPrefix("042") && $0.citizenId.count == 12 })
    }

    @Test func cardSerialsAreUniqueInEveryProvince() {
        for number in 1...SamplePlan.nationProvinces {
            let cells = SamplePlan(nationProvince: number, seed: 3).communes.flatMap(\.cells)
            // Each cell's serials follow the previous cell's: the ranges never overlap, and stay
            // within the six digits after the province's two.
            for (previous, next) in zip(cells, cells.dropFirst()) {
                #expect(previous.cardSerialBase + previous.size == next.cardSerialBase)
            }
            let last = cells[cells.count - 1]
            #expect(last.cardSerialBase + last.size <= 1_000_000)
        }
    }

    @Test func theSameSeedGivesTheSameProvince() throws {
        let prefix = 30_000
        let first = Array(SampleDataset(nationProvince: 5, seed: 9).prefix(prefix))
        let again = Array(SampleDataset(nationProvince: 5, seed: 9).prefix(prefix))
        let otherSeed = Array(SampleDataset(nationProvince: 5, seed: 10).prefix(prefix))
        let otherProvince = Array(SampleDataset(nationProvince: 6, seed: 9).prefix(prefix))
        #expect(first == again)
        #expect(first != otherSeed)
        #expect(first != otherProvince)
        #expect(first.contains { $0.stage == .members })
    }

    @Test func theOtherDatasetsKeepTheirDigest() throws {
        // Known answer, from before the nation was added: Mường Bằng is unchanged byte for byte.
        let summary = try SampleDataset(kind: .muongBang).summary()
        #expect(summary.counts.records == 1139)
        #expect(summary.digest == 0x561E_8003_9CB7_1199)
        // A digest carried on from another dataset's (the provinces of the nation one after
        // another) starts from that digest.
        let carried = try SampleDataset(kind: .muongBang).summary(continuing: SampleDataset.digestBasis)
        #expect(carried.digest == summary.digest)
        #expect(try SampleDataset(kind: .muongBang).summary(continuing: summary.digest).digest != summary.digest)
    }

    static func unitIDs(_ plan: SamplePlan) -> [String] {
        plan.upperUnits.map(\.id) + plan.communes.flatMap { [$0.id] + $0.cells.map(\.id) }
    }

    /// The members of the first and last commune of a province.
    static func someMembers(_ dataset: SampleDataset) -> [Member] {
        let communes = [dataset.plan.communes[0], dataset.plan.communes[dataset.plan.communes.count - 1]]
        return communes.flatMap { commune in
            commune.cells.flatMap { SampleRoster.members(of: $0, in: commune, plan: dataset.plan).map(\.member) }
        }
    }
}
