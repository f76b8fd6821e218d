import ChiboCodec
import ChiboModel
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

/// The error exchange of PROTOCOL.md section 9, replayed byte for byte against the real record
/// services (not stand-in handlers) on the Chibo listener, after a hello with a token.
@Suite struct ProtocolErrorExampleTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The bytes of the example named `name` in docs/PROTOCOL.md.
    static func example(_ name: String) throws -> [UInt8] {
        let text = try String(contentsOf: root.appendingPathComponent("docs/PROTOCOL.md"), encoding: .utf8)
        let marker = "```hex example=\(name)\n"
        let start = try #require(text.range(of: marker), "no example \(name)")
        let end = try #require(text.range(of: "```", range: start.upperBound..<text.endIndex))
        return text[start.upperBound..<end.lowerBound].split(whereSeparator: \.isWhitespace).compactMap {
            UInt8($0, radix: 16)
        }
    }

    /// `frame` with its 4-byte length prefix.
    static func framed(_ frame: Frame) throws -> [UInt8] {
        let body = try frame.serializedBytes()
        return withUnsafeBytes(of: UInt32(body.count).bigEndian, Array.init) + body
    }

    @Test func theRealMembersServiceAnswersTheErrorExample() async throws {
        let request = try Self.example("error-request")
        let expected = try Self.example("error-response")
        try await GRPCHarness.with { harness in
            let connection = try await ByteConnection.connect(port: harness.chiboPort)
            let hello = Frame(
                callId: 0,
                body: .hello(Hello(protocolVersion: 1, clientName: "spec", token: harness.admin))
            )
            try await connection.send(try Self.framed(hello))
            let length = try await connection.read(count: 4).reduce(0) { $0 << 8 | Int($1) }
            let welcome = try Frame(serializedBytes: try await connection.read(count: length))
            guard case .welcome? = welcome.body else {
                Issue.record("expected a welcome, got \(welcome)")
                return
            }
            try await connection.send(request)
            let received = try await connection.read(count: expected.count)
            #expect(received == expected)
            await connection.close()
        }
    }
}

/// A plain TCP connection that sends bytes and reads exactly as many as asked.
final class ByteConnection: Sendable {
    private let channel: any Channel
    private let inbox: Inbox

    private final class Inbox: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        private struct State {
            var bytes: [UInt8] = []
            var waiter: (count: Int, continuation: CheckedContinuation<[UInt8], any Error>)?
            var closed = false
        }
        private let state = NIOLockedValueBox(State())

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            let ready = state.withLockedValue { state -> (CheckedContinuation<[UInt8], any Error>, [UInt8])? in
                state.bytes += bytes
                guard let waiter = state.waiter, state.bytes.count >= waiter.count else { return nil }
                state.waiter = nil
                let taken = Array(state.bytes.prefix(waiter.count))
                state.bytes.removeFirst(waiter.count)
                return (waiter.continuation, taken)
            }
            if let (continuation, taken) = ready { continuation.resume(returning: taken) }
        }

        func channelInactive(context: ChannelHandlerContext) {
            let waiter = state.withLockedValue { state in
                state.closed = true
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.continuation.resume(throwing: ChannelError.eof)
        }

        func read(count: Int) async throws -> [UInt8] {
            try await withCheckedThrowingContinuation { continuation in
                let result = state.withLockedValue { state -> Result<[UInt8], any Error>? in
                    if state.bytes.count >= count {
                        let taken = Array(state.bytes.prefix(count))
                        state.bytes.removeFirst(count)
                        return .success(taken)
                    }
                    if state.closed { return .failure(ChannelError.eof) }
                    state.waiter = (count, continuation)
                    return nil
                }
                if let result { continuation.resume(with: result) }
            }
        }
    }

    private init(channel: any Channel, inbox: Inbox) {
        self.channel = channel
        self.inbox = inbox
    }

    static func connect(port: Int) async throws -> ByteConnection {
        let inbox = Inbox()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(inbox) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return ByteConnection(channel: channel, inbox: inbox)
    }

    func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(channel.allocator.buffer(bytes: bytes))
    }

    func read(count: Int) async throws -> [UInt8] {
        try await inbox.read(count: count)
    }

    func close() async {
        try? await channel.close()
    }
}
