import ChiboDomain
import ChiboModel
import ChiboStore

/// The questions the oversight reports ask of the records, and nothing else: a store
/// answers them (`StoreFacts`), and a test can answer them from memory, so the reports are
/// checked on small datasets with known answers without a database.
public protocol OversightFacts: Sendable {
    /// Every unit that was ever under `rootID`, the root included.
    func unitsEverUnder(rootID: String) async throws -> [OrgUnit]
    /// The unit with this id (an ancestor of a report's root).
    func orgUnit(id: String) async throws -> OrgUnit?
    /// The units ever under `rootID` and those above it (see `Store.unitsEverUnderAndAbove`).
    func unitsEverUnderAndAbove(rootID: String) async throws -> (under: [OrgUnit], above: [OrgUnit])
    /// Every rule set in force (not voided).
    func ruleSets() async throws -> [RuleSet]
    /// Per-meeting counts of the meetings of cells ever under `rootID` in a date range.
    func meetingSummaries(
        everUnder rootID: String,
        from: CalendarDate,
        through: CalendarDate
    ) async throws
        -> [MeetingSummary]
    /// Per-meeting counts of the meetings of some cells in a date range.
    func meetingSummaries(
        cellIDs: [String],
        from: CalendarDate,
        through: CalendarDate
    ) async throws
        -> [MeetingSummary]
    /// The meetings of some cells in a date range summed by cell and period, each judged good at
    /// `goodAttendanceBp` (what `AttendanceTotals.summing` gives of their summaries).
    func attendanceTotals(
        cellIDs: [String],
        from: CalendarDate,
        through: CalendarDate,
        period: PeriodKind,
        goodAttendanceBp: Int32
    ) async throws -> [AttendanceTotals]
    /// The attendance records of members who may reach the absence thresholds in a range.
    func absenceFacts(
        everUnder rootID: String,
        from: CalendarDate,
        through: CalendarDate,
        minExcused: Int,
        minUnexcusedMonths: Int
    ) async throws -> [AttendanceFact]
    /// Members who ever belonged to a unit under `rootID`.
    func membersEverUnder(rootID: String) async throws -> [Member]
    /// Evaluations of a year of units and members ever under `rootID`.
    func evaluations(everUnder rootID: String, year: Int32) async throws -> [Evaluation]
    /// Resolutions still open, due before a date, of meetings of cells ever under `rootID`.
    func openResolutions(everUnder rootID: String, dueBefore: CalendarDate) async throws -> [ResolutionFact]
}

extension OversightFacts {
    /// The units ever under `rootID`, then the units above it read one by one up the parents
    /// (`orgUnit(id:)`), not through a unit under it.
    public func unitsEverUnderAndAbove(rootID: String) async throws -> (under: [OrgUnit], above: [OrgUnit]) {
        let units = try await unitsEverUnder(rootID: rootID)
        guard let root = units.first(where: { $0.id == rootID }) else { return (units, []) }
        var above: [OrgUnit] = []
        var seen = Set(units.map(\.id))
        var pending = UnitHistory.parentsEver(of: root)
        while let next = pending.popLast() {
            guard seen.insert(next).inserted, let unit = try await orgUnit(id: next) else { continue }
            above.append(unit)
            pending += UnitHistory.parentsEver(of: unit)
        }
        return (units, above)
    }
}

/// The oversight facts as a store answers them.
public struct StoreFacts: OversightFacts {
    /// The store asked.
    public let store: any Store

    /// Facts from `store`.
    public init(store: any Store) { self.store = store }

    /// See `OversightFacts`.
    public func unitsEverUnder(rootID: String) async throws -> [OrgUnit] {
        try await store.unitsEverUnder(rootID: rootID)
    }

    /// See `OversightFacts`.
    public func orgUnit(id: String) async throws -> OrgUnit? { try await store.orgUnit(id: id) }

    /// See `OversightFacts`: one read of the store.
    public func unitsEverUnderAndAbove(rootID: String) async throws -> (under: [OrgUnit], above: [OrgUnit]) {
        try await store.unitsEverUnderAndAbove(rootID: rootID)
    }

    /// See `OversightFacts`.
    public func ruleSets() async throws -> [RuleSet] {
        var ruleSets: [RuleSet] = []
        var token = ""
        repeat {
            let page = try await store.listRuleSets(RuleSetQuery(pageSize: 1000, pageToken: token))
            ruleSets += page.records
            token = page.nextPageToken
        } while !token.isEmpty
        return ruleSets
    }

    /// See `OversightFacts`.
    public func meetingSummaries(
        everUnder rootID: String,
        from: CalendarDate,
        through: CalendarDate
    ) async throws
        -> [MeetingSummary]
    {
        try await store.meetingSummaries(everUnder: rootID, from: from, through: through)
    }

    /// See `OversightFacts`.
    public func meetingSummaries(
        cellIDs: [String],
        from: CalendarDate,
        through: CalendarDate
    ) async throws
        -> [MeetingSummary]
    {
        try await store.meetingSummaries(cellIDs: cellIDs, from: from, through: through)
    }

    /// See `OversightFacts`.
    public func attendanceTotals(
        cellIDs: [String],
        from: CalendarDate,
        through: CalendarDate,
        period: PeriodKind,
        goodAttendanceBp: Int32
    ) async throws -> [AttendanceTotals] {
        try await store.attendanceTotals(
            cellIDs: cellIDs,
            from: from,
            through: through,
            period: period,
            goodAttendanceBp: goodAttendanceBp
        )
    }

    /// See `OversightFacts`.
    public func absenceFacts(
        everUnder rootID: String,
        from: CalendarDate,
        through: CalendarDate,
        minExcused: Int,
        minUnexcusedMonths: Int
    ) async throws -> [AttendanceFact] {
        try await store.absenceFacts(
            everUnder: rootID,
            from: from,
            through: through,
            minExcused: minExcused,
            minUnexcusedMonths: minUnexcusedMonths
        )
    }

    /// See `OversightFacts`.
    public func membersEverUnder(rootID: String) async throws -> [Member] {
        try await store.membersEverUnder(rootID: rootID)
    }

    /// See `OversightFacts`.
    public func evaluations(everUnder rootID: String, year: Int32) async throws -> [Evaluation] {
        try await store.evaluations(everUnder: rootID, year: year)
    }

    /// See `OversightFacts`.
    public func openResolutions(everUnder rootID: String, dueBefore: CalendarDate) async throws -> [ResolutionFact] {
        try await store.openResolutions(everUnder: rootID, dueBefore: dueBefore)
    }
}
