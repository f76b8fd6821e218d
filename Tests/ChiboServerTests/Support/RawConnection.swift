import ChiboCodec
import ChiboModel
import ChiboTesting
import ChiboWire
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A TCP connection that speaks raw bytes, for golden vectors and hostile-peer tests: it sends
/// exactly what it is given and collects exactly what the server sends.
final class RawConnection: Sendable {
    private let channel: any Channel
    private let inbox: Inbox

    /// Why a read gave up.
    enum ReadFailure: Error {
        case timedOut(received: Int)
        case closed(received: Int)
    }

    /// Bytes received so far and whether the server closed the connection.
    final class Inbox: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        struct State {
            var bytes: [UInt8] = []
            var closed = false
        }
        let state = NIOLockedValueBox(State())

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            state.withLockedValue { $0.bytes += buffer.readableBytesView }
        }

        func channelInactive(context: ChannelHandlerContext) {
            state.withLockedValue { $0.closed = true }
        }
    }

    private init(channel: any Channel, inbox: Inbox) {
        self.channel = channel
        self.inbox = inbox
    }

    static func connect(port: Int) async throws -> RawConnection {
        let inbox = Inbox()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(inbox) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawConnection(channel: channel, inbox: inbox)
    }

    /// Whether the server has closed the connection.
    var isClosed: Bool { inbox.state.withLockedValue { $0.closed } }

    func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    func send(_ frame: Frame) async throws {
        try await channel.writeAndFlush(try FrameEncoding.buffer(for: frame))
    }

    /// Exactly `count` bytes, waiting up to `timeout` for them.
    func read(count: Int, timeout: Duration = .seconds(30)) async throws -> [UInt8] {
        var result: [UInt8]?
        do {
            try await waitUntil("\(count) bytes from the server", bound: timeout) {
                let (taken, available, closed) = inbox.state.withLockedValue { state -> ([UInt8]?, Int, Bool) in
                    guard state.bytes.count >= count else { return (nil, state.bytes.count, state.closed) }
                    let taken = Array(state.bytes.prefix(count))
                    state.bytes.removeFirst(count)
                    return (taken, state.bytes.count, state.closed)
                }
                if closed && taken == nil { throw ReadFailure.closed(received: available) }
                result = taken
                return taken != nil
            }
        } catch is WaitTimedOut {
            throw ReadFailure.timedOut(received: bufferedBytes)
        }
        guard let result else { throw ReadFailure.timedOut(received: bufferedBytes) }
        return result
    }

    /// One length-prefixed frame.
    func readFrame(timeout: Duration = .seconds(30)) async throws -> Frame {
        let length = try await read(count: 4, timeout: timeout)
        let count = Int(length[0]) << 24 | Int(length[1]) << 16 | Int(length[2]) << 8 | Int(length[3])
        return try Frame(serializedBytes: try await read(count: count, timeout: timeout))
    }

    /// Waits until the server closes the connection; returns the frames it sent before.
    func framesUntilClosed(timeout: Duration = .seconds(30)) async throws -> [Frame] {
        do {
            try await waitUntil("the server to close the connection", bound: timeout) { isClosed }
        } catch is WaitTimedOut {
            throw ReadFailure.timedOut(received: 0)
        }
        var frames: [Frame] = []
        var bytes = inbox.state.withLockedValue { state in
            defer { state.bytes = [] }
            return state.bytes[...]
        }
        while bytes.count >= 4 {
            let header = Array(bytes.prefix(4))
            let length = Int(header[0]) << 24 | Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3])
            guard bytes.count >= 4 + length else { break }
            frames.append(try Frame(serializedBytes: Array(bytes.dropFirst(4).prefix(length))))
            bytes = bytes.dropFirst(4 + length)
        }
        return frames
    }

    /// The number of bytes received and not yet read.
    var bufferedBytes: Int { inbox.state.withLockedValue { $0.bytes.count } }

    /// Sends a ping and reads up to its pong; returns the frames the server sent before it. The
    /// server answers frames in order, so this shows what it had sent by the time it read the
    /// ping, without waiting for a guessed time.
    func framesBeforePong() async throws -> [Frame] {
        let opaque = UInt64.random(in: 1...UInt64.max)
        try await send(Frame(callId: 0, body: .ping(Ping(opaque: opaque))))
        var frames: [Frame] = []
        while true {
            let frame = try await readFrame()
            if case .pong(let pong)? = frame.body, pong.opaque == opaque { return frames }
            frames.append(frame)
        }
    }

    /// Sends a hello and reads the welcome.
    func handshake() async throws -> Welcome {
        try await send(Frame(callId: 0, body: .hello(Hello(protocolVersion: 1, clientName: "raw-test"))))
        let frame = try await readFrame()
        guard case .welcome(let welcome)? = frame.body else { throw ReadFailure.closed(received: 0) }
        return welcome
    }

    func close() async {
        try? await channel.close()
    }
}
