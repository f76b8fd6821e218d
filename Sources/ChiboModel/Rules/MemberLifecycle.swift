/// The lifecycle of a member: which status events may follow which, and the status the events
/// lead to (GLOSSARY.md, "Status and category"). Pure: no storage, no clock.
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
        /// Date key (YYYY-MM-DD) of the last event, events must not go back in time.
        public var lastEventDate: String?
        /// Date key of the admission, for the 12-month probation.
        public var admittedOn: String?

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
        guard let date = event.effectiveOn, let dateKey = key(date) else {
            throw Violation(message: "the event needs the date it took effect")
        }
        if let last = state.lastEventDate, dateKey < last {
            throw Violation(message: "the event is dated \(dateKey), before the member's last event (\(last))")
        }
        if state.hasEnded {
            throw Violation(message: "the member's record ended (\(name(state.status))); no event can follow")
        }
        var next = state
        next.lastEventDate = dateKey
        let status = state.status
        let active: Set<MemberStatus> = [.probationary, .official]
        let inParty: Set<MemberStatus> = [.probationary, .official, .exempt, .workingAway, .temporaryTransfer]
        func require(_ allowed: Set<MemberStatus>, _ what: String) throws(Violation) {
            guard allowed.contains(status) else {
                throw Violation(message: "\(what) is not possible for a member who is \(name(status))")
            }
        }
        switch event.kind {
        case .admitted:
            try require([.unspecified], "admission")
            next.status = .probationary
            next.activeStatus = .probationary
            next.admittedOn = dateKey
        case .transferredIn:
            try require([.unspecified], "a transfer in")
            next.status = .official
            next.activeStatus = .official
        case .madeOfficial:
            try require([.probationary], "being made official")
            if let admitted = state.admittedOn, let earliest = Self.addingMonths(12, to: admitted), dateKey < earliest {
                throw Violation(message: "probation lasts 12 months: not before \(earliest) (admitted \(admitted))")
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

    /// `YYYY-MM-DD` for a valid date.
    static func key(_ date: CalendarDate) -> String? {
        guard (1...9999).contains(date.year), (1...12).contains(date.month), (1...31).contains(date.day) else {
            return nil
        }
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(date.year, 4))-\(pad(date.month, 2))-\(pad(date.day, 2))"
    }

    /// The date key `months` months after `key` (the same day, or the month's last day).
    static func addingMonths(_ months: Int, to key: String) -> String? {
        let parts = key.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        let total = parts[0] * 12 + (parts[1] - 1) + months
        let year = total / 12
        let month = total % 12 + 1
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        let day = min(parts[2], lengths[month - 1])
        return Self.key(CalendarDate(year: Int32(year), month: Int32(month), day: Int32(day)))
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
