import ChiboModel

/// The sample datasets.
public enum SampleDatasetKind: String, CaseIterable, Sendable {
    /// Đảng bộ xã Mường Bằng (Mai Sơn, Sơn La) in 2019, as the 2020 article describes it: 27
    /// cells, 316 members, bản Bó with 22 members meeting on the 3rd.
    case muongBang = "muong-bang"
    /// A fictional province at scale: 16 districts, 400 communes, 10,000 cells, 250,000 members
    /// and a year of meetings (about 4 million attendance records).
    case province
    /// A fictional nation at scale: 63 provinces, about 250,000 cells, 5.3 million members and
    /// a year of meetings (about 85 million attendance records), planned and generated one
    /// province at a time (see `SampleDataset(nationProvince:seed:)`).
    case nation
}

/// Whether a cell is a village's or an agency's: villages meet in the evening at the cultural
/// house, agencies in the afternoon at the office.
public enum SampleCellKind: Sendable, Hashable {
    /// A village (bản) cell.
    case village
    /// An agency, school or militia cell.
    case agency
}

/// The shares of each ethnic group in a cell, in percent.
public struct SampleEthnicMix: Sendable, Hashable {
    /// Share of Thái members.
    public var thai: Int
    /// Share of Kinh members.
    public var kinh: Int
    /// Share of Mông members.
    public var mong: Int

    func draw(_ random: inout SampleRandom) -> SampleEthnicity {
        let roll = random.below(max(1, thai + kinh + mong))
        if roll < thai { return .thai }
        if roll < thai + kinh { return .kinh }
        return .mong
    }
}

/// One cell of a sample commune.
public struct SampleCellPlan: Sendable, Hashable {
    /// ID of the cell (also its code, upper-cased).
    public var id: String
    /// Full name, for example "Chi bộ bản Bó".
    public var name: String
    /// The village or agency, for home places and meeting places, for example "bản Bó".
    public var placeName: String
    /// Village or agency.
    public var kind: SampleCellKind
    /// Day of the month of the regular meeting.
    public var meetingDay: Int
    /// Number of members.
    public var size: Int
    /// Who the members are.
    public var mix: SampleEthnicMix
    /// Position in the commune's cell list.
    public var index: Int
    /// Party card serial of the cell's first member.
    var cardSerialBase: Int
}

/// A member whose record the sample gives a particular history, so that reports have something
/// to find.
public struct SampleSpecialMember: Sendable, Hashable {
    /// What is special about the member.
    public enum Role: Sendable, Hashable {
        /// Admitted in 2018, still probationary at the end of 2019: past the 12 months.
        case probationOverdue
        /// Admitted in 2018, made official in 2019 after 12 months.
        case madeOfficialInYear
        /// Admitted during the year; expected only at meetings from the admission on.
        case admittedInYear
        /// Working away with an expected return before the end of the year, not back.
        case workingAwayOverdue
        /// Went to work away and came back during the year.
        case workingAwayReturned
        /// Working away, expected back after the end of the year.
        case workingAwayNotDue
        /// Exempt from duties and meetings (elderly or ill).
        case exempt
    }
    /// ID of the member's cell.
    public var cellID: String
    /// Index of the member in the cell (IDs end with `-mNN`, NN = index + 1).
    public var memberIndex: Int
    /// The history given.
    public var role: Role
}

/// A (cell, month) pair of the year.
public struct SampleCellMonth: Sendable, Hashable {
    /// ID of the cell.
    public var cellID: String
    /// Month, 1 to 12.
    public var month: Int

    /// A cell's month.
    public init(cellID: String, month: Int) {
        self.cellID = cellID
        self.month = month
    }
}

/// A (cell, quarter) pair of the year.
public struct SampleCellQuarter: Sendable, Hashable {
    /// ID of the cell.
    public var cellID: String
    /// Quarter, 1 to 4.
    public var quarter: Int

    /// A cell's quarter.
    public init(cellID: String, quarter: Int) {
        self.cellID = cellID
        self.quarter = quarter
    }
}

/// A member absent at several meetings of the year.
public struct SampleAbsenceRun: Sendable, Hashable {
    /// ID of the member's cell.
    public var cellID: String
    /// Index of the member in the cell.
    public var memberIndex: Int
    /// The months of the absences.
    public var months: [Int]
}

/// What a commune's year deliberately gets wrong, so that the regularity, absence and due
/// reports have findings. Everything else is regular.
public struct SampleAnomalies: Sendable, Hashable {
    /// Regular meetings not held.
    public var missedRegular: [SampleCellMonth] = []
    /// Regular meetings held off the cell's day, with the day they were held.
    public var offDay: [SampleCellMonth: Int] = [:]
    /// Regular meetings that lasted 45 to 70 minutes. The rules of 2019 set no minimum length
    /// (90 minutes applies from 28 October 2025), so the 2019 reports do not flag them.
    public var short: [SampleCellMonth] = []
    /// Quarters without a thematic meeting.
    public var missedThematic: [SampleCellQuarter] = []
    /// Quarters whose thematic meeting was held together with the quarter's last regular one
    /// (a combined meeting of at least two hours).
    public var combined: [SampleCellQuarter] = []
    /// A member absent with reason at every meeting of four months running (in hospital).
    public var excusedRun: SampleAbsenceRun?
    /// A member absent without reason from the regular meetings of three months.
    public var unexcused: SampleAbsenceRun?
}

