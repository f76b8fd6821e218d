import NIOConcurrencyHelpers
import Testing

@testable import ChiboServer

/// The memory budget's rules on their own: backpressure past three quarters for connections
/// over their share, the largest holder closed past the budget, reading again below half.
@Suite struct MemoryBudgetTests {
    /// Records what the budget asked of it.
    final class Recorder: BudgetedConnection {
        let events = NIOLockedValueBox<[String]>([])

        func pauseReading() { events.withLockedValue { $0.append("pause") } }
        func resumeReading() { events.withLockedValue { $0.append("resume") } }
        func exhaust(_ message: String) { events.withLockedValue { $0.append("exhaust: \(message)") } }

        var log: [String] { events.withLockedValue { $0 } }
    }

    @Test func connectionsOverTheirSharePauseAndResumeBelowHalf() {
        let budget = MemoryBudget(limit: 1000)
        let small = Recorder()
        let large = Recorder()
        let smallID = ObjectIdentifier(small)
        let largeID = ObjectIdentifier(large)
        budget.register(smallID, small)
        budget.register(largeID, large)
        #expect(budget.report(smallID, held: 100) == false)
        // 100 + 700 = 800 > 750, and 700 is above the share of 1000 / 2.
        #expect(budget.report(largeID, held: 700) == true)
        #expect(budget.pausedConnections == 1)
        // The small one is under its share: it keeps reading.
        #expect(budget.report(smallID, held: 150) == false)
        // Below half of the budget every paused connection reads again.
        #expect(budget.report(smallID, held: 0) == false)
        #expect(budget.report(largeID, held: 400) == false)
        #expect(large.log == ["resume"])
        #expect(budget.pausedConnections == 0)
    }

    @Test func pastTheBudgetTheLargestHolderIsClosed() {
        let budget = MemoryBudget(limit: 1000)
        let peers = (0..<3).map { _ in Recorder() }
        for peer in peers { budget.register(ObjectIdentifier(peer), peer) }
        _ = budget.report(ObjectIdentifier(peers[0]), held: 600)
        _ = budget.report(ObjectIdentifier(peers[1]), held: 200)
        _ = budget.report(ObjectIdentifier(peers[2]), held: 300)
        #expect(peers[0].log.count == 1)
        #expect(peers[0].log.first?.hasPrefix("exhaust: the server's memory budget of 1000 bytes") == true)
        #expect(peers[1].log.isEmpty)
        #expect(budget.totalHeld == 500)
        // A closed connection's later reports are ignored; its removal frees nothing twice.
        #expect(budget.report(ObjectIdentifier(peers[0]), held: 900) == false)
        budget.remove(ObjectIdentifier(peers[0]))
        #expect(budget.totalHeld == 500)
        budget.remove(ObjectIdentifier(peers[1]))
        budget.remove(ObjectIdentifier(peers[2]))
        #expect(budget.totalHeld == 0)
    }
}
