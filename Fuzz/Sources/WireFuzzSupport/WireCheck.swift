import ChiboCodec
import ChiboModel
import ChiboWire
import NIOCore

/// Runs one wire fuzz input (see `WireInput`): the client's byte stream goes through
/// `FrameDecoder` in the scripted chunks, each frame to a `ServerConnectionStateMachine`, and the
/// frames the server sends (and the decoded ones) to a `ClientConnectionStateMachine`, between
/// the scripted handler and timer events. A broken property stops the process with `fatalError`.
///
/// Decoder:
/// - errors are `WireError` values with consistent offsets and sizes, and decoding stops at the
///   first one; a decode that returns nothing consumes nothing, one that returns a frame consumes
///   exactly that frame;
/// - every frame equals the codec's decoding of the same body (the `Open` fast path agrees with
///   the codec), and a body the decoder refuses the codec refuses with the same error;
/// - the chunking does not change the frames or the error: the same bytes in one chunk give the
///   same results.
///
/// Every frame decoded or sent re-encodes with `FrameEncoding` to the codec's bytes and decodes
/// back through `FrameDecoder` to an equal frame.
///
/// Server state machine:
/// - never more open calls than the limit, and its open calls are those of a model kept from its
///   actions;
/// - after `.sendAndClose`, `.close` or `closed()` it answers every input with `.none` (and
///   `.callGone` to a handler that wants to send);
/// - `.startCall` ids increase, with the kind of the method;
/// - each started call gets at most one `Close`; a finish or deadline after the end is `.none`;
/// - stream messages stay within the flow-control windows, in both directions, and a blocked
///   sender is resumed exactly when its window reopens;
/// - a draining connection closes as its last call ends, however it ends;
/// - welcome only as the first frame sent; frames only of the kinds a server sends.
///
/// Client state machine: call ids increase, calls end once (finish, abandon, cancel or the
/// connection closing), stream messages and window updates only for open calls of the right
/// kind, one welcome, sends within the window; after a refusal it answers every frame with
/// `.none`.
public enum WireCheck {
    /// Runs every check on one input; `trace`, when given, is told each step, for reading a
    /// crashing input.
    public static func run(_ input: UnsafeRawBufferPointer, trace: ((String) -> Void)? = nil) {
        var reader = ByteReader(input)
        let config = input.isEmpty ? WireInput.defaultConfig : reader.next()
        let scriptLength = Int(reader.next()) << 8 | Int(reader.next())
        let script = reader.take(scriptLength)
        let stream = reader.take(input.count)
        var run = WireRun(limits: WireInput.limits(config), stream: stream)
        run.trace = trace
        trace?(
            "limits: \(run.limits.maxConcurrentCalls) calls, window \(run.limits.initialWindow); "
                + "script \(script.count) bytes, stream \(stream.count) bytes"
        )
        var scriptReader = ByteReader(script)
        while !scriptReader.isAtEnd {
            let op = scriptReader.next()
            if op < 0x40 {
                run.feed(WireInput.chunkSize(op))
            } else {
                let events = WireEvent.allCases
                run.event(events[Int(op - 0x40) % events.count], scriptReader.next())
            }
        }
        run.feed(stream.count)
        run.endOfStream()
        run.finish()
    }

    /// Stops the process on a broken property.
    static func fail(_ message: @autoclosure () -> String) -> Never {
        fatalError("wire fuzz: " + message())
    }

    /// Checks a property; `fail` with the message if it does not hold.
    static func require(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fail(message()) }
    }

    /// Encodes `frame`, checks the bytes against the codec's and decodes them back.
    static func roundTrip(_ frame: Frame) {
        var buffer: ByteBuffer
        let body: [UInt8]
        do {
            buffer = try FrameEncoding.buffer(for: frame)
            body = try frame.serializedBytes()
        } catch {
            fail("cannot encode \(frame): \(error)")
        }
        require(
            buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) == UInt32(body.count)
                && buffer.getBytes(at: buffer.readerIndex + 4, length: buffer.readableBytes - 4) == body,
            "FrameEncoding and the codec write different bytes for \(frame)"
        )
        var decoder = FrameDecoder(maxFrameBytes: 1 << 24)
        do {
            let decoded = try decoder.decode(buffer: &buffer)
            require(decoded == frame, "\(frame) came back as \(String(describing: decoded))")
            require(buffer.readableBytes == 0, "\(buffer.readableBytes) bytes left after re-decoding \(frame)")
        } catch {
            fail("re-decoding \(frame) failed: \(error)")
        }
    }
}

