import ChiboCodec
import ChiboModel
import ChiboServer
import ChiboTesting
import ChiboWire
import Foundation
import Logging
import Testing

/// The worked examples of docs/PROTOCOL.md, read from the page itself: Chibo encodes the frames
/// they describe to exactly their bytes, and a real server answers their requests with exactly
/// their responses.
@Suite struct WireGoldenVectorTests {
    /// The hex blocks of the spec, by example name.
    static func examples() throws -> [String: [UInt8]] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/PROTOCOL.md"), encoding: .utf8)
        var examples: [String: [UInt8]] = [:]
        var current: String?
        var bytes: [UInt8] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```hex example=") {
                current = String(line.dropFirst("```hex example=".count))
                bytes = []
            } else if line.hasPrefix("```"), let name = current {
                examples[name] = bytes
                current = nil
            } else if current != nil {
                bytes += line.split(separator: " ").map { UInt8($0, radix: 16)! }
            }
        }
        return examples
    }

    /// The frames the examples describe, built in Swift.
    static let described: [String: [Frame]] = [
        "hello": [Frame(callId: 0, body: .hello(Hello(protocolVersion: 1, clientName: "district-sync/1.0")))],
        "welcome": [
            Frame(
                callId: 0,
                body: .welcome(
                    Welcome(protocolVersion: 1, serverName: "chibo-server/0.1.0", limits: ConnectionLimits.default.wire)
                )
            )
        ],
        "unary-request": [Frame(callId: 1, body: .open(Open(method: .healthCheck, timeoutMs: 5000)))],
        "unary-response": [Frame(callId: 1, body: .close(Close(payload: [0x08, 0x01])))],
        "list-request": [
            Frame(
                callId: 3,
                body: .open(
                    Open(
                        method: .membersList,
                        payload: try! ListMembersRequest(page: PageRequest(pageSize: 2), cellId: "cb-ban-bo")
                            .serializedBytes()
                    )
                )
            )
        ],
        "list-response": [
            Frame(callId: 3, body: .data(StreamMessage(payload: try! member1.serializedBytes()))),
            Frame(callId: 3, body: .data(StreamMessage(payload: try! member2.serializedBytes()))),
            Frame(callId: 3, body: .close(Close(payload: try! PageEnd(nextPageToken: "p2").serializedBytes()))),
        ],
        "error-request": [Frame(callId: 5, body: .open(Open(method: .membersGet)))],
        "error-response": [
            Frame(
                callId: 5,
                body: .close(
                    Close(
                        status: Status(
                            code: .invalidArgument,
                            message: "id: required (or party_card_number)",
                            violations: [FieldViolation(field: "id", description: "required (or party_card_number)")]
                        )
                    )
                )
            )
        ],
    ]

    static let member1 = Member(id: "m-1", fullName: "Lò Văn Bun")
    static let member2 = Member(id: "m-2", fullName: "Tòng Thị Ơn")

    @Test func theSpecListsEveryExample() throws {
        #expect(Set(try Self.examples().keys) == Set(Self.described.keys))
    }

    @Test func chiboEncodesTheDescribedFramesToTheSpecsBytes() throws {
        let examples = try Self.examples()
        for (name, frames) in Self.described {
            var bytes: [UInt8] = []
            for frame in frames {
                let body = try frame.serializedBytes()
                bytes += withUnsafeBytes(of: UInt32(body.count).bigEndian, Array.init) + body
            }
            #expect(bytes == examples[name], "example \(name)")
        }
    }

    @Test func aRealServerAnswersTheSpecsRequestsWithItsResponses() async throws {
        var registry = MethodRegistry()
        registry.registerServerStreaming(.membersList) {
            (request: ListMembersRequest, stream: ResponseStream<Member>, _) -> PageEnd in
            try await stream.send(Self.member1)
            try await stream.send(Self.member2)
            return PageEnd(nextPageToken: request.page?.pageSize == 2 ? "p2" : "")
        }
        registry.registerUnary(.membersGet) { (request: GetMemberRequest, _) -> MemberResponse in
            guard !request.id.isEmpty else {
                throw CallError.invalidArgument(field: "id", "required (or party_card_number)")
            }
            return MemberResponse(member: Member(id: request.id))
        }
        let examples = try Self.examples()
        // The welcome announces the production limits, as the spec's example shows them.
        try await TestServer.run(registry: registry, patient: false) { server in
            let connection = try await RawConnection.connect(port: server.port)
            for (request, response) in [
                ("hello", "welcome"), ("unary-request", "unary-response"), ("list-request", "list-response"),
                ("error-request", "error-response"),
            ] {
                let expected = try #require(examples[response])
                try await connection.send(try #require(examples[request]))
                let received = try await connection.read(count: expected.count)
                #expect(received == expected, "response to \(request)")
            }
            await connection.close()
        }
    }
}
