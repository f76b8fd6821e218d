import ChiboCodec
import ChiboModel

/// The order records must reach a server in: a unit's parent before the unit, members before
/// the meetings that list them, and so on. Records of one stage do not depend on each other.
public enum SampleStage: Int, Comparable, CaseIterable, Sendable {
    /// The province.
    case provinces
    /// The districts.
    case districts
    /// The communes' party committees.
    case communes
    /// The cells.
    case cells
    /// The members, with their status events and positions.
    case members
    /// The supervising standing-committee members' assignments.
    case supervisors
    /// The communes' rule sets.
    case rules
    /// The meetings with their attendance and resolutions.
    case meetings
    /// The yearly evaluations of cells and members.
    case evaluations

    /// Whether a stage comes before another.
    public static func < (lhs: SampleStage, rhs: SampleStage) -> Bool { lhs.rawValue < rhs.rawValue }

    /// A short name for progress lines.
    public var name: String {
        switch self {
        case .provinces: "provinces"
        case .districts: "districts"
        case .communes: "communes"
        case .cells: "cells"
        case .members: "members"
        case .supervisors: "supervisors"
        case .rules: "rule sets"
        case .meetings: "meetings"
        case .evaluations: "evaluations"
        }
    }
}

/// One record of a sample dataset, as a request to create it would carry it. A dataset is a
/// sequence of these; loading into a server is one way to consume it, writing files another.
public enum SampleRecord: Hashable, Sendable {
    /// An org unit (OrgUnits.Create).
    case orgUnit(OrgUnit)
    /// A member (Members.Create).
    case member(Member)
    /// A supervisor assignment of a cell (OrgUnits.AssignSupervisor).
    case supervisor(unitID: String, assignment: SupervisorAssignment)
    /// A rule set (Rules.Create).
    case ruleSet(RuleSet)
    /// A meeting with its attendance (Meetings.Record).
    case meeting(Meeting)
    /// A yearly evaluation (Evaluations.Create).
    case evaluation(Evaluation)

    /// The stage the record belongs to.
    public var stage: SampleStage {
        switch self {
        case .orgUnit(let unit):
            switch unit.kind {
            case .province: .provinces
            case .district: .districts
            case .commune: .communes
            default: .cells
            }
        case .member: .members
        case .supervisor: .supervisors
        case .ruleSet: .rules
        case .meeting: .meetings
        case .evaluation: .evaluations
        }
    }

    /// The record's ID (the assignment's for a supervisor).
    public var id: String {
        switch self {
        case .orgUnit(let unit): unit.id
        case .member(let member): member.id
        case .supervisor(_, let assignment): assignment.id
        case .ruleSet(let rules): rules.id
        case .meeting(let meeting): meeting.id
        case .evaluation(let evaluation): evaluation.id
        }
    }

    /// The kind of record, as the change feed names it ("org_unit", "member", …; "supervisor"
    /// for an assignment).
    public var entity: String {
        switch self {
        case .orgUnit: "org_unit"
        case .member: "member"
        case .supervisor: "supervisor"
        case .ruleSet: "rule_set"
        case .meeting: "meeting"
        case .evaluation: "evaluation"
        }
    }

    /// The record's protobuf bytes (for a supervisor: the assignment's).
    public func serializedBytes() throws -> [UInt8] {
        switch self {
        case .orgUnit(let unit): try unit.serializedBytes()
        case .member(let member): try member.serializedBytes()
        case .supervisor(_, let assignment): try assignment.serializedBytes()
        case .ruleSet(let rules): try rules.serializedBytes()
        case .meeting(let meeting): try meeting.serializedBytes()
        case .evaluation(let evaluation): try evaluation.serializedBytes()
        }
    }
}

/// How many records of each kind a dataset holds or a load sent.
public struct SampleCounts: Hashable, Sendable {
    /// Org units.
    public var orgUnits = 0
    /// Members.
    public var members = 0
    /// Supervisor assignments.
    public var supervisors = 0
    /// Rule sets.
    public var ruleSets = 0
    /// Meetings.
    public var meetings = 0
    /// Attendance records in those meetings.
    public var attendance = 0
    /// Evaluations.
    public var evaluations = 0

    /// No records.
    public init() {}

    /// Counts one more record.
    public mutating func add(_ record: SampleRecord) {
        switch record {
        case .orgUnit: orgUnits += 1
        case .member: members += 1
        case .supervisor: supervisors += 1
        case .ruleSet: ruleSets += 1
        case .meeting(let meeting):
            meetings += 1
            attendance += meeting.attendance.count
        case .evaluation: evaluations += 1
        }
    }

    /// Adds the counts of `other` (of another province of the nation, say).
    public mutating func add(_ other: SampleCounts) {
        orgUnits += other.orgUnits
        members += other.members
        supervisors += other.supervisors
        ruleSets += other.ruleSets
        meetings += other.meetings
        attendance += other.attendance
        evaluations += other.evaluations
    }

    /// Records of all kinds (attendance records are part of their meetings).
    public var records: Int { orgUnits + members + supervisors + ruleSets + meetings + evaluations }

    /// The count of the records of a stage's kind.
    public func count(of stage: SampleStage) -> Int {
        switch stage {
        case .provinces, .districts, .communes, .cells: orgUnits
        case .members: members
        case .supervisors: supervisors
        case .rules: ruleSets
        case .meetings: meetings
        case .evaluations: evaluations
        }
    }
}