/// Reads bytes, giving zero past the end.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { index >= bytes.count }

    mutating func next() -> UInt8 {
        guard index < bytes.count else { return 0 }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func take(_ count: Int) -> UnsafeRawBufferPointer {
        let end = min(bytes.count, index + count)
        defer { index = end }
        return UnsafeRawBufferPointer(rebasing: bytes[min(index, end)..<end])
    }
}

/// One connection's worth of state: the decoder, both state machines and the models they are
/// checked against.
struct WireRun {
    typealias Server = ServerConnectionStateMachine
    typealias Client = ClientConnectionStateMachine

    let limits: ConnectionLimits
    let stream: UnsafeRawBufferPointer
    let kinds: [Method: CallKind]
    var trace: ((String) -> Void)?

    // Decoder
    var decoder: FrameDecoder
    var buffer = ByteBuffer()
    /// Stream bytes handed to the decoder so far.
    var fed = 0
    /// Bytes the decoder consumed (whole frames).
    var consumed = 0
    var decoded: [Frame] = []
    var decodeError: WireError?
    var ended = false

    // Server
    var server: Server
    var serverClosed = false
    var serverSentAny = false
    /// The server sent its drain go-away and still had calls to finish.
    var draining = false
    var highestStarted: UInt32 = 0
    var calls: [UInt32: ServerCall] = [:]
    var endedCalls: [UInt32] = []
    var endedSet: Set<UInt32> = []

    // Client
    var client = Client()
    var clientCalls: [UInt32: ClientCall] = [:]
    var clientEnded: Set<UInt32> = []
    var lastClientID: UInt32 = 0
    var clientWelcomed = false
    var clientRefused = false
    /// The client was refused or its connection closed: it ignores every frame.
    var clientClosed = false

    struct ServerCall {
        var kind: CallKind
        /// Stream messages the server may still send.
        var sendWindow: Int
        /// Stream messages the client may still send.
        var receiveWindow: Int
        /// Messages delivered to the handler and not yet consumed.
        var pending = 0
        var halfClosed = false
    }

    struct ClientCall {
        var kind: CallKind
        var sendWindow: Int
    }

    init(limits: ConnectionLimits, stream: UnsafeRawBufferPointer) {
        self.limits = limits
        self.stream = stream
        self.kinds = Dictionary(uniqueKeysWithValues: WireInput.methods.map { ($0.method, $0.kind) })
        self.decoder = FrameDecoder(maxFrameBytes: limits.maxFrameBytes)
        self.server = Server(limits: limits, serverName: "chibo-fuzz", methods: kinds)
    }

    // MARK: The byte stream

    /// Hands the next `count` stream bytes to the decoder and the frames to the machines.
    mutating func feed(_ count: Int) {
        guard !ended, decodeError == nil else { return }
        let chunk = UnsafeRawBufferPointer(rebasing: stream[fed..<min(stream.count, fed + count)])
        guard !chunk.isEmpty else { return }
        fed += chunk.count
        trace?("feed \(chunk.count) bytes")
        buffer.writeBytes(chunk)
        decodeAvailable(last: false)
    }

    /// The stream ends: `decodeLast` until it returns nothing or fails.
    mutating func endOfStream() {
        guard !ended else { return }
        ended = true
        if decodeError == nil { decodeAvailable(last: true) }
        checkChunkingIndependence()
    }

