import ChiboModel
import Testing

@testable import ChiboWire

/// The server's connection rules, exercised on the state machine as a plain value.
@Suite struct ServerConnectionStateMachineTests {
    private let limits = ConnectionLimits(maxConcurrentCalls: 2, initialWindow: 4)

    private func machine() -> ServerConnectionStateMachine {
        ServerConnectionStateMachine(
            limits: limits,
            serverName: "chibo-test",
            methods: [.healthCheck: .unary, .membersList: .serverStreaming, .meetingsRecord: .clientStreaming]
        )
    }

    private func established() -> ServerConnectionStateMachine {
        var machine = machine()
        _ = machine.receive(Frame(callId: 0, body: .hello(Hello(protocolVersion: 1))))
        return machine
    }

    private func open(_ id: UInt32, _ method: Method, timeoutMs: UInt32 = 0, payload: [UInt8] = []) -> Frame {
        Frame(callId: id, body: .open(Open(method: method, timeoutMs: timeoutMs, payload: payload)))
    }

    private func status(of action: ServerConnectionStateMachine.Action) -> Status? {
        switch action {
        case .send(let frame), .sendAndClose(let frame), .cancelCall(_, let frame):
            switch frame.body {
            case .close(let close)?: return close.status
            case .goAway(let goAway)?: return goAway.status
            default: return nil
            }
        default:
            return nil
        }
    }

    @Test func helloIsAnsweredWithWelcomeAndLimits() {
        var machine = machine()
        let action = machine.receive(Frame(callId: 0, body: .hello(Hello(protocolVersion: 7, clientName: "x"))))
        let welcome = Welcome(protocolVersion: 1, serverName: "chibo-test", limits: limits.wire)
        #expect(action == .send(Frame(callId: 0, body: .welcome(welcome))))
        #expect(machine.isEstablished)
    }

    @Test func anythingBeforeHelloClosesTheConnection() {
        var machine = machine()
        let action = machine.receive(open(1, .healthCheck))
        guard case .sendAndClose = action else {
            Issue.record("expected go-away and close, got \(action)")
            return
        }
        #expect(status(of: action)?.code == .invalidArgument)
        #expect(machine.receive(Frame(callId: 0, body: .hello(Hello(protocolVersion: 1)))) == .none)
    }

    @Test func unsupportedVersionIsRefused() {
        var machine = machine()
        let action = machine.receive(Frame(callId: 0, body: .hello(Hello(protocolVersion: 0))))
        #expect(status(of: action)?.code == .failedPrecondition)
    }

