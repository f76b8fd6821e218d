import GRPCCore

/// Passes message bytes through unchanged, so no protobuf cost enters the gRPC numbers.
public struct RawSerializer: MessageSerializer {
    /// Creates the serializer.
    public init() {}

    /// The message's bytes, copied into the transport's byte type.
    public func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes {
        Bytes(message)
    }
}

/// Reads message bytes as they are.
public struct RawDeserializer: MessageDeserializer {
    /// Creates the deserializer.
    public init() {}

    /// The message's bytes as an array.
    public func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
        serializedMessageBytes.withUnsafeBytes { Array($0) }
    }
}