    private mutating func decodeAvailable(last: Bool) {
        while decodeError == nil {
            let before = buffer.readerIndex
            let length = buffer.getInteger(at: before, as: UInt32.self).map(Int.init)
            let frame: Frame?
            do {
                frame =
                    last ? try decoder.decodeLast(buffer: &buffer, seenEOF: true) : try decoder.decode(buffer: &buffer)
            } catch let error as WireError {
                trace?("decoder: \(error)")
                checkError(error, length: length, at: before)
                decodeError = error
                return
            } catch {
                WireCheck.fail("the decoder threw \(type(of: error)), not a WireError: \(error)")
            }
            guard let frame else {
                WireCheck.require(buffer.readerIndex == before, "a decode that returned nothing consumed bytes")
                WireCheck.require(
                    buffer.readableBytes < 4 || buffer.readableBytes < 4 + (length ?? 0),
                    "a whole frame is buffered but nothing was decoded"
                )
                WireCheck.require(!last || buffer.readableBytes == 0, "decodeLast left bytes without an error")
                return
            }
            guard let length else { WireCheck.fail("a frame decoded from fewer than 4 bytes") }
            WireCheck.require(buffer.readerIndex == before + 4 + length, "a frame consumed the wrong number of bytes")
            let body = stream[(consumed + 4)..<(consumed + 4 + length)]
            do {
                let codec = try Frame(
                    serializedBytes: UnsafeRawBufferPointer(rebasing: body),
                    limits: DecodingLimits(maxMessageBytes: limits.maxFrameBytes)
                )
                WireCheck.require(codec == frame, "the decoder gave \(frame), the codec \(codec)")
            } catch {
                WireCheck.fail("the decoder accepted a body the codec refuses (\(error)): \(frame)")
            }
            consumed += 4 + length
            decoded.append(frame)
            WireCheck.roundTrip(frame)
            serverReceive(frame)
            clientReceive(frame)
        }
    }

    private func checkError(_ error: WireError, length: Int?, at before: Int) {
        switch error {
        case .frameTooLarge(let announced, let maximum, let offset):
            WireCheck.require(
                announced == length && maximum == limits.maxFrameBytes && announced > maximum && offset == consumed,
                "inconsistent \(error) (length \(String(describing: length)), at byte \(consumed))"
            )
        case .malformedFrame(let codecError, let offset):
            guard let length else { WireCheck.fail("\(error) without a length prefix") }
            WireCheck.require(
                offset >= consumed + 4 && offset <= consumed + 4 + length,
                "\(error) points outside the frame at byte \(consumed) of length \(length)"
            )
            let body = UnsafeRawBufferPointer(rebasing: stream[(consumed + 4)..<(consumed + 4 + length)])
            do {
                let frame = try Frame(
                    serializedBytes: body,
                    limits: DecodingLimits(maxMessageBytes: limits.maxFrameBytes)
                )
                WireCheck.fail("the decoder refused (\(error)) a body the codec decodes to \(frame)")
            } catch {
                WireCheck.require(error == codecError, "the decoder failed with \(codecError), the codec \(error)")
            }
        case .truncatedFrame(let buffered):
            WireCheck.require(
                ended && buffered > 0 && buffered == fed - consumed,
                "inconsistent \(error) with \(fed - consumed) bytes left"
            )
        }
    }

    /// The bytes fed in chunks, decoded in one piece, give the same frames and the same error.
    private func checkChunkingIndependence() {
        var decoder = FrameDecoder(maxFrameBytes: limits.maxFrameBytes)
        var whole = ByteBuffer(bytes: UnsafeRawBufferPointer(rebasing: stream[0..<fed]))
        var frames: [Frame] = []
        var error: WireError?
        do {
            while let frame = try decoder.decode(buffer: &whole) { frames.append(frame) }
            while let frame = try decoder.decodeLast(buffer: &whole, seenEOF: true) { frames.append(frame) }
        } catch let caught as WireError {
            error = caught
        } catch {
            WireCheck.fail("the decoder threw \(type(of: error)), not a WireError: \(error)")
        }
        WireCheck.require(
            frames == decoded && error == decodeError,
            "chunked: \(decoded.count) frames, \(String(describing: decodeError)); "
                + "whole: \(frames.count) frames, \(String(describing: error))"
        )
    }

    // MARK: Events

