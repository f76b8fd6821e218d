import ChiboModel
import Testing

@testable import ChiboWire

/// The client's connection rules, exercised on the state machine as a plain value.
@Suite struct ClientConnectionStateMachineTests {
    private func welcomed(window: UInt32 = 4) -> ClientConnectionStateMachine {
        var machine = ClientConnectionStateMachine()
        let welcome = Welcome(protocolVersion: 1, serverName: "s", limits: Limits(initialWindow: window))
        #expect(machine.receive(Frame(callId: 0, body: .welcome(welcome))) == .welcomed(welcome))
        return machine
    }

    @Test func callIDsIncreaseAndOpenCarriesTheDeadline() throws {
        var machine = welcomed()
        let started = machine.startCall(kind: .unary, method: .healthCheck, payload: [], timeout: .seconds(2))
        let first = try #require(started)
        let startedSecond = machine.startCall(kind: .unary, method: .healthCheck, payload: [1], timeout: nil)
        let second = try #require(startedSecond)
        #expect(first.callID == 1)
        #expect(second.callID == 2)
        #expect(first.frame == Frame(callId: 1, body: .open(Open(method: .healthCheck, timeoutMs: 2000))))
        #expect(machine.openCalls == 2)
    }

    @Test func closeFinishesTheCallWithItsPayloadOrStatus() {
        var machine = welcomed()
        _ = machine.startCall(kind: .unary, method: .healthCheck, payload: [], timeout: nil)
        _ = machine.startCall(kind: .unary, method: .healthCheck, payload: [], timeout: nil)
        #expect(
            machine.receive(Frame(callId: 1, body: .close(Close(payload: [8, 1]))))
                == .finish(callID: 1, outcome: .success([8, 1]))
        )
        let status = Status(code: .notFound, message: "no such member")
        #expect(
            machine.receive(Frame(callId: 2, body: .close(Close(status: status))))
                == .finish(callID: 2, outcome: .failure(status))
        )
        // A late close for a finished call is ignored.
        #expect(machine.receive(Frame(callId: 2, body: .close(Close()))) == .none)
    }

    @Test func serverStreamMessagesAreDeliveredAndCreditedInBatches() {
        var machine = welcomed(window: 4)
        _ = machine.startCall(kind: .serverStreaming, method: .membersList, payload: [], timeout: nil)
        #expect(
            machine.receive(Frame(callId: 1, body: .data(StreamMessage(payload: [7]))))
                == .deliver(callID: 1, payload: [7])
        )
        #expect(machine.consumed(callID: 1) == .none)
        #expect(
            machine.consumed(callID: 1)
                == .send(Frame(callId: 1, body: .windowUpdate(WindowUpdate(messages: 2))))
        )
    }

    @Test func clientStreamWaitsForTheServersWindow() {
        var machine = welcomed(window: 2)
        _ = machine.startCall(kind: .clientStreaming, method: .meetingsRecord, payload: [], timeout: nil)
        #expect(
            machine.sendMessage(callID: 1, payload: [1])
                == .send(Frame(callId: 1, body: .data(StreamMessage(payload: [1]))))
        )
        _ = machine.sendMessage(callID: 1, payload: [2])
        #expect(machine.sendMessage(callID: 1, payload: [3]) == .wait)
        #expect(
            machine.receive(Frame(callId: 1, body: .windowUpdate(WindowUpdate(messages: 1))))
                == .resumeSender(callID: 1)
        )
        #expect(machine.sendMessage(callID: 1, payload: [3]) != .wait)
        #expect(machine.endStream(callID: 1) == .send(Frame(callId: 1, body: .data(StreamMessage(end: true)))))
    }

    @Test func cancelTellsTheServerOnce() {
        var machine = welcomed()
        _ = machine.startCall(kind: .unary, method: .healthCheck, payload: [], timeout: nil)
        #expect(machine.cancel(callID: 1) == .send(Frame(callId: 1, body: .cancel(Cancel()))))
        #expect(machine.cancel(callID: 1) == .none)
        #expect(machine.receive(Frame(callId: 1, body: .close(Close()))) == .none)
    }

    @Test func goAwayAbandonsCallsTheServerWillNotFinish() {
        var machine = welcomed()
        for _ in 0..<3 { _ = machine.startCall(kind: .unary, method: .healthCheck, payload: [], timeout: nil) }
        let action = machine.receive(
            Frame(callId: 0, body: .goAway(GoAway(lastCallId: 1, status: Status(code: .unavailable, message: "bye"))))
        )
        #expect(action == .abandon(callIDs: [2, 3], status: Status(code: .unavailable, message: "bye")))
        #expect(!machine.isUsable)
        #expect(machine.startCall(kind: .unary, method: .healthCheck, payload: [], timeout: nil) == nil)
        #expect(machine.openCalls == 1)
    }

    @Test func goAwayBeforeTheWelcomeIsARefusal() {
        var machine = ClientConnectionStateMachine()
        let status = Status(code: .failedPrecondition, message: "version")
        #expect(machine.receive(Frame(callId: 0, body: .goAway(GoAway(status: status)))) == .refused(status))
        #expect(!machine.isUsable)
        // A refused connection is over: a late welcome or a second go-away changes nothing.
        #expect(machine.receive(Frame(callId: 0, body: .welcome(Welcome(protocolVersion: 1)))) == .none)
        #expect(machine.receive(Frame(callId: 0, body: .goAway(GoAway(status: status)))) == .none)
    }

    @Test func closingTheConnectionReturnsTheOpenCalls() {
        var machine = welcomed()
        _ = machine.startCall(kind: .unary, method: .healthCheck, payload: [], timeout: nil)
        _ = machine.startCall(kind: .serverStreaming, method: .membersList, payload: [], timeout: nil)
        #expect(machine.connectionClosed() == [1, 2])
        #expect(machine.openCalls == 0)
    }

    @Test func pingIsAnswered() {
        var machine = welcomed()
        #expect(
            machine.receive(Frame(callId: 0, body: .ping(Ping(opaque: 9))))
                == .send(Frame(callId: 0, body: .pong(Pong(opaque: 9))))
        )
    }
}
