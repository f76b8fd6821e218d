import ChiboCodec
import ChiboModel
import ChiboStore
import Foundation

/// Scope on effects: a change is judged by the records it writes, not by what its request said.
///
/// Every record version a change writes passes through `logChange`, which calls
/// `requireInScope` with the record before and after the change. The units those records
/// belong to — a unit itself and the parents whose periods the change alters, a member's cells
/// and the units its new events and positions name, a meeting's cell, a rule set's scope, an
/// evaluation's cell and subject — must lie under the caller's scope unit (or a unit it was
/// formed from) on each date the change concerns: today, and the change's own date (a move's,
/// merge's or split's effective date, a meeting's date, the end of an evaluation's year). The
/// check runs inside the change's transaction on the tree as the change leaves it, so a merge
/// that absorbs into another commune's cell, a split whose successor sits elsewhere, an
/// evaluation naming another commune's cell or a transfer to a foreign cell fails as a whole.
extension SQLStore {
    /// Refuses a change whose record, before or after it, lies outside the caller's scope.
    static func requireInScope(
        _ db: any SQLDatabase,
        context: MutationContext,
        entity: String,
        before: [UInt8]?,
        after: some ProtoMessage
    ) throws {
        guard case .subtree(let root) = context.writeScope else { return }
        let today = Self.today(context)
        var dates = [today]
        if let effective = context.effectiveOn { dates.append(effective) }
        var units: [String] = []
        switch (entity, after) {
        case ("org_unit", let unit as OrgUnit):
            let old = try before.map { try OrgUnit(serializedBytes: $0) }
            units = Self.touchedUnits(before: old, after: unit)
        case ("member", let member as Member):
            let old = try before.map { try Member(serializedBytes: $0) }
            units = Self.touchedUnits(before: old, after: member)
        case ("meeting", let meeting as Meeting):
            let old = try before.map { try Meeting(serializedBytes: $0) }
            units = [meeting.cellId] + (old.map { [$0.cellId] } ?? [])
            for held in [meeting.heldOn, old?.heldOn] { if let held { dates.append(held) } }
        case ("rule_set", let rules as RuleSet):
            let old = try before.map { try RuleSet(serializedBytes: $0) }
            units = [rules.scopeUnitId] + (old.map { [$0.scopeUnitId] } ?? [])
        case ("evaluation", let evaluation as Evaluation):
            let old = try before.map { try Evaluation(serializedBytes: $0) }
            for version in [evaluation, old].compactMap({ $0 }) {
                units += try Self.touchedUnits(db, evaluation: version)
                if version.year > 0 {
                    dates.append(CalendarDate(year: version.year, month: 12, day: 31))
                }
            }
        default:
            // An entity this check does not know is refused: a new kind of record must say which
            // units it belongs to before scoped tokens may change it.
            throw StoreError.outsideScope("a \(entity) record")
        }
        for unit in Set(units) {
            for date in Set(dates.map(\.isoKey)) where !(try Self.isUnder(db, root: root, unit: unit, on: date)) {
                throw StoreError.outsideScope(Self.describe(entity: entity, after))
            }
        }
    }

    /// Today in Vietnam (UTC+7) at the change's time.
    static func today(_ context: MutationContext) -> CalendarDate {
        let seconds = context.nowMs / 1000 + 7 * 3600
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        return CalendarDate(daysSince1970: Int(days))
    }

    /// The unit itself, and every parent whose period the change adds, ends or removes (a move
    /// touches the old parent and the new one; a unit's own edit touches only the unit).
    static func touchedUnits(before: OrgUnit?, after: OrgUnit) -> [String] {
        var units = [after.id]
        let periods = { (unit: OrgUnit?) -> Set<String> in
            Set(
                (unit?.parentHistory ?? []).map {
                    "\($0.parentId)|\($0.valid?.from?.isoKey ?? "")|\($0.valid?.to?.isoKey ?? "")"
                }
            )
        }
        let changed = periods(before).symmetricDifference(periods(after))
        units += changed.map { String($0.prefix { $0 != "|" }) }
        if before?.parentId != after.parentId {
            units += [before?.parentId, after.parentId].compactMap { $0 }
        }
        if before == nil && after.parentHistory.isEmpty {
            units.append(after.parentId)
        }
        return units.filter { !$0.isEmpty || before == nil }
    }

