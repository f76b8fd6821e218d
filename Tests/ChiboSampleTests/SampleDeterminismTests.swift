import ChiboModel
import ChiboSample
import Testing

/// The same seed gives the same dataset byte for byte; another seed gives another.
@Suite struct SampleDeterminismTests {
    private func bytes(_ records: some Sequence<SampleRecord>) throws -> [[UInt8]] {
        try records.map { try $0.serializedBytes() }
    }

    @Test func theSameSeedGivesTheSameRecords() throws {
        let first = try bytes(SampleDataset(kind: .muongBang, seed: 42))
        let second = try bytes(SampleDataset(kind: .muongBang, seed: 42))
        #expect(first.count == second.count)
        #expect(first == second)
        let tail = try bytes(SampleDataset(kind: .muongBang, seed: 42).lastRecords(5))
        #expect(tail == Array(first.suffix(5)))
        let other = try bytes(SampleDataset(kind: .muongBang, seed: 43))
        #expect(other != first)
        #expect(
            try SampleDataset(kind: .muongBang, seed: 42).summary().digest
                == SampleDataset(kind: .muongBang, seed: 42).summary().digest
        )
        #expect(
            try SampleDataset(kind: .muongBang, seed: 42).summary().digest
                != SampleDataset(kind: .muongBang, seed: 43).summary().digest
        )
    }

    @Test func theArticlesFactsHoldForEverySeed() {
        for seed: UInt64 in [1, 2, 3, 1000, SampleDataset.defaultSeed] {
            let plan = SampleDataset(kind: .muongBang, seed: seed).plan
            #expect(plan.cellCount == 27)
            #expect(plan.memberCount == 316)
            let bo = plan.communes[0].cells.first { $0.name == "Chi bộ bản Bó" }
            #expect(bo?.size == 22)
            #expect(bo?.meetingDay == 3)
        }
    }

    @Test func theRandomGeneratorIsSplitMix64() {
        // The first outputs of SplitMix64 seeded with 0 (the reference implementation's values).
        var random = SampleRandom(seed: 0)
        #expect(random.next() == 0xE220_A839_7B1D_CDAF)
        #expect(random.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(random.next() == 0x06C4_5D18_8009_454F)
        // Derived streams do not move their parent and differ from each other.
        let parent = SampleRandom(seed: 9)
        var a = parent.derived(1, 2)
        var b = parent.derived(2, 1)
        var again = parent.derived(1, 2)
        let first = a.next()
        #expect(first != b.next())
        #expect(first == again.next())
    }

    @Test func theProvinceHasItsSizeAndStreamsTheSameWay() {
        let dataset = SampleDataset(kind: .province, seed: 7)
        let plan = dataset.plan
        #expect(plan.communes.count == 400)
        #expect(plan.cellCount == 10_000)
        #expect(plan.memberCount == 250_000)
        #expect(plan.upperUnits.count == 17)
        let planned = dataset.plannedCounts
        #expect(planned.meetings > 150_000)
        // The first members of two iterations agree, and differ with another seed.
        let prefix = 10_417 + 2_000
        let first = Array(dataset.prefix(prefix))
        let second = Array(SampleDataset(kind: .province, seed: 7).prefix(prefix))
        let other = Array(SampleDataset(kind: .province, seed: 8).prefix(prefix))
        #expect(first == second)
        #expect(first != other)
        #expect(first.filter { $0.stage == .members }.count == 2_000)
    }
}
