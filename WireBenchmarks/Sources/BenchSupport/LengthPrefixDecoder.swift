import NIOCore

/// Splits a byte stream into the bodies of 4-byte big-endian length-prefixed messages.
public struct LengthPrefixDecoder: NIOSingleStepByteToMessageDecoder {
    /// One message body, without its length.
    public typealias InboundOut = ByteBuffer

    /// Creates a decoder.
    public init() {}

    /// One body when the buffer holds a whole message.
    public mutating func decode(buffer: inout ByteBuffer) throws -> ByteBuffer? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self),
            buffer.readableBytes >= 4 + Int(length)
        else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        return buffer.readSlice(length: Int(length))
    }

    /// Ends at a message boundary; a partial message at the end is dropped.
    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> ByteBuffer? {
        try decode(buffer: &buffer)
    }
}