/// One commune of a sample dataset: its cells, its standing committee, the anomalies of its
/// year and the grades it gives.
public struct SampleCommunePlan: Sendable {
    /// ID of the commune's party committee.
    public var id: String
    /// Full name, for example "Đảng bộ xã Mường Bằng".
    public var name: String
    /// Short place name, for example "Mường Bằng".
    public var placeName: String
    /// ID of the parent unit (a district).
    public var parentID: String
    /// "huyện Mai Sơn, tỉnh Sơn La": the end of the members' home places.
    public var region: String
    /// The cells; the first is the commune agencies' cell, home of the standing committee.
    public var cells: [SampleCellPlan]
    /// Members of the standing committee (the first members of the first cell); each
    /// supervises some of the other cells.
    public var standingCommittee: Int
    /// What the year gets wrong.
    public var anomalies: SampleAnomalies
    /// Members with a particular history.
    public var specialMembers: [SampleSpecialMember]
    /// The yearly grade of each cell, in the order of `cells`.
    public var cellGrades: [Grade]
    /// Whether each cell was recognised as clean and strong, in the order of `cells`.
    public var cleanAndStrong: [Bool]
    /// Whether the members' grading breaks the cap on excellent members when it is read as "of
    /// those rated good" (see `SampleGrading`).
    public var breaksExcellentCap: Bool
    /// The commune's own rule set, if it has one.
    public var localRules: RuleSet?
    /// Position of the commune in the dataset, for derived random streams.
    var index: Int

    /// The supervisor (an index into the first cell's members) of each cell, nil for the first.
    public func supervisorIndex(ofCell cellIndex: Int) -> Int? {
        cellIndex == 0 || standingCommittee == 0 ? nil : (cellIndex - 1) % standingCommittee
    }

    /// The number of members.
    public var memberCount: Int { cells.reduce(0) { $0 + $1.size } }
}

/// Everything a dataset is made from, before any record is generated: the org tree, the cells'
/// sizes and days, the anomalies and grades. Small (no members, no meetings); the records are
/// generated from it cell by cell.
public struct SamplePlan: Sendable {
    /// Which dataset.
    public var kind: SampleDatasetKind
    /// The seed.
    public var seed: UInt64
    /// The year of the meetings and the grading.
    public var year: Int
    /// The units above the communes (the province, then its districts).
    public var upperUnits: [OrgUnit]
    /// The communes.
    public var communes: [SampleCommunePlan]
    /// Prefix of the party card numbers (the province's two-digit code).
    var cardPrefix: String
    /// First three digits of the citizen IDs (the province's code).
    var citizenPrefix: String
    /// The root generator.
    var random: SampleRandom
    /// The number of the province (1 to 63) of a nation plan; nil for the other datasets.
    public var nationProvince: Int?

    /// Builds the plan of a dataset (of the nation, its first province).
    public init(kind: SampleDatasetKind, seed: UInt64) {
        if kind == .nation {
            self.init(nationProvince: 1, seed: seed)
        } else {
            self.init(singleKind: kind, seed: seed)
        }
    }

    /// The plan of Mường Bằng or the province.
    private init(singleKind kind: SampleDatasetKind, seed: UInt64) {
        self.kind = kind
        self.seed = seed
        self.year = 2019
        self.random = SampleRandom(seed: seed)
        switch kind {
        case .muongBang:
            (upperUnits, communes) = MuongBang.plan(random: random)
            cardPrefix = "14"
            citizenPrefix = "014"
        case .province:
            (upperUnits, communes) = ProvinceAtScale.plan(random: random)
            cardPrefix = "99"
            citizenPrefix = "099"
        case .nation:
            preconditionFailure("unreachable: the nation is planned by init(nationProvince:seed:)")
        }
    }

    /// Builds the plan of one province of the nation, `number` 1 to 63, without planning the
    /// others.
    public init(nationProvince number: Int, seed: UInt64) {
        kind = .nation
        self.seed = seed
        year = 2019
        nationProvince = number
        random = NationAtScale.random(seed: seed, province: number)
        (upperUnits, communes) = NationAtScale.plan(seed: seed, province: number)
        cardPrefix = NationAtScale.code(number)
        citizenPrefix = "0" + NationAtScale.code(number)
    }

    /// Number of provinces of the nation dataset.
    public static let nationProvinces = NationAtScale.provinces

    /// Number of cells.
    public var cellCount: Int { communes.reduce(0) { $0 + $1.cells.count } }

    /// Number of members.
    public var memberCount: Int { communes.reduce(0) { $0 + $1.memberCount } }
}