    @Test func unaryCallStartsAndFinishesWithOneFrame() {
        var machine = established()
        #expect(
            machine.receive(open(1, .healthCheck, timeoutMs: 1500, payload: [1, 2]))
                == .startCall(
                    callID: 1,
                    method: .healthCheck,
                    kind: .unary,
                    payload: [1, 2],
                    timeout: .milliseconds(1500)
                )
        )
        #expect(machine.openCalls == 1)
        #expect(
            machine.finish(callID: 1, payload: [8, 1], status: Status())
                == .send(Frame(callId: 1, body: .close(Close(payload: [8, 1]))))
        )
        #expect(machine.openCalls == 0)
        // Finishing twice (a cancelled call's handler returning late) writes nothing.
        #expect(machine.finish(callID: 1, payload: [], status: Status()) == .none)
    }

    @Test func unknownMethodsAndExcessCallsGetAStatus() {
        var machine = established()
        #expect(status(of: machine.receive(open(1, Method(rawValue: 9999))))?.code == .unimplemented)
        _ = machine.receive(open(2, .healthCheck))
        _ = machine.receive(open(3, .healthCheck))
        #expect(status(of: machine.receive(open(4, .healthCheck)))?.code == .resourceExhausted)
        #expect(machine.openCalls == 2)
    }

    @Test func callIDsMustIncrease() {
        var machine = established()
        _ = machine.receive(open(5, .healthCheck))
        let action = machine.receive(open(5, .healthCheck))
        guard case .sendAndClose = action else {
            Issue.record("a reused call id must end the connection, got \(action)")
            return
        }
    }

    @Test func framesForUnknownCalls() {
        var machine = established()
        _ = machine.receive(open(2, .healthCheck))
        _ = machine.finish(callID: 2, payload: [], status: Status())
        // Late frames for a finished call are dropped.
        #expect(machine.receive(Frame(callId: 2, body: .data(StreamMessage(payload: [1])))) == .none)
        #expect(machine.receive(Frame(callId: 2, body: .cancel(Cancel()))) == .none)
        // Data for a call that never existed gets a status.
        #expect(
            status(of: machine.receive(Frame(callId: 9, body: .data(StreamMessage(payload: [1])))))?.code
                == .failedPrecondition
        )
    }

    @Test func serverStreamFollowsTheClientsWindow() {
        var machine = established()
        _ = machine.receive(open(1, .membersList))
        for _ in 0..<4 {
            guard case .send = machine.sendMessage(callID: 1, payload: [1]) else {
                Issue.record("the initial window allows four messages")
                return
            }
        }
        #expect(machine.sendMessage(callID: 1, payload: [1]) == .wait)
        #expect(
            machine.receive(Frame(callId: 1, body: .windowUpdate(WindowUpdate(messages: 2))))
                == .resumeSending(callID: 1)
        )
        guard case .send = machine.sendMessage(callID: 1, payload: [1]) else {
            Issue.record("the window update grants two messages")
            return
        }
        _ = machine.sendMessage(callID: 1, payload: [1])
        #expect(machine.sendMessage(callID: 1, payload: [1]) == .wait)
    }

    @Test func clientStreamIsBoundedByTheServersWindow() {
        var machine = established()
        _ = machine.receive(open(1, .meetingsRecord))
        for index in 0..<4 {
            #expect(
                machine.receive(Frame(callId: 1, body: .data(StreamMessage(payload: [UInt8(index)]))))
                    == .deliverMessage(callID: 1, payload: [UInt8(index)])
            )
        }
        // A fifth message without a grant breaks flow control and ends the call.
        let action = machine.receive(Frame(callId: 1, body: .data(StreamMessage(payload: [9]))))
        #expect(status(of: action)?.code == .resourceExhausted)
        #expect(machine.openCalls == 0)
    }

    @Test func consumedMessagesAreGrantedBackInBatches() {
        var machine = established()
        _ = machine.receive(open(1, .meetingsRecord))
        for _ in 0..<4 { _ = machine.receive(Frame(callId: 1, body: .data(StreamMessage(payload: [1])))) }
        #expect(machine.messageConsumed(callID: 1) == .none)
        #expect(
            machine.messageConsumed(callID: 1)
                == .send(Frame(callId: 1, body: .windowUpdate(WindowUpdate(messages: 2))))
        )
        #expect(machine.receive(Frame(callId: 1, body: .data(StreamMessage(payload: [1])))) != .none)
        #expect(
            machine.receive(Frame(callId: 1, body: .data(StreamMessage(end: true)))) == .deliverEnd(callID: 1)
        )
        #expect(
            status(of: machine.receive(Frame(callId: 1, body: .data(StreamMessage(payload: [1])))))?.code
                == .invalidArgument
        )
    }

    @Test func cancelAndDeadlineEndTheCallWithAStatus() {
        var machine = established()
        _ = machine.receive(open(1, .membersList))
        _ = machine.receive(open(2, .membersList))
        #expect(status(of: machine.receive(Frame(callId: 1, body: .cancel(Cancel()))))?.code == .cancelled)
        #expect(status(of: machine.deadlineExpired(callID: 2))?.code == .deadlineExceeded)
        #expect(machine.sendMessage(callID: 1, payload: []) == .callGone)
        #expect(machine.openCalls == 0)
    }

    @Test func theServerEndsACallWithTheStatusItChooses() {
        var machine = established()
        _ = machine.receive(open(1, .membersList))
        let ended = status(of: machine.end(callID: 1, .unauthenticated, "the token was revoked"))
        #expect(ended?.code == .unauthenticated)
        #expect(ended?.message == "the token was revoked")
        #expect(machine.sendMessage(callID: 1, payload: []) == .callGone)
        #expect(machine.end(callID: 1, .unauthenticated, "again") == .none, "a call ends once")
        #expect(machine.finish(callID: 1, payload: [], status: Status()) == .none)
    }

    @Test func drainFinishesCallsInFlightAndRefusesNewOnes() {
        var machine = established()
        _ = machine.receive(open(1, .healthCheck))
        let drain = machine.beginDrain()
        guard case .send(let frame) = drain, case .goAway(let goAway)? = frame.body else {
            Issue.record("expected a go-away, got \(drain)")
            return
        }
        #expect(goAway.lastCallId == 1)
        #expect(goAway.status?.code == .unavailable)
        #expect(status(of: machine.receive(open(2, .healthCheck)))?.code == .unavailable)
        guard case .sendAndClose = machine.finish(callID: 1, payload: [], status: Status()) else {
            Issue.record("the last call's close must also close the connection")
            return
        }
    }

    @Test func drainClosesAfterTheLastCallHoweverItEnds() {
        let endings: [(inout ServerConnectionStateMachine) -> ServerConnectionStateMachine.Action] = [
            { $0.receive(Frame(callId: 1, body: .cancel(Cancel()))) },
            { $0.deadlineExpired(callID: 1) },
            { $0.receive(Frame(callId: 1, body: .data(StreamMessage(payload: [1])))) },
        ]
        for end in endings {
            var machine = established()
            _ = machine.receive(open(1, .healthCheck))
            _ = machine.receive(open(2, .healthCheck))
            _ = machine.beginDrain()
            _ = machine.finish(callID: 2, payload: [], status: Status())
            let action = end(&machine)
            guard case .sendAndClose(let frame) = action, frame.callId == 1, case .close? = frame.body else {
                Issue.record("the last call's end must close a draining connection, got \(action)")
                continue
            }
            #expect(machine.openCalls == 0)
            #expect(machine.idleTimedOut() == .none)
        }
    }

    @Test func timeoutsCloseTheConnection() {
        var waiting = machine()
        let silent = status(of: waiting.handshakeTimedOut())
        #expect(silent?.code == .deadlineExceeded)
        #expect(silent?.message == "no hello within the handshake timeout")
        // A hello that came, its token still being checked: said so.
        var checking = machine()
        let late = status(of: checking.handshakeTimedOut(helloArrived: true))
        #expect(late?.code == .deadlineExceeded)
        #expect(late?.message.contains("token was not checked within the handshake timeout") == true)
        var idle = established()
        #expect(status(of: idle.idleTimedOut())?.code == .unavailable)
        var busy = established()
        _ = busy.receive(open(1, .healthCheck))
        #expect(busy.idleTimedOut() == .none)
    }

    @Test func aClosedConnectionIgnoresLateEvents() {
        // A protocol error with a call open: the call ends with the connection.
        var machine = established()
        _ = machine.receive(open(1, .membersList))
        guard case .sendAndClose = machine.receive(Frame(callId: 0)) else {
            Issue.record("a frame without a body must close the connection")
            return
        }
        #expect(machine.openCalls == 0)
        #expect(machine.finish(callID: 1, payload: [], status: Status()) == .none)
        #expect(machine.deadlineExpired(callID: 1) == .none)
        #expect(machine.messageConsumed(callID: 1) == .none)
        #expect(machine.sendMessage(callID: 1, payload: [1]) == .callGone)
        #expect(machine.idleTimedOut() == .none)

        // An idle timer firing after the connection closed does not close it again.
        var drained = established()
        guard case .sendAndClose = drained.beginDrain() else {
            Issue.record("draining without calls must close the connection")
            return
        }
        #expect(drained.idleTimedOut() == .none)
    }

    @Test func pingIsAnswered() {
        var machine = established()
        #expect(
            machine.receive(Frame(callId: 0, body: .ping(Ping(opaque: 42))))
                == .send(Frame(callId: 0, body: .pong(Pong(opaque: 42))))
        )
    }

    @Test func aResponseLargerThanAFrameEndsItsCallNotTheConnection() {
        let small = ConnectionLimits(maxFrameBytes: 1_000, anonymousMaxFrameBytes: 100)
        var machine = ServerConnectionStateMachine(
            limits: small,
            serverName: "chibo-test",
            methods: [.healthCheck: .unary, .membersList: .serverStreaming]
        )
        machine.authenticated = true
        _ = machine.receive(Frame(callId: 0, body: .hello(Hello(protocolVersion: 1))))
        #expect(machine.frameLimit == 1_000)
        // The largest response that fits goes out whole; one byte more ends the call with a
        // status naming both sizes.
        let largest = 1_000 - ServerConnectionStateMachine.envelopeAllowance
        _ = machine.receive(open(1, .healthCheck))
        #expect(
            machine.finish(callID: 1, payload: Array(repeating: 7, count: largest), status: Status())
                == .send(Frame(callId: 1, body: .close(Close(payload: Array(repeating: 7, count: largest)))))
        )
        _ = machine.receive(open(3, .healthCheck))
        let tooLarge = machine.finish(callID: 3, payload: Array(repeating: 7, count: largest + 1), status: Status())
        #expect(status(of: tooLarge)?.code == .resourceExhausted)
        #expect(status(of: tooLarge)?.message.contains("\(largest + 1) bytes") == true)
        #expect(status(of: tooLarge)?.message.contains("1000 bytes") == true)
        // A stream's message too large ends that stream; the connection takes new calls.
        _ = machine.receive(open(5, .membersList))
        guard case .tooLarge(let end) = machine.sendMessage(callID: 5, payload: Array(repeating: 1, count: 2_000))
        else {
            Issue.record("expected the stream to end")
            return
        }
        guard case .cancelCall(5, _) = end else {
            Issue.record("expected the stream's call to be stopped, got \(end)")
            return
        }
        #expect(status(of: end)?.code == .resourceExhausted)
        #expect(machine.sendMessage(callID: 5, payload: [1]) == .callGone)
        #expect(machine.openCalls == 0)
        guard case .startCall = machine.receive(open(7, .healthCheck)) else {
            Issue.record("the connection should take a new call")
            return
        }
    }

    @Test func beforeAuthenticatingTheSmallerLimitBoundsResponses() {
        var machine = ServerConnectionStateMachine(
            limits: ConnectionLimits(maxFrameBytes: 1_000, anonymousMaxFrameBytes: 100),
            serverName: "chibo-test",
            methods: [.healthCheck: .unary]
        )
        _ = machine.receive(Frame(callId: 0, body: .hello(Hello(protocolVersion: 1))))
        #expect(machine.frameLimit == 100)
        _ = machine.receive(open(1, .healthCheck))
        let action = machine.finish(callID: 1, payload: Array(repeating: 7, count: 200), status: Status())
        #expect(status(of: action)?.code == .resourceExhausted)
    }
}
