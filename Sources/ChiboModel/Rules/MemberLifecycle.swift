/// The lifecycle of a member: which status events may follow which, and the status the events
/// lead to (docs/DOMAIN.md, "Status and category"). Pure: no storage, no clock.
public enum MemberLifecycle {
    /// Why an event cannot be applied.
    public struct Violation: Error, Hashable, Sendable, CustomStringConvertible {
        /// What is wrong, for a person.
        public var message: String
        /// A readable account.
        public var description: String { message }
    }

    /// Where a member stands after a sequence of events: the current status and the active
    /// status (probationary or official) a member returns to after working away, an exemption or
    /// a temporary transfer.
    public struct State: Hashable, Sendable {
        /// The current status; unspecified before the first event.
        public var status: MemberStatus = .unspecified
        /// Probationary or official: what the member is when not away or exempt.
        public var activeStatus: MemberStatus = .unspecified
        /// Date of the last event; events must not go back in time.
        public var lastEventDate: CalendarDate?
        /// Date of the admission, for the 12-month probation.
        public var admittedOn: CalendarDate?

        /// The state before any event.
        public init() {}

        /// Whether the member has left for good (transferred out, struck off, expelled, deceased).
        public var hasEnded: Bool {
            [.transferredOut, .struckOff, .expelled, .deceased].contains(status)
        }

        /// Whether the member is in the party's active life: neither ended nor before admission.
        public var isMember: Bool { status != .unspecified && !hasEnded }
    }

    /// The state after `events`, applied in order; throws at the first illegal one.
    public static func replay(_ events: [StatusEvent]) throws(Violation) -> State {
        var state = State()
        for event in events {
            state = try apply(event, to: state)
        }
        return state
    }

    /// The state after one more event, or why it cannot happen.
    public static func apply(_ event: StatusEvent, to state: State) throws(Violation) -> State {
        guard let date = event.effectiveOn, (1...9999).contains(date.year), (1...12).contains(date.month),
            (1...31).contains(date.day)
        else {
            throw Violation(message: "the event needs the date it took effect")
        }
        if let last = state.lastEventDate, date < last {
            throw Violation(
                message: "the event is dated \(key(date) ?? ""), before the member's last event (\(key(last) ?? ""))"
            )
        }
        if state.hasEnded {
            throw Violation(message: "the member's record ended (\(name(state.status))); no event can follow")
        }
        var next = state
        next.lastEventDate = date
        let status = state.status
        let active = Self.active
        let inParty = Self.inParty
        func require(_ allowed: [MemberStatus], _ what: String) throws(Violation) {
            guard allowed.contains(status) else {
                throw Violation(message: "\(what) is not possible for a member who is \(name(status))")
            }
        }
        switch event.kind {
        case .admitted:
            try require([.unspecified], "admission")
            next.status = .probationary
            next.activeStatus = .probationary
            next.admittedOn = date
        case .transferredIn:
            try require([.unspecified], "a transfer in")
            next.status = .official
            next.activeStatus = .official
        case .madeOfficial:
            try require([.probationary], "being made official")
            if let admitted = state.admittedOn, date < admitted.adding(months: 12) {
                let earliest = key(admitted.adding(months: 12)) ?? ""
                throw Violation(
                    message: "probation lasts 12 months: not before \(earliest) (admitted \(key(admitted) ?? ""))"
                )
            }
            next.status = .official
            next.activeStatus = .official
        case .exempted:
            try require(active, "an exemption")
            next.status = .exempt
        case .exemptionEnded:
            try require([.exempt], "the end of an exemption")
            next.status = state.activeStatus
        case .workingAway:
            try require(active, "working away")
            next.status = .workingAway
        case .returned:
            try require([.workingAway], "a return")
            next.status = state.activeStatus
        case .temporaryTransferOut:
            try require(active, "a temporary transfer")
            next.status = .temporaryTransfer
        case .temporaryTransferBack:
            try require([.temporaryTransfer], "coming back from a temporary transfer")
            next.status = state.activeStatus
        case .permanentTransfer:
            try require(inParty, "a permanent transfer")
            next.status = .transferredOut
        case .struckOff:
            try require(inParty, "being struck off")
            next.status = .struckOff
        case .expelled:
            try require(inParty, "expulsion")
            next.status = .expelled
        case .deceased:
            try require(inParty, "a death")
            next.status = .deceased
        default:
            throw Violation(message: "\(event.kind.rawValue) is not a known event kind")
        }
        return next
    }

    /// Statuses of members in the party's active life.
    static let active: [MemberStatus] = [.probationary, .official]
    /// Statuses of members still in the party.
    static let inParty: [MemberStatus] = [.probationary, .official, .exempt, .workingAway, .temporaryTransfer]

    /// `YYYY-MM-DD` for a date in range.
    static func key(_ date: CalendarDate) -> String? {
        guard (1...9999).contains(date.year), (1...12).contains(date.month), (1...31).contains(date.day) else {
            return nil
        }
        return date.isoKey
    }

    private static func name(_ status: MemberStatus) -> String {
        switch status {
        case .unspecified: "not yet admitted"
        case .probationary: "probationary"
        case .official: "official"
        case .exempt: "exempt"
        case .workingAway: "working away"
        case .temporaryTransfer: "on temporary transfer"
        case .transferredOut: "transferred out"
        case .struckOff: "struck off"
        case .expelled: "expelled"
        case .deceased: "deceased"
        default: "in status \(status.rawValue)"
        }
    }
}
