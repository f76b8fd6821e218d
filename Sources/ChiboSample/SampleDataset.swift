import ChiboModel

/// A sample dataset: a deterministic sequence of records, generated lazily, cell by cell, in
/// the order a server needs them (see `SampleStage`). Iterating holds one cell's members or
/// meetings at a time, so even the province (about 4 million attendance records) streams in
/// little memory. Iterating twice, or with the same seed in another process, gives the same
/// records byte for byte.
///
/// ```swift
/// let dataset = SampleDataset(kind: .muongBang)
/// for record in dataset { … }           // or SampleLoader(client:).load(dataset)
/// ```
public struct SampleDataset: Sequence, Sendable {
    /// The seed used when none is given.
    public static let defaultSeed: UInt64 = 20_200_121

    /// What the records are generated from.
    public let plan: SamplePlan

    /// The dataset of a kind and seed (of the nation, its first province only: see
    /// `init(nationProvince:seed:)`).
    public init(kind: SampleDatasetKind, seed: UInt64 = SampleDataset.defaultSeed) {
        plan = SamplePlan(kind: kind, seed: seed)
    }

    /// One province of the nation dataset, `number` 1 to 63 (`SamplePlan.nationProvinces`): its
    /// province unit, districts, communes, cells, members, meetings and evaluations, built
    /// without the other provinces. The nation is the 63 provinces' datasets one after another.
    public init(nationProvince number: Int, seed: UInt64 = SampleDataset.defaultSeed) {
        plan = SamplePlan(nationProvince: number, seed: seed)
    }

    /// The starting value of the digest of `summary()`.
    public static let digestBasis: UInt64 = 0xCBF2_9CE4_8422_2325

    /// Which dataset.
    public var kind: SampleDatasetKind { plan.kind }

    /// The seed.
    public var seed: UInt64 { plan.seed }

    /// Starts generating.
    public func makeIterator() -> SampleIterator {
        SampleIterator(plan: plan)
    }

    /// The idempotency key of the request that creates `record`: the same for the same record
    /// of the same dataset and seed, so a load that is run again after an interruption creates
    /// nothing twice.
    public func requestID(for record: SampleRecord) -> String {
        "sample:\(plan.kind.rawValue):\(plan.seed):\(record.entity):\(record.id)"
    }

    /// The members of one cell, as the dataset creates them.
    public func members(ofCell cellID: String) -> [Member] {
        for commune in plan.communes {
            if let cell = commune.cells.first(where: { $0.id == cellID }) {
                return SampleRoster.members(of: cell, in: commune, plan: plan).map(\.member)
            }
        }
        return []
    }

    /// The last `count` records of the dataset (at most those of its last batch: the last
    /// commune's evaluations), generated without going through the others.
    public func lastRecords(_ count: Int) -> [SampleRecord] {
        guard let commune = plan.communes.last else { return [] }
        let rosters = commune.cells.map { SampleRoster.members(of: $0, in: commune, plan: plan) }
        let evaluations = SampleGrading.evaluations(of: commune, rosters: rosters, plan: plan)
        return evaluations.suffix(count).map(SampleRecord.evaluation)
    }

    /// The counts of every kind of record except attendance, known from the plan without
    /// generating the records.
    public var plannedCounts: SampleCounts {
        var counts = SampleCounts()
        counts.orgUnits = plan.upperUnits.count + plan.communes.count + plan.cellCount
        counts.members = plan.memberCount
        for commune in plan.communes {
            counts.supervisors += commune.standingCommittee == 0 ? 0 : commune.cells.count - 1
            counts.ruleSets += commune.localRules == nil ? 0 : 1
            let anomalies = commune.anomalies
            counts.meetings +=
                commune.cells.count * 16 - anomalies.missedRegular.count - anomalies.missedThematic.count
                - anomalies.combined.count
            let exempt = commune.specialMembers.filter { $0.role == .exempt }.count
            counts.evaluations += commune.cells.count + commune.memberCount - exempt
        }
        return counts
    }

    /// Generates every record and returns the counts and a 64-bit FNV-1a digest of the
    /// records' bytes: equal digests mean byte-identical datasets.
    public func summary() throws -> (counts: SampleCounts, digest: UInt64) {
        try summary(continuing: Self.digestBasis)
    }

    /// `summary()` with the digest carried on from `start`, the digest of the datasets before
    /// this one: so the digest of several provinces of the nation is that of their records one
    /// after another.
    public func summary(continuing start: UInt64) throws -> (counts: SampleCounts, digest: UInt64) {
        var counts = SampleCounts()
        var digest = start
        func mix(_ byte: UInt8) {
            digest = (digest ^ UInt64(byte)) &* 0x100_0000_01B3
        }
        for record in self {
            counts.add(record)
            for byte in record.entity.utf8 { mix(byte) }
            if case .supervisor(let unitID, _) = record {
                for byte in unitID.utf8 { mix(byte) }
            }
            for byte in try record.serializedBytes() { mix(byte) }
        }
        return (counts, digest)
    }
}