    /// A member's cells before and after, the cells of periods the change alters, and the units
    /// named by events and positions the change adds (a temporary transfer's receiving cell).
    static func touchedUnits(before: Member?, after: Member) -> [String] {
        var units = [after.cellId]
        if let before { units.append(before.cellId) }
        let periods = { (member: Member?) -> Set<String> in
            Set(
                (member?.cellHistory ?? []).map {
                    "\($0.cellId)|\($0.valid?.from?.isoKey ?? "")|\($0.valid?.to?.isoKey ?? "")"
                }
            )
        }
        units += periods(before).symmetricDifference(periods(after)).map { String($0.prefix { $0 != "|" }) }
        // A temporary transfer attaches the member to the receiving cell, which then reads them; a
        // permanent transfer's other side is only named (the member stays in their cell's history).
        let oldEvents = Set((before?.events ?? []).map { "\($0.id)|\($0.otherUnitId)" })
        for event in after.events
        where event.kind == .temporaryTransferOut && !event.otherUnitId.isEmpty
            && !oldEvents.contains("\(event.id)|\(event.otherUnitId)")
        {
            units.append(event.otherUnitId)
        }
        let oldPositions = Set(
            (before?.positions ?? []).map {
                "\($0.kind.rawValue)|\($0.unitId)|\($0.valid?.from?.isoKey ?? "")|\($0.valid?.to?.isoKey ?? "")"
            }
        )
        for position in after.positions where !position.unitId.isEmpty {
            let key =
                "\(position.kind.rawValue)|\(position.unitId)|\(position.valid?.from?.isoKey ?? "")|\(position.valid?.to?.isoKey ?? "")"
            if !oldPositions.contains(key) { units.append(position.unitId) }
        }
        return units.filter { !$0.isEmpty || before == nil }
    }

    /// The units an evaluation belongs to: its cell, and its subject (a cell, or a member's cell).
    static func touchedUnits(_ db: any SQLDatabase, evaluation: Evaluation) throws -> [String] {
        var units = evaluation.cellId.isEmpty ? [] : [evaluation.cellId]
        if evaluation.subject == .member {
            let member = try loadMember(db, sql: "SELECT record FROM member WHERE id = ?", evaluation.subjectId)
            units.append(member?.cellId ?? "")
        } else {
            units.append(evaluation.subjectId)
        }
        return units
    }

    /// Whether `unit` lies under `root` (or under a unit `root` was formed from) on `date`,
    /// walking parents as the tree stands in the transaction. A unit outside its lifetime on that
    /// date counts under the parent it had last before it (or first after it): a merged cell
    /// belongs where it was when it ended. Answers are remembered until a unit is written.
    static func isUnder(_ db: any SQLDatabase, root: String, unit: String, on date: String) throws -> Bool {
        if unit.isEmpty || root.isEmpty { return false }
        let key = "\(root)|\(unit)|\(date)"
        if let known = db.scopeMemo[key] { return known }
        let roots = try Self.rootAndPredecessors(db, root)
        var current = unit
        var answer = false
        for _ in 0..<64 {
            if roots.contains(current) {
                answer = true
                break
            }
            guard let parent = try Self.parent(db, of: current, on: date) else { break }
            current = parent
        }
        db.scopeMemo[key] = answer
        return answer
    }

    /// A scope unit and the units it was formed from, transitively (a commune made by a merge
    /// keeps its predecessors' cells' history).
    static func rootAndPredecessors(_ db: any SQLDatabase, _ root: String) throws -> Set<String> {
        var found: Set<String> = [root]
        var pending = [root]
        while let id = pending.popLast(), found.count < 10_000 {
            for predecessor in try loadOrgUnit(db, id: id)?.predecessorIds ?? []
            where found.insert(predecessor).inserted {
                pending.append(predecessor)
            }
        }
        return found
    }

    /// A unit's parent on a date: the period covering it, else the last one begun before it,
    /// else the first; the unit's current parent when it keeps no history.
    static func parent(_ db: any SQLDatabase, of unitID: String, on date: String) throws -> String? {
        guard let unit = try loadOrgUnit(db, id: unitID) else { return nil }
        let periods = unit.parentHistory.filter { !$0.parentId.isEmpty }
        if periods.isEmpty { return unit.parentId.isEmpty ? nil : unit.parentId }
        let starts = { (period: ParentPeriod) in period.valid?.from?.isoKey ?? "" }
        let covering = periods.first { period in
            starts(period) <= date && (period.valid?.to.map { date < $0.isoKey } ?? true)
        }
        if let covering { return covering.parentId }
        let sorted = periods.sorted { starts($0) < starts($1) }
        return (sorted.last { starts($0) <= date } ?? sorted.first)?.parentId
    }

    /// How a refusal names the record: by kind only, so it reveals nothing outside the scope.
    static func describe(entity: String, _ record: some ProtoMessage) -> String {
        switch entity {
        case "org_unit": "an org unit"
        case "member": "a member"
        case "meeting": "a meeting"
        case "rule_set": "a rule set"
        case "evaluation": "an evaluation"
        default: "a record"
        }
    }
}