    mutating func event(_ event: WireEvent, _ argument: UInt8) {
        trace?("event \(event) \(argument)")
        switch event {
        case .finish:
            let id = openCall(argument & 0x0f)
            let outcome = argument >> 4
            let payload: [UInt8] = outcome == 1 ? [0x0a, 0x01, argument] : []
            let status =
                outcome < 2 ? Status() : Status(code: StatusCode(rawValue: Int32(outcome - 1)), message: "failed")
            serverFinish(id, payload: payload, status: status)
        case .sendMessage:
            serverSendMessage(openCall(argument & 0x0f), payload: Array(repeating: argument, count: Int(argument >> 4)))
        case .messageConsumed:
            let waiting = calls.filter { $0.value.pending > 0 }.keys.sorted()
            if waiting.isEmpty {
                serverAction(server.messageConsumed(callID: unknownCall(argument)), expectNone: true)
            } else {
                let id = waiting[Int(argument) % waiting.count]
                calls[id]!.pending -= 1
                serverAction(server.messageConsumed(callID: id))
            }
        case .deadlineExpired:
            let id = openCall(argument)
            let action = server.deadlineExpired(callID: id)
            if calls[id] == nil { WireCheck.require(action == .none, "deadline of call \(id), not open: \(action)") }
            serverAction(action)
        case .beginDrain:
            let action = server.beginDrain()
            if case .send = action, !serverClosed { draining = true }
            serverAction(action)
        case .idleTimeout:
            let hadCalls = !calls.isEmpty
            let action = server.idleTimedOut()
            if hadCalls { WireCheck.require(action == .none, "idle timeout with calls open: \(action)") }
            serverAction(action)
        case .handshakeTimeout:
            let established = server.isEstablished
            let action = server.handshakeTimedOut()
            if established { WireCheck.require(action == .none, "handshake timeout after the hello: \(action)") }
            serverAction(action)
        case .connectionClosed:
            server.closed()
            serverClosed = true
            for id in calls.keys { endServerCall(id) }
            WireCheck.require(server.openCalls == 0, "calls left after closed()")
        case .finishEnded:
            let id = endedCalls.isEmpty ? unknownCall(argument) : endedCalls[Int(argument) % endedCalls.count]
            serverAction(server.finish(callID: id, payload: [], status: Status()), expectNone: true)
            serverAction(server.deadlineExpired(callID: id), expectNone: true)
            WireCheck.require(server.sendMessage(callID: id, payload: []) == .callGone, "send on ended call \(id)")
        case .clientStartCall:
            clientStart(WireInput.methods[Int(argument & 0x7f) % WireInput.methods.count], argument: argument)
        case .clientCallEvent:
            clientCallEvent(argument)
        case .endOfStream:
            endOfStream()
        }
        checkServer()
    }

    /// An open call picked by `index`, or an id that is not open when there is none.
    private func openCall(_ index: UInt8) -> UInt32 {
        let open = calls.keys.sorted()
        return open.isEmpty ? unknownCall(index) : open[Int(index) % open.count]
    }

    /// An id no open call has.
    private func unknownCall(_ seed: UInt8) -> UInt32 {
        var id = UInt32(seed)
        while calls[id] != nil { id &+= 1 }
        return id
    }

    /// The end of the input: the connection goes away.
    mutating func finish() {
        event(.connectionClosed, 0)
        let open = client.connectionClosed()
        WireCheck.require(
            open == clientCalls.keys.sorted(),
            "client reports open calls \(open), model \(clientCalls.keys.sorted())"
        )
        clientCalls.removeAll()
        WireCheck.require(!client.isUsable, "client usable after the connection closed")
        WireCheck.require(
            client.startCall(kind: .unary, method: .healthCheck, payload: [], timeout: nil) == nil,
            "call started on a closed client"
        )
    }

    // MARK: Server

    private mutating func serverReceive(_ frame: Frame) {
        let id = frame.callId
        // What the models expect of frames whose outcome they know.
        var expected: Server.Action?
        if !serverClosed, server.isEstablished, var call = calls[id] {
            switch frame.body {
            case .windowUpdate(let update)?:
                let blocked = call.sendWindow <= 0
                call.sendWindow = min(call.sendWindow &+ Int(update.messages), Int(Int32.max))
                calls[id] = call
                expected = blocked && call.sendWindow > 0 ? .resumeSending(callID: id) : Server.Action.none
            case .data(let message)? where call.kind == .clientStreaming && !call.halfClosed:
                if message.end {
                    expected = .deliverEnd(callID: id)
                } else if call.receiveWindow > 0 {
                    expected = .deliverMessage(callID: id, payload: message.payload)
                }
            default:
                break
            }
        }
        let action = server.receive(frame)
        trace?("server receives \(frame): \(action)")
        if let expected { WireCheck.require(action == expected, "\(frame) gave \(action), expected \(expected)") }
        if case .data(let message)? = frame.body, !serverClosed, server.isEstablished, let call = calls[id],
            call.kind == .clientStreaming, !call.halfClosed, !message.end, call.receiveWindow <= 0
        {
            // The call is stopped; on a draining connection, its last call's close also closes it.
            let close: Frame? =
                switch action {
                case .cancelCall(id, let frame), .sendAndClose(let frame): frame
                default: nil
                }
            guard let close, close.callId == id, case .close(let body)? = close.body,
                body.status?.code == .resourceExhausted
            else { WireCheck.fail("data beyond the window of call \(id) gave \(action)") }
        }
        serverAction(action)
        checkServer()
    }

