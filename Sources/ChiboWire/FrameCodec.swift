import ChiboCodec
import ChiboModel
import NIOCore

/// Splits a byte stream into `Frame`s: a 4-byte big-endian length, then that many bytes holding
/// one `chibo.v1.Frame`. The length is checked against the maximum as soon as its four bytes
/// arrive, before anything of the body is buffered.
public struct FrameDecoder: NIOSingleStepByteToMessageDecoder {
    /// The decoded frames.
    public typealias InboundOut = Frame

    /// Largest frame body accepted.
    public let maxFrameBytes: Int
    /// Offset in the connection's byte stream of the next frame, for error messages.
    private var streamOffset = 0

    /// Creates a decoder enforcing `maxFrameBytes`.
    public init(maxFrameBytes: Int) {
        self.maxFrameBytes = maxFrameBytes
    }

    /// Decodes one frame when the buffer holds a whole one.
    public mutating func decode(buffer: inout ByteBuffer) throws -> Frame? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return nil }
        guard length <= maxFrameBytes else {
            throw WireError.frameTooLarge(length: Int(length), maximum: maxFrameBytes, offset: streamOffset)
        }
        let total = 4 + Int(length)
        guard buffer.readableBytes >= total else { return nil }
        let result: Result<Frame, CodecError> = buffer.withUnsafeReadableBytes { bytes in
            let body = UnsafeRawBufferPointer(rebasing: bytes[4..<total])
            if let open = FrameFastDecoding.decodeOpen(body) { return .success(open) }
            return Result { () throws(CodecError) in
                try Frame(serializedBytes: body, limits: DecodingLimits(maxMessageBytes: maxFrameBytes))
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
        if let frame = try decode(buffer: &buffer) { return frame }
        if buffer.readableBytes > 0 {
            let buffered = buffer.readableBytes
            buffer.moveReaderIndex(forwardBy: buffered)
            throw WireError.truncatedFrame(bufferedBytes: buffered)
        }
        return nil
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
