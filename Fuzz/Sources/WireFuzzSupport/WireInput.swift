import ChiboModel
import ChiboWire

/// How a wire fuzz input is laid out. It is a byte stream from a client plus a script saying how
/// the stream arrives (in which chunks) and what happens around it (handlers finishing, timers).
///
/// - Byte 0 sets the limits: `maxConcurrentCalls` is 1 + bits 0–1, `initialWindow` is 1 + bits 2–3.
/// - Bytes 1–2 give the script's length, big-endian; the script follows.
/// - The remaining bytes are the client's byte stream.
///
/// A script byte below 0x40 feeds the next chunk of the stream: 1 to 32 bytes for 0x00–0x1F, and
/// 128 to 4,096 bytes in steps of 128 for 0x20–0x3F. Any other byte is an event (`WireEvent`,
/// by `(byte - 0x40) % WireEvent.allCases.count`) followed by one argument byte. Missing bytes
/// read as zero. When the script ends, the rest of the stream arrives in one chunk and the
/// stream ends.
public enum WireInput {
    /// The header byte of the seeds: 4 concurrent calls and a window of 3.
    public static let defaultConfig: UInt8 = 0x0b
    /// Largest frame body the decoder accepts.
    public static let maxFrameBytes = 4096

    /// The limits header byte `byte` selects.
    public static func limits(_ byte: UInt8) -> ConnectionLimits {
        ConnectionLimits(
            maxFrameBytes: maxFrameBytes,
            maxConcurrentCalls: 1 + Int(byte & 3),
            initialWindow: 1 + Int((byte >> 2) & 3)
        )
    }

    /// The chunk size a feed byte (below 0x40) stands for.
    public static func chunkSize(_ byte: UInt8) -> Int {
        byte < 0x20 ? Int(byte) + 1 : (Int(byte) - 0x1f) * 128
    }

    /// The methods the fuzzed server serves, and the client calls.
    public static let methods: [(method: Method, kind: CallKind)] = [
        (.healthCheck, .unary),
        (.serverInfoGet, .unary),
        (.healthWatch, .serverStreaming),
        (.membersList, .serverStreaming),
        (.meetingsRecord, .clientStreaming),
    ]
}

/// What happens besides the arrival of bytes. Each takes one argument byte.
public enum WireEvent: UInt8, CaseIterable, Sendable {
    /// A handler finishes: call index in bits 0–3; bits 4–7 pick the outcome (0: OK, 1: OK with a
    /// payload, 2–15: an error status).
    case finish
    /// A server-stream handler sends a message: call index in bits 0–3, payload length in 4–7.
    case sendMessage
    /// A client-stream handler takes a delivered message off its queue: index among the calls
    /// with undelivered messages (an unknown call id when there are none).
    case messageConsumed
    /// A call's deadline passes: call index.
    case deadlineExpired
    /// The server starts shutting down.
    case beginDrain
    /// The idle timer fires.
    case idleTimeout
    /// The handshake timer fires.
    case handshakeTimeout
    /// The connection goes away.
    case connectionClosed
    /// A late finish for a call that already ended (index among ended calls).
    case finishEnded
    /// The client starts a call: `WireInput.methods` index (mod), a timeout when bit 7 is set.
    case clientStartCall
    /// The client acts on one of its calls: index in bits 0–3; bits 4–5 pick consume, send,
    /// end of stream or cancel.
    case clientCallEvent
    /// The byte stream ends here: what is buffered is decoded with `decodeLast`.
    case endOfStream

    /// The script byte for this event.
    public var scriptByte: UInt8 { 0x40 + rawValue }
}

/// Builds wire fuzz inputs for the seed corpus.
public struct WireInputBuilder {
    private var config: UInt8
    private var script: [UInt8] = []
    private var stream: [UInt8] = []

    /// An empty transcript with the given limits byte.
    public init(config: UInt8 = WireInput.defaultConfig) {
        self.config = config
    }

    /// Appends `frame` to the stream and feeds it, whole or in chunks of at most `chunk` bytes.
    public mutating func frame(_ frame: Frame, chunk: Int? = nil) {
        var buffer = try! FrameEncoding.buffer(for: frame)
        raw(buffer.readBytes(length: buffer.readableBytes)!, chunk: chunk)
    }

    /// Appends bytes to the stream and feeds them, whole or in chunks of at most `chunk` bytes.
    public mutating func raw(_ bytes: [UInt8], chunk: Int? = nil) {
        stream += bytes
        var left = bytes.count
        while left > 0 {
            let size = Self.feedSize(min(left, chunk ?? left))
            script.append(size < 128 ? UInt8(size - 1) : UInt8(size / 128 + 0x1f))
            left -= size
        }
    }

    /// Appends stream bytes that arrive only when the script ends.
    public mutating func trailing(_ bytes: [UInt8]) {
        stream += bytes
    }

    /// Appends an event.
    public mutating func event(_ event: WireEvent, _ argument: UInt8 = 0) {
        script += [event.scriptByte, argument]
    }

    /// The input bytes.
    public var bytes: [UInt8] {
        [config, UInt8(script.count >> 8), UInt8(script.count & 0xff)] + script + stream
    }

    /// The largest feed size not above `wanted`.
    private static func feedSize(_ wanted: Int) -> Int {
        wanted >= 128 ? min(wanted / 128, 32) * 128 : min(wanted, 32)
    }
}