    private mutating func serverFinish(_ id: UInt32, payload: [UInt8], status: Status) {
        let wasOpen = calls[id] != nil
        let action = server.finish(callID: id, payload: payload, status: status)
        trace?("server finishes call \(id): \(action)")
        if !wasOpen { WireCheck.require(action == .none, "finish of call \(id), not open, gave \(action)") }
        if wasOpen, !serverClosed {
            switch action {
            case .send(let frame), .sendAndClose(let frame):
                guard case .close(let close)? = frame.body, frame.callId == id, close.payload == payload else {
                    WireCheck.fail("finish of call \(id) sent \(frame)")
                }
            default:
                WireCheck.fail("finish of open call \(id) gave \(action)")
            }
        }
        serverAction(action)
    }

    private mutating func serverSendMessage(_ id: UInt32, payload: [UInt8]) {
        let decision = server.sendMessage(callID: id, payload: payload)
        trace?("server sends on call \(id): \(decision)")
        guard !serverClosed, let call = calls[id] else {
            WireCheck.require(decision == .callGone, "send on call \(id), closed or not open: \(decision)")
            return
        }
        if call.sendWindow > 0 {
            let frame = Frame(callId: id, body: .data(StreamMessage(payload: payload)))
            WireCheck.require(
                decision == .send(frame),
                "send on call \(id) with window \(call.sendWindow): \(decision)"
            )
            calls[id]!.sendWindow -= 1
            WireCheck.roundTrip(frame)
            serverSentAny = true
            clientReceive(frame)
        } else {
            WireCheck.require(decision == .wait, "send on call \(id) with an empty window: \(decision)")
        }
    }

    private mutating func serverAction(_ action: Server.Action, expectNone: Bool = false) {
        trace?("  server action \(action)")
        if serverClosed || expectNone {
            WireCheck.require(action == .none, "\(serverClosed ? "closed server" : "server") answered \(action)")
            return
        }
        switch action {
        case .none:
            break
        case .send(let frame):
            serverSent(frame)
        case .sendAndClose(let frame):
            serverSent(frame)
            serverClosed = true
        case .close:
            serverClosed = true
        case .startCall(let id, let method, let kind, _, let timeout):
            WireCheck.require(id > highestStarted, "call \(id) started after \(highestStarted)")
            WireCheck.require(kinds[method] == kind, "call \(id) of method \(method) started as \(kind)")
            WireCheck.require(calls.count < limits.maxConcurrentCalls, "call \(id) started beyond the limit")
            WireCheck.require(
                timeout.map { $0 > .zero } ?? true,
                "call \(id) has a timeout of \(String(describing: timeout))"
            )
            highestStarted = id
            calls[id] = ServerCall(kind: kind, sendWindow: limits.initialWindow, receiveWindow: limits.initialWindow)
        case .deliverMessage(let id, _):
            guard var call = calls[id], call.kind == .clientStreaming, !call.halfClosed, call.receiveWindow > 0 else {
                WireCheck.fail("message delivered to call \(id): \(String(describing: calls[id]))")
            }
            call.receiveWindow -= 1
            call.pending += 1
            calls[id] = call
        case .deliverEnd(let id):
            guard calls[id]?.kind == .clientStreaming, calls[id]?.halfClosed == false else {
                WireCheck.fail("end delivered to call \(id): \(String(describing: calls[id]))")
            }
            calls[id]!.halfClosed = true
        case .cancelCall(let id, let frame):
            guard calls[id] != nil, frame.callId == id, case .close(let close)? = frame.body,
                let status = close.status, status.code != .ok
            else { WireCheck.fail("cancel of call \(id) (open: \(calls[id] != nil)) with \(frame)") }
            endServerCall(id)
            WireCheck.roundTrip(frame)
            serverSentAny = true
            clientReceive(frame)
        case .resumeSending(let id):
            WireCheck.require((calls[id]?.sendWindow ?? 0) > 0, "resume of call \(id) without window")
        }
    }

