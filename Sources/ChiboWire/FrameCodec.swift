import ChiboCodec
import ChiboModel
import NIOCore

/// Splits a byte stream into `Frame`s: a 4-byte big-endian length, then that many bytes holding
/// one `chibo.v1.Frame`. The length is checked against the maximum as soon as its four bytes
/// arrive, before anything of the body is buffered.
public struct FrameDecoder: NIOSingleStepByteToMessageDecoder {
    /// The decoded frames.
    public typealias InboundOut = Frame

    /// Largest frame body accepted, unless `control` says otherwise.
    public let maxFrameBytes: Int
    /// The connection's read control, when its limit changes while it lives; nil keeps
    /// `maxFrameBytes`.
    public let control: FrameReadControl?
    /// Offset in the connection's byte stream of the next frame, for error messages.
    private var streamOffset = 0

    /// Creates a decoder enforcing `maxFrameBytes`.
    public init(maxFrameBytes: Int) {
        self.maxFrameBytes = maxFrameBytes
        self.control = nil
    }

    /// Creates a decoder whose limit, and whether it decodes at all, `control` decides.
    public init(control: FrameReadControl) {
        self.maxFrameBytes = control.maxFrameBytes
        self.control = control
    }

    /// Decodes one frame when the buffer holds a whole one.
    public mutating func decode(buffer: inout ByteBuffer) throws -> Frame? {
        let frame = try decodeFrame(buffer: &buffer)
        // What is left costs the buffer's whole allocation; the decoder may not be asked again
        // once the buffer is empty, so this is set after every frame too.
        control?.bufferedBytes = buffer.readableBytes > 0 ? max(buffer.capacity, buffer.readableBytes) : 0
        return frame
    }

    private mutating func decodeFrame(buffer: inout ByteBuffer) throws -> Frame? {
        if let control, control.holding { return nil }
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return nil }
        let maximum = control?.maxFrameBytes ?? maxFrameBytes
        guard length <= maximum else {
            if let control, !control.authenticated {
                throw WireError.frameTooLargeBeforeAuthentication(length: Int(length), maximum: maximum)
            }
            throw WireError.frameTooLarge(length: Int(length), maximum: maximum, offset: streamOffset)
        }
        let total = 4 + Int(length)
        guard buffer.readableBytes >= total else { return nil }
        let result: Result<Frame, CodecError> = buffer.withUnsafeReadableBytes { bytes in
            let body = UnsafeRawBufferPointer(rebasing: bytes[4..<total])
            if let open = FrameFastDecoding.decodeOpen(body) { return .success(open) }
            return Result { () throws(CodecError) in
                try Frame(serializedBytes: body, limits: DecodingLimits(maxMessageBytes: maximum))
            }
        }
        let offset = streamOffset
        buffer.moveReaderIndex(forwardBy: total)
        streamOffset += total
        switch result {
        case .success(let frame):
            return frame
        case .failure(let error):
            throw WireError.malformedFrame(error, offset: offset + 4 + (error.offset ?? 0))
        }
    }

    /// At the end of the stream, a partial frame is an error; a clean boundary is not.
    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> Frame? {
        if let control, control.holding { return nil }
        if let frame = try decode(buffer: &buffer) { return frame }
        if buffer.readableBytes > 0 {
            let buffered = buffer.readableBytes
            buffer.moveReaderIndex(forwardBy: buffered)
            throw WireError.truncatedFrame(bufferedBytes: buffered)
        }
        return nil
    }
}

/// What one connection's `FrameDecoder` enforces while the connection lives, set on its event
/// loop: the frame limit (small until the connection authenticates), whether decoding waits
/// (while the hello's token is checked), and how many bytes of an unfinished frame it holds.
public final class FrameReadControl {
    /// Largest frame body accepted now.
    public var maxFrameBytes: Int
    /// Whether the connection has authenticated; a larger frame before is refused as such.
    public var authenticated: Bool
    /// While true the decoder leaves the bytes it has buffered alone.
    public var holding = false
    /// Bytes the decoder held after its last attempt (the allocation holding the start of a
    /// frame not yet whole); 0 when it holds nothing.
    public var bufferedBytes = 0

    /// A control starting with `maxFrameBytes`.
    public init(maxFrameBytes: Int, authenticated: Bool) {
        self.maxFrameBytes = maxFrameBytes
        self.authenticated = authenticated
    }
}

/// Writes `Frame`s with their 4-byte big-endian length.
public enum FrameEncoding {
    /// Appends one frame to `buffer`. Throws `CodecError` only for a string holding NUL.
    public static func write(_ frame: Frame, into buffer: inout ByteBuffer) throws(CodecError) {
        if FrameFastEncoding.write(frame, into: &buffer) { return }
        let body = try frame.serializedBytes()
        buffer.writeInteger(UInt32(body.count))
        buffer.writeBytes(body)
    }

    /// One frame as a new buffer.
    public static func buffer(
        for frame: Frame,
        allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) throws(CodecError) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 64)
        try write(frame, into: &buffer)
        return buffer
    }
}

/// A channel handler writing outbound `Frame`s as length-prefixed bytes.
public struct FrameEncoder: MessageToByteEncoder {
    /// The frames to write.
    public typealias OutboundIn = Frame

    /// Creates an encoder.
    public init() {}

    /// Encodes one frame.
    public func encode(data: Frame, out: inout ByteBuffer) throws {
        try FrameEncoding.write(data, into: &out)
    }
}