/// Generates a dataset's records one batch at a time (the units, then each cell's members,
/// each commune's supervisors, the rule sets, each cell's meetings, each commune's
/// evaluations).
public struct SampleIterator: IteratorProtocol {
    private enum Phase {
        case units, members, supervisors, rules, meetings, evaluations, done
    }

    private let plan: SamplePlan
    private var phase = Phase.units
    private var buffer: [SampleRecord] = []
    private var position = 0
    private var commune = 0
    private var cell = 0
    /// The first cell's members of the current commune: its standing committee supervises.
    private var committee: (commune: Int, roster: [SampleMemberDraft])?

    init(plan: SamplePlan) {
        self.plan = plan
    }

    /// The next record, or nil after the last.
    public mutating func next() -> SampleRecord? {
        while position >= buffer.count {
            guard refill() else { return nil }
        }
        defer { position += 1 }
        return buffer[position]
    }

    /// Fills the buffer with the next batch; false when the dataset is exhausted.
    private mutating func refill() -> Bool {
        buffer.removeAll(keepingCapacity: true)
        position = 0
        switch phase {
        case .units:
            buffer = plan.upperUnits.map(SampleRecord.orgUnit)
            buffer += plan.communes.map { .orgUnit(Self.unit(of: $0)) }
            for commune in plan.communes {
                buffer += commune.cells.map { .orgUnit(Self.unit(of: $0, in: commune)) }
            }
            phase = .members
        case .members:
            let commune = plan.communes[self.commune]
            let cell = commune.cells[self.cell]
            buffer = SampleRoster.members(of: cell, in: commune, plan: plan).map { .member($0.member) }
            advance(then: .supervisors)
        case .supervisors:
            let commune = plan.communes[self.commune]
            let roster = standingCommittee(of: commune)
            for cell in commune.cells {
                guard let supervisor = commune.supervisorIndex(ofCell: cell.index) else { continue }
                let member = roster[supervisor].member
                buffer.append(
                    .supervisor(
                        unitID: cell.id,
                        assignment: SupervisorAssignment(
                            id: "\(cell.id)-sv1",
                            memberId: member.id,
                            fullName: member.fullName,
                            valid: DateRange(from: SampleCalendar.date(plan.year - 4, 10, 1)),
                            note: "Phân công theo quyết định của Ban Thường vụ Đảng ủy xã"
                        )
                    )
                )
            }
            self.commune += 1
            if self.commune == plan.communes.count {
                self.commune = 0
                phase = .rules
            }
        case .rules:
            buffer = plan.communes.compactMap { $0.localRules.map(SampleRecord.ruleSet) }
            phase = .meetings
        case .meetings:
            let commune = plan.communes[self.commune]
            let cell = commune.cells[self.cell]
            let roster = SampleRoster.members(of: cell, in: commune, plan: plan)
            let supervisor = commune.supervisorIndex(ofCell: cell.index).map { standingCommittee(of: commune)[$0] }
            buffer = SampleMeetings.meetings(
                of: cell,
                in: commune,
                roster: roster,
                supervisor: supervisor,
                plan: plan
            ).map(SampleRecord.meeting)
            advance(then: .evaluations)
        case .evaluations:
            let commune = plan.communes[self.commune]
            let rosters = commune.cells.map { SampleRoster.members(of: $0, in: commune, plan: plan) }
            buffer = SampleGrading.evaluations(of: commune, rosters: rosters, plan: plan).map(SampleRecord.evaluation)
            self.commune += 1
            if self.commune == plan.communes.count { phase = .done }
        case .done:
            return false
        }
        return true
    }

    /// Moves to the next cell, or to `next` after the last cell of the last commune.
    private mutating func advance(then next: Phase) {
        cell += 1
        if cell == plan.communes[commune].cells.count {
            cell = 0
            commune += 1
            if commune == plan.communes.count {
                commune = 0
                phase = next
            }
        }
    }

    private mutating func standingCommittee(of commune: SampleCommunePlan) -> [SampleMemberDraft] {
        if let committee, committee.commune == commune.index { return committee.roster }
        let roster = SampleRoster.members(of: commune.cells[0], in: commune, plan: plan)
        committee = (commune.index, roster)
        return roster
    }

    static func unit(of commune: SampleCommunePlan) -> OrgUnit {
        OrgUnit(
            id: commune.id,
            code: commune.id.uppercased(),
            name: commune.name,
            kind: .commune,
            parentId: commune.parentID,
            valid: DateRange(from: SampleCalendar.date(1990, 1, 1))
        )
    }

    static func unit(of cell: SampleCellPlan, in commune: SampleCommunePlan) -> OrgUnit {
        OrgUnit(
            id: cell.id,
            code: cell.id.uppercased(),
            name: cell.name,
            kind: .cell,
            parentId: commune.id,
            meetingDay: Int32(cell.meetingDay),
            valid: DateRange(from: SampleCalendar.date(cell.kind == .village ? 1995 : 2000, 1, 1))
        )
    }
}
