import ChiboModel
import Testing

/// The member lifecycle: legal sequences, the derived status, and rejected transitions.
@Suite struct MemberLifecycleTests {
    private func event(_ kind: StatusEventKind, _ year: Int32, _ month: Int32, _ day: Int32) -> StatusEvent {
        StatusEvent(kind: kind, effectiveOn: CalendarDate(year: year, month: month, day: day))
    }

    @Test func aMembersLifeFromAdmissionToDeath() throws {
        let events = [
            event(.admitted, 2005, 5, 19), event(.madeOfficial, 2006, 5, 19), event(.workingAway, 2010, 3, 1),
            event(.returned, 2010, 11, 1), event(.temporaryTransferOut, 2012, 1, 1),
            event(.temporaryTransferBack, 2013, 1, 1), event(.exempted, 2020, 1, 1), event(.exemptionEnded, 2021, 1, 1),
            event(.deceased, 2025, 8, 2),
        ]
        var state = MemberLifecycle.State()
        let expected: [MemberStatus] = [
            .probationary, .official, .workingAway, .official, .temporaryTransfer, .official, .exempt, .official,
            .deceased,
        ]
        for (event, status) in zip(events, expected) {
            state = try MemberLifecycle.apply(event, to: state)
            #expect(state.status == status)
        }
        #expect(state.hasEnded)
        #expect(try MemberLifecycle.replay(events).status == .deceased)
    }

    @Test func aProbationaryMemberReturnsProbationary() throws {
        let state = try MemberLifecycle.replay([
            event(.admitted, 2024, 3, 1), event(.workingAway, 2024, 6, 1), event(.returned, 2024, 9, 1),
        ])
        #expect(state.status == .probationary)
    }

    @Test func probationLastsTwelveMonths() {
        #expect(throws: MemberLifecycle.Violation.self) {
            try MemberLifecycle.replay([event(.admitted, 2024, 3, 1), event(.madeOfficial, 2025, 2, 28)])
        }
        #expect(
            (try? MemberLifecycle.replay([event(.admitted, 2024, 3, 1), event(.madeOfficial, 2025, 3, 1)]))?.status
                == .official
        )
        // Admitted on 29 February: probation ends on 28 February of the next year.
        #expect(
            (try? MemberLifecycle.replay([event(.admitted, 2024, 2, 29), event(.madeOfficial, 2025, 2, 28)]))?.status
                == .official
        )
    }

    @Test func illegalTransitionsAreRejected() {
        let illegal: [[StatusEvent]] = [
            [event(.madeOfficial, 2020, 1, 1)],
            [event(.admitted, 2020, 1, 1), event(.admitted, 2021, 1, 1)],
            [event(.admitted, 2020, 1, 1), event(.returned, 2020, 6, 1)],
            [event(.admitted, 2020, 1, 1), event(.expelled, 2021, 1, 1), event(.returned, 2021, 6, 1)],
            [event(.admitted, 2020, 1, 1), event(.deceased, 2021, 1, 1), event(.deceased, 2021, 1, 2)],
            [event(.admitted, 2020, 1, 1), event(.exemptionEnded, 2020, 6, 1)],
            [event(.admitted, 2020, 5, 1), event(.workingAway, 2020, 4, 1)],
            [StatusEvent(kind: .admitted)],
            [event(StatusEventKind(rawValue: 99), 2020, 1, 1)],
        ]
        for events in illegal {
            #expect(throws: MemberLifecycle.Violation.self, "\(events.map(\.kind))") {
                try MemberLifecycle.replay(events)
            }
        }
    }
}