    /// A frame the server writes: of a kind servers send, consistent with the model.
    private mutating func serverSent(_ frame: Frame) {
        WireCheck.roundTrip(frame)
        let id = frame.callId
        switch frame.body {
        case .welcome?:
            WireCheck.require(!serverSentAny && id == 0, "welcome after other frames or on call \(id)")
        case .close(let close)?:
            if calls[id] != nil {
                endServerCall(id)
            } else {
                WireCheck.require(!endedSet.contains(id), "a second close for call \(id)")
                WireCheck.require(
                    close.status.map { $0.code != .ok } ?? false,
                    "refusal of call \(id) without an error"
                )
            }
        case .windowUpdate(let update)?:
            guard var call = calls[id], call.kind == .clientStreaming, !call.halfClosed, update.messages > 0 else {
                WireCheck.fail("window update \(frame) for \(String(describing: calls[id]))")
            }
            call.receiveWindow += Int(update.messages)
            calls[id] = call
        case .goAway?, .pong?:
            WireCheck.require(id == 0, "\(frame) not on call 0")
        case .data?, .hello?, .open?, .cancel?, .ping?, nil:
            WireCheck.fail("the server sent \(frame) as an action")
        }
        serverSentAny = true
        clientReceive(frame)
    }

    private mutating func endServerCall(_ id: UInt32) {
        guard calls.removeValue(forKey: id) != nil else { return }
        endedCalls.append(id)
        endedSet.insert(id)
    }

    private func checkServer() {
        WireCheck.require(
            server.openCalls <= limits.maxConcurrentCalls,
            "\(server.openCalls) open calls, limit \(limits.maxConcurrentCalls)"
        )
        if !serverClosed {
            WireCheck.require(
                Set(server.openCallIDs) == Set(calls.keys),
                "server calls \(server.openCallIDs.sorted()), model \(calls.keys.sorted())"
            )
            WireCheck.require(!draining || !calls.isEmpty, "a draining connection stays open after its last call")
        }
        WireCheck.require(
            client.openCalls == clientCalls.count,
            "client has \(client.openCalls) calls, model \(clientCalls.count)"
        )
    }

    // MARK: Client

    private mutating func clientStart(_ entry: (method: Method, kind: CallKind), argument: UInt8) {
        let usable = client.isUsable
        let window = client.limits.initialWindow
        let timeout: Duration? = argument & 0x80 == 0 ? nil : .milliseconds(Int(argument & 0x7f))
        let started = client.startCall(kind: entry.kind, method: entry.method, payload: [argument], timeout: timeout)
        trace?("client starts \(entry.method): \(String(describing: started))")
        guard let started else {
            WireCheck.require(!usable, "usable client refused a call")
            return
        }
        let (id, frame) = started
        WireCheck.require(usable, "unusable client started a call")
        WireCheck.require(id > lastClientID, "client call \(id) after \(lastClientID)")
        guard frame.callId == id, case .open(let open)? = frame.body, open.method == entry.method else {
            WireCheck.fail("client call \(id) opened with \(frame)")
        }
        WireCheck.require(
            (open.timeoutMs == 0) == (timeout == nil),
            "client call \(id) timeout \(open.timeoutMs) for \(String(describing: timeout))"
        )
        WireCheck.roundTrip(frame)
        lastClientID = id
        clientCalls[id] = ClientCall(kind: entry.kind, sendWindow: window)
    }

