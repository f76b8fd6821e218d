import CChiboPeer
import ChiboCodec
import ChiboModel
import SwiftProtobuf
import SwiftProtobufPeer

/// The encodings of one benchmark message by the three peers, checked to agree.
public struct PeerEncodings: Sendable {
    /// What ChiboCodec encodes.
    public var chibo: [UInt8]
    /// What libprotobuf-c encodes from the C structs.
    public var c: [UInt8]
    /// What swift-protobuf encodes.
    public var swiftProtobuf: [UInt8]
}

/// A failed start-up check: the peers do not encode or decode the same message.
public struct PeerMismatch: Error, CustomStringConvertible {
    /// What differs.
    public var description: String

    /// Creates an error saying what differs.
    public init(description: String) {
        self.description = description
    }
}

/// Checks, before anything is timed, that the three peers work on the same message: each
/// encodes the same bytes, and each decodes every peer's bytes to content equal to its own
/// fixture (for C: unpacking and packing again gives the same bytes).
public enum PeerCheck {
    /// Encodes the Member with every peer and cross-checks the results.
    public static func member() throws -> PeerEncodings {
        try check(
            name: "Member",
            model: Fixture.member(),
            peer: Fixture.swiftProtobufMember(),
            cPack: bench_member_pack_into,
            cRepack: bench_member_repack
        )
    }

    /// Encodes the Meeting with every peer and cross-checks the results.
    public static func meeting() throws -> PeerEncodings {
        try check(
            name: "Meeting",
            model: Fixture.meeting(),
            peer: Fixture.swiftProtobufMeeting(),
            cPack: bench_meeting_pack_into,
            cRepack: bench_meeting_repack
        )
    }

    private static func check<Model: ProtoMessage, Peer: SwiftProtobuf.Message & Equatable>(
        name: String,
        model: Model,
        peer: Peer,
        cPack: (UnsafeMutablePointer<UInt8>?, Int) -> Int,
        cRepack: (UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<UInt8>?, Int) -> Int
    ) throws -> PeerEncodings {
        let chibo = try model.serializedBytes()
        let c = [UInt8](unsafeUninitializedCapacity: 1 << 16) { buffer, count in
            count = cPack(buffer.baseAddress, buffer.count)
        }
        let swiftProtobuf: [UInt8] = try peer.serializedBytes()
        let encodings = PeerEncodings(chibo: chibo, c: c, swiftProtobuf: swiftProtobuf)
        guard !c.isEmpty else { throw PeerMismatch(description: "\(name): the C peer failed to pack") }
        guard chibo == c, c == swiftProtobuf else {
            throw PeerMismatch(
                description: "\(name): encodings differ (ChiboCodec \(chibo.count) B, C \(c.count) B, "
                    + "swift-protobuf \(swiftProtobuf.count) B)"
            )
        }
        for (peerName, bytes) in [("ChiboCodec", chibo), ("C", c), ("swift-protobuf", swiftProtobuf)] {
            guard try Model(serializedBytes: bytes) == model else {
                throw PeerMismatch(description: "\(name): ChiboCodec decodes the \(peerName) bytes to other content")
            }
            guard try Peer(serializedBytes: bytes) == peer else {
                throw PeerMismatch(
                    description: "\(name): swift-protobuf decodes the \(peerName) bytes to other content"
                )
            }
            let repacked = [UInt8](unsafeUninitializedCapacity: 1 << 16) { buffer, count in
                count = bytes.withUnsafeBufferPointer {
                    cRepack($0.baseAddress, $0.count, buffer.baseAddress, buffer.count)
                }
            }
            guard repacked == c else {
                throw PeerMismatch(description: "\(name): libprotobuf-c decodes the \(peerName) bytes to other content")
            }
        }
        return encodings
    }
}
