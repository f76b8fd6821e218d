import ChiboCodec
import GRPCCore

/// Passes a message's bytes through unchanged: the Chibo services decode their requests inside
/// the shared handler registry (with ChiboCodec, after the gate), exactly as on the Chibo
/// listener, so a request that does not decode gets the same INVALID_ARGUMENT and violation.
public struct PayloadSerializer: MessageSerializer, MessageDeserializer {
    /// A pass-through coder.
    public init() {}

    /// The message's bytes.
    public func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes {
        Bytes(message)
    }

    /// The message's bytes.
    public func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
        serializedMessageBytes.withUnsafeBytes { Array($0) }
    }
}

/// Serializes a ChiboCodec message (libprotobuf-c underneath): for the standard services
/// (health, reflection) and for Swift gRPC clients of Chibo.
public struct ChiboMessageSerializer<Message: ProtoMessage>: MessageSerializer {
    /// A serializer of `Message`.
    public init() {}

    /// The message in protobuf's binary format.
    public func serialize<Bytes: GRPCContiguousBytes>(_ message: Message) throws -> Bytes {
        do {
            return Bytes(try message.serializedBytes())
        } catch {
            throw RPCError(code: .internalError, message: "cannot encode \(Message.self): \(error)")
        }
    }
}

/// Deserializes a ChiboCodec message; bytes that do not decode are INVALID_ARGUMENT naming the
/// field and byte offset ChiboCodec reports.
public struct ChiboMessageDeserializer<Message: ProtoMessage>: MessageDeserializer {
    /// A deserializer of `Message`.
    public init() {}

    /// The message decoded from protobuf's binary format.
    public func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> Message {
        do {
            return try serializedMessageBytes.withUnsafeBytes { (bytes) throws(CodecError) -> Message in
                try Message(serializedBytes: bytes, limits: .default)
            }
        } catch {
            throw RPCError(code: .invalidArgument, message: "the message could not be decoded: \(error)")
        }
    }
}
