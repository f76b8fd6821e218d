import ChiboCodec

extension ProtoMessage {
    /// Decodes a call's payload through the protocol requirement itself. The generic
    /// `init(serializedBytes:)` over any collection costs a few times the decoding of a small
    /// request in run-time generic metadata lookups, which matters once per call.
    init(payload: [UInt8]) throws {
        self = try payload.withUnsafeBytes { (bytes) throws(CodecError) -> Self in
            try Self(serializedBytes: bytes, limits: .default)
        }
    }
}
