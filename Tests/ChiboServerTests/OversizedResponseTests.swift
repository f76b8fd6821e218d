import ChiboClient
import ChiboModel
import ChiboServer
import ChiboTesting
import ChiboWire
import Testing

/// The server sends no frame larger than the limit its welcome announces: a response or stream
/// message that would pass it ends its call with RESOURCE_EXHAUSTED naming the sizes, and the
/// connection goes on. (Sent whole, it made the client close the connection for a frame too
/// large, ending every other call on it.)
@Suite struct OversizedResponseTests {
    /// `Members.Get` answers a member whose name is as many bytes as its ID says; `Members.List`
    /// streams small members with one of 5 MB at the index the page token says.
    static func registry() -> MethodRegistry {
        var registry = MethodRegistry()
        registry.registerUnary(.membersGet) { (request: GetMemberRequest, _) in
            MemberResponse(member: Member(id: "m", fullName: String(repeating: "a", count: Int(request.id) ?? 0)))
        }
        registry.registerServerStreaming(.membersList) {
            (request: ListMembersRequest, stream: ResponseStream<Member>, _) in
            let large = Int(request.page?.pageToken ?? "") ?? -1
            for index in 0..<Int(request.page?.pageSize ?? 0) {
                let name = index == large ? String(repeating: "b", count: 5_000_000) : "Thành viên \(index)"
                try await stream.send(Member(id: "m-\(index)", fullName: name))
            }
        }
        // Counts the meetings streamed.
        registry.registerClientStreaming(.meetingsRecord) { (requests: RequestStream<RecordMeetingRequest>, _) in
            var meetings = 0
            for try await _ in requests { meetings += 1 }
            return MeetingResponse(meeting: Meeting(id: "\(meetings)"))
        }
        return registry
    }

    /// `requests` as a stream.
    static func stream(_ requests: [RecordMeetingRequest]) -> AsyncStream<RecordMeetingRequest> {
        AsyncStream { continuation in
            for request in requests { continuation.yield(request) }
            continuation.finish()
        }
    }

    @Test func aResponsePastTheFrameLimitEndsItsCallNotTheConnection() async throws {
        try await TestServer.run(registry: Self.registry()) { running in
            let client = ChiboClient(host: "127.0.0.1", port: running.port)
            let limit = ConnectionLimits.default.maxFrameBytes
            do {
                _ = try await client.unary(.membersGet, GetMemberRequest(id: "5000000"), as: MemberResponse.self)
                Issue.record("a 5 MB response came through a \(limit)-byte frame limit")
            } catch let error as ClientError {
                #expect(error.code == .resourceExhausted)
                #expect(error.message.contains("frame limit of \(limit) bytes"), "\(error.message)")
            }
            // The same connection answers the next call, and the largest response that fits.
            let small = try await client.unary(.membersGet, GetMemberRequest(id: "10"), as: MemberResponse.self)
            #expect(small.member?.fullName.count == 10)
            let largest = try await client.unary(
                .membersGet,
                GetMemberRequest(id: "\(limit - 100)"),
                as: MemberResponse.self
            )
            #expect(largest.member?.fullName.utf8.count == limit - 100)
            await client.close()
        }
    }

    @Test func aStreamMessagePastTheFrameLimitEndsThatStream() async throws {
        try await TestServer.run(registry: Self.registry()) { running in
            let client = ChiboClient(host: "127.0.0.1", port: running.port)
            let request = ListMembersRequest(page: PageRequest(pageSize: 10, pageToken: "3"))
            var received: [String] = []
            do {
                for try await member in try await client.serverStream(.membersList, request, as: Member.self) {
                    received.append(member.id)
                }
                Issue.record("the stream ended without an error after \(received.count) messages")
            } catch let error as ClientError {
                #expect(error.code == .resourceExhausted)
                #expect(error.message.contains("frame limit"), "\(error.message)")
            }
            #expect(received == ["m-0", "m-1", "m-2"])
            let whole = ListMembersRequest(page: PageRequest(pageSize: 5))
            var count = 0
            for try await _ in try await client.serverStream(.membersList, whole, as: Member.self) { count += 1 }
            #expect(count == 5)
            await client.close()
        }
    }

    @Test func aRequestPastTheFrameLimitFailsInTheClientAndTheConnectionGoesOn() async throws {
        try await TestServer.run(registry: Self.registry()) { running in
            let client = ChiboClient(host: "127.0.0.1", port: running.port)
            let limit = ConnectionLimits.default.maxFrameBytes
            let huge = String(repeating: "x", count: limit)
            do {
                _ = try await client.unary(.membersGet, GetMemberRequest(id: huge), as: MemberResponse.self)
                Issue.record("a request larger than a frame was sent")
            } catch let error as ClientError {
                #expect(error.code == .resourceExhausted)
                #expect(error.message.contains("frame limit of \(limit) bytes"), "\(error.message)")
            }
            // A client stream whose third message is too large ends with the reason.
            let meetings = [
                RecordMeetingRequest(meeting: Meeting(id: "a")),
                RecordMeetingRequest(meeting: Meeting(id: "b")),
                RecordMeetingRequest(meeting: Meeting(id: "c", topic: huge)),
                RecordMeetingRequest(meeting: Meeting(id: "d")),
            ]
            do {
                _ = try await client.clientStream(
                    .meetingsRecord,
                    requests: Self.stream(meetings),
                    as: MeetingResponse.self
                )
                Issue.record("a stream message larger than a frame was sent")
            } catch let error as ClientError {
                #expect(error.code == .resourceExhausted)
                #expect(error.message.contains("the request is"), "\(error.message)")
            }
            // The connection was not closed by the server: the next calls go through on it.
            let small = try await client.unary(.membersGet, GetMemberRequest(id: "3"), as: MemberResponse.self)
            #expect(small.member?.fullName == "aaa")
            let two = try await client.clientStream(
                .meetingsRecord,
                requests: Self.stream(Array(meetings.prefix(2))),
                as: MeetingResponse.self
            )
            #expect(two.meeting?.id == "2")
            await client.close()
        }
    }
}
