import ChiboCodec
import ChiboModel

/// The work every server does, defined once so that all peers move the same bytes.
public enum BenchWork {
    /// The id carried by the unary request; its length makes the request 200 bytes.
    public static let requestID = String(repeating: "m", count: 197)

    /// The unary request every Chibo peer sends.
    public static let unaryRequest = GetMemberRequest(id: requestID)

    /// What the Chibo handlers answer: the member named by the request.
    public static func unaryResponse(to request: GetMemberRequest) -> MemberResponse {
        MemberResponse(member: Member(id: request.id))
    }

    /// The unary request's bytes (200): what the gRPC and bare NIO peers send.
    public static let unaryRequestBytes: [UInt8] = {
        // GetMemberRequest field 1 (id): tag, two-byte length, the id.
        [0x0a, 0xc5, 0x01] + Array(requestID.utf8)
    }()

    /// The unary response's bytes (203): the request wrapped as `MemberResponse.member`.
    public static func unaryResponseBytes(to request: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [0x0a, UInt8(0x80 | (request.count & 0x7f)), UInt8(request.count >> 7)]
        bytes.append(contentsOf: request)
        return bytes
    }

    /// Size of the unary response in bytes.
    public static let unaryResponseSize = unaryRequestBytes.count + 3

    /// The member every stream message carries; its encoding is `streamMessageSize` bytes.
    public static let streamMember = Member(
        id: "m-000000",
        fullName: "Lò Văn Bun",
        familyName: "Lò",
        middleName: "Văn",
        givenName: "Bun",
        ethnicity: "Thái",
        homePlace: "Bản Mường, xã Chiềng Ban, huyện Mai Sơn, tỉnh Sơn La",
        phone: "+84 912 345 678",
        cellId: "cb-ban-muong",
        note: "Benchmark stream message."
    )

    /// The stream message's bytes, sent as-is by the gRPC peer.
    public static let streamMessageBytes: [UInt8] = {
        // Built by the Chibo codec so that both peers send identical payloads.
        (try? streamMember.serializedBytes()) ?? []
    }()

    /// Messages in one measured server stream.
    public static let defaultStreamMessages = 1_000_000
}