    private mutating func clientCallEvent(_ argument: UInt8) {
        let open = clientCalls.keys.sorted()
        let id = open.isEmpty ? UInt32(argument) : open[Int(argument & 0x0f) % open.count]
        let call = clientCalls[id]
        switch (argument >> 4) & 3 {
        case 0:
            let action = client.consumed(callID: id)
            if call?.kind != .serverStreaming {
                WireCheck.require(action == .none, "consumed on call \(id): \(action)")
            }
            clientAction(action)
        case 1:
            let decision = client.sendMessage(callID: id, payload: [argument])
            guard let call, call.kind == .clientStreaming else {
                WireCheck.require(decision == .callGone, "client send on call \(id): \(decision)")
                return
            }
            if call.sendWindow > 0 {
                let frame = Frame(callId: id, body: .data(StreamMessage(payload: [argument])))
                WireCheck.require(decision == .send(frame), "client send on call \(id): \(decision)")
                WireCheck.roundTrip(frame)
                clientCalls[id]!.sendWindow -= 1
            } else {
                WireCheck.require(decision == .wait, "client send on call \(id) with an empty window: \(decision)")
            }
        case 2:
            let action = client.endStream(callID: id)
            if call?.kind == .clientStreaming {
                WireCheck.require(
                    action == .send(Frame(callId: id, body: .data(StreamMessage(end: true)))),
                    "end of \(id): \(action)"
                )
            } else {
                WireCheck.require(action == .none, "end of stream on call \(id): \(action)")
            }
            clientAction(action)
        default:
            let action = client.cancel(callID: id)
            if call == nil {
                WireCheck.require(action == .none, "cancel of call \(id), not open: \(action)")
            } else {
                WireCheck.require(
                    action == .send(Frame(callId: id, body: .cancel(Cancel()))),
                    "cancel of \(id): \(action)"
                )
                endClientCall(id)
            }
            clientAction(action)
        }
    }

    private mutating func clientReceive(_ frame: Frame) {
        let id = frame.callId
        var expected: Client.Action?
        if case .windowUpdate(let update)? = frame.body, var call = clientCalls[id], call.kind == .clientStreaming {
            let blocked = call.sendWindow <= 0
            call.sendWindow = min(call.sendWindow &+ Int(update.messages), Int(Int32.max))
            clientCalls[id] = call
            expected = blocked && call.sendWindow > 0 ? .resumeSender(callID: id) : Client.Action.none
        }
        let action = client.receive(frame)
        trace?("client receives \(frame): \(action)")
        if clientClosed {
            WireCheck.require(action == .none, "closed client answered \(action)")
            return
        }
        if let expected {
            WireCheck.require(action == expected, "client: \(frame) gave \(action), expected \(expected)")
        }
        clientAction(action)
    }

    private mutating func clientAction(_ action: Client.Action) {
        trace?("  client action \(action)")
        switch action {
        case .none:
            break
        case .send(let frame):
            WireCheck.roundTrip(frame)
            switch frame.body {
            case .pong?:
                WireCheck.require(frame.callId == 0, "client pong on call \(frame.callId)")
            case .windowUpdate(let update)?:
                WireCheck.require(
                    clientCalls[frame.callId]?.kind == .serverStreaming && update.messages > 0,
                    "client window update \(frame)"
                )
            case .data(let message)?:
                WireCheck.require(
                    clientCalls[frame.callId]?.kind == .clientStreaming && message.end,
                    "client sent \(frame)"
                )
            case .cancel?:
                WireCheck.require(clientEnded.contains(frame.callId), "client cancel \(frame) of a call still open")
            default:
                WireCheck.fail("client sent \(frame) as an action")
            }
        case .welcomed:
            WireCheck.require(!clientWelcomed && !clientRefused, "client welcomed twice or after a refusal")
            clientWelcomed = true
        case .refused:
            WireCheck.require(!clientWelcomed && !clientRefused, "client refused after a welcome or twice")
            clientRefused = true
            clientClosed = true
        case .finish(let id, _):
            WireCheck.require(clientCalls[id] != nil, "client finished call \(id), not open")
            endClientCall(id)
        case .deliver(let id, _):
            WireCheck.require(clientCalls[id]?.kind == .serverStreaming, "client delivered a message to call \(id)")
        case .abandon(let ids, let status):
            WireCheck.require(
                !ids.isEmpty && ids == ids.sorted() && status.code == .unavailable,
                "client abandon \(action)"
            )
            for id in ids {
                WireCheck.require(clientCalls[id] != nil, "client abandoned call \(id), not open")
                endClientCall(id)
            }
        case .resumeSender(let id):
            WireCheck.require((clientCalls[id]?.sendWindow ?? 0) > 0, "client resumed call \(id) without window")
        }
        WireCheck.require(
            client.openCalls == clientCalls.count,
            "client has \(client.openCalls) calls, model \(clientCalls.count)"
        )
    }

    private mutating func endClientCall(_ id: UInt32) {
        WireCheck.require(!clientEnded.contains(id), "client call \(id) ended twice")
        clientCalls[id] = nil
        clientEnded.insert(id)
    }
}
