import BenchSupport
import ChiboModel
import NIOCore

/// How the closed-loop client speaks one unary protocol on a raw byte stream.
protocol UnaryLoadProtocol: Sendable {
    /// Bytes to send on connecting; when present, one greeting reply is awaited before calls start.
    func greeting() -> ByteBuffer?
    /// Appends request number `id` to `buffer`.
    mutating func writeRequest(id: UInt32, into buffer: inout ByteBuffer)
    /// Reads one whole reply off `buffer`, or nil if it holds only part of one.
    mutating func readReply(from buffer: inout ByteBuffer) throws -> UnaryReply?
}

/// A reply the closed-loop client understands.
enum UnaryReply {
    /// The greeting was accepted.
    case greeted
    /// Request `id` was answered, successfully or not.
    case response(id: UInt32, ok: Bool)
}

/// A reply that ends the run: the server refused the connection or broke the protocol.
struct UnexpectedReply: Error, CustomStringConvertible {
    var description: String
}

/// Chibo: hello, then `Open` frames with increasing call ids, answered by `Close` frames.
struct ChiboUnaryProtocol: UnaryLoadProtocol {
    let method: Method
    let payload = BenchWork.unaryRequestBytes

    func greeting() -> ByteBuffer? { ChiboFrames.hello() }

    mutating func writeRequest(id: UInt32, into buffer: inout ByteBuffer) {
        ChiboFrames.writeOpen(callID: id, method: method.rawValue, payload: payload, into: &buffer)
    }

    mutating func readReply(from buffer: inout ByteBuffer) throws -> UnaryReply? {
        while let frame = try ChiboFrames.read(from: &buffer) {
            switch frame {
            case .welcome:
                return .greeted
            case .close(let id, let bytes, let failed):
                return .response(id: id, ok: !failed && bytes == BenchWork.unaryResponseSize)
            case .goAway:
                throw UnexpectedReply(description: "the Chibo server sent a go-away")
            case .data, .other:
                continue
            }
        }
        return nil
    }
}

/// The bare reference: length-prefixed request, length-prefixed response, in order.
struct EchoUnaryProtocol: UnaryLoadProtocol {
    private var nextReply: UInt32 = 1
    let payload = BenchWork.unaryRequestBytes

    func greeting() -> ByteBuffer? { nil }

    mutating func writeRequest(id: UInt32, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt32(payload.count))
        buffer.writeBytes(payload)
    }

    mutating func readReply(from buffer: inout ByteBuffer) throws -> UnaryReply? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self),
            buffer.readableBytes >= 4 + Int(length)
        else { return nil }
        buffer.moveReaderIndex(forwardBy: 4 + Int(length))
        defer { nextReply += 1 }
        return .response(id: nextReply, ok: Int(length) == BenchWork.unaryResponseSize)
    }
}
