import ChiboClient
import ChiboModel
import ChiboServer
import ChiboWire
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Testing

/// A real server on an ephemeral loopback port with the real client.
@Suite struct ServerClientTests {
    /// Counts the `Members.Get` calls that reached their handler, so a test can wait for a call
    /// to be in flight instead of guessing with a sleep.
    final class HandlerStarts: Sendable {
        private let count = NIOLockedValueBox(0)

        func increment() { count.withLockedValue { $0 += 1 } }

        /// Waits until `target` handlers have started.
        func wait(for target: Int) async throws {
            while count.withLockedValue({ $0 }) < target {
                try await Task.sleep(for: .milliseconds(5))
            }
        }
    }

    /// A registry with test methods standing in for the record services.
    static func testRegistry(handlerStarts: HandlerStarts = HandlerStarts()) -> MethodRegistry {
        var registry = MethodRegistry()
        // Streams `pageSize` members, named by their index.
        registry.registerServerStreaming(.membersList) {
            (request: ListMembersRequest, stream: ResponseStream<Member>, _) in
            let count = Int(request.page?.pageSize ?? 0)
            for index in 0..<count {
                try await stream.send(Member(id: "m-\(index)", fullName: "Thành viên \(index)"))
            }
        }
        // Counts the attendance records of every streamed meeting.
        registry.registerClientStreaming(.meetingsRecord) { (requests: RequestStream<RecordMeetingRequest>, _) in
            var attendance = 0
            var meetings = 0
            for try await request in requests {
                meetings += 1
                attendance += request.meeting?.attendance.count ?? 0
            }
            return MeetingResponse(meeting: Meeting(id: "\(meetings)", startMinute: Int32(attendance)))
        }
        // Sleeps for the requested number of milliseconds, or fails with a field violation.
        registry.registerUnary(.membersGet) { (request: GetMemberRequest, _) in
            guard let milliseconds = Int(request.id) else {
                throw CallError.invalidArgument(field: "id", "must be a number of milliseconds")
            }
            handlerStarts.increment()
            try await Task.sleep(for: .milliseconds(milliseconds))
            return MemberResponse(member: Member(id: request.id))
        }
        return registry
    }

    /// Runs `body` against a fresh server on a free port.
    static func withServer(
        limits: ConnectionLimits = .default,
        _ body: @Sendable (ChiboServer, SocketAddress) async throws -> Void
    ) async throws {
        var logger = Logger(label: "chibo.test")
        logger.logLevel = .critical
        let server = ChiboServer(
            configuration: ServerConfiguration(port: 0, limits: limits, shutdownGracePeriod: .seconds(2)),
            registry: testRegistry(),
            logger: logger
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            let address = try await server.listeningAddress
            try await body(server, address)
            group.cancelAll()
        }
    }

    @Test func healthAndServerInfo() async throws {
        try await Self.withServer { _, address in
            let client = ChiboClient(host: "127.0.0.1", port: address.port!)
            let health = try await client.unary(.healthCheck, HealthCheckRequest(), as: HealthCheckResponse.self)
            #expect(health.status == .serving)
            let info = try await client.unary(.serverInfoGet, ServerInfoRequest(), as: ServerInfoResponse.self)
            #expect(info.protocolVersion == WireVersion.current)
            #expect(info.maxFrameBytes == UInt32(ConnectionLimits.default.maxFrameBytes))
            #expect(info.serverVersion == ChiboVersion.current)
            let welcome = try await client.welcome()
            #expect(welcome.limits?.maxConcurrentCalls == UInt32(ConnectionLimits.default.maxConcurrentCalls))
            await client.close()
        }
    }

    @Test func serverStreamDeliversEveryMessageThroughFlowControl() async throws {
        try await Self.withServer(limits: ConnectionLimits(initialWindow: 8)) { _, address in
            let client = ChiboClient(host: "127.0.0.1", port: address.port!)
            let request = ListMembersRequest(page: PageRequest(pageSize: 1000))
            var received = 0
            for try await member in try await client.serverStream(.membersList, request, as: Member.self) {
                #expect(member.id == "m-\(received)")
                received += 1
            }
            #expect(received == 1000)
            await client.close()
        }
    }

    @Test func clientStreamSendsEveryMessage() async throws {
        try await Self.withServer(limits: ConnectionLimits(initialWindow: 4)) { _, address in
            let client = ChiboClient(host: "127.0.0.1", port: address.port!)
            let requests = AsyncStream<RecordMeetingRequest> { continuation in
                for index in 0..<50 {
                    let attendance = Array(repeating: AttendanceRecord(memberId: "m"), count: index % 3)
                    continuation.yield(RecordMeetingRequest(meeting: Meeting(attendance: attendance)))
                }
                continuation.finish()
            }
            let response = try await client.clientStream(.meetingsRecord, requests: requests, as: MeetingResponse.self)
            #expect(response.meeting?.id == "50")
            #expect(response.meeting?.startMinute == Int32((0..<50).map { $0 % 3 }.reduce(0, +)))
            await client.close()
        }
    }

    @Test func concurrentCallsShareOneConnection() async throws {
        try await Self.withServer { _, address in
            let client = ChiboClient(host: "127.0.0.1", port: address.port!)
            try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<64 {
                    group.addTask {
                        let response = try await client.unary(
                            .membersGet,
                            GetMemberRequest(id: "\(index % 5)"),
                            as: MemberResponse.self
                        )
                        return response.member?.id ?? ""
                    }
                }
                var ids: [String] = []
                for try await id in group { ids.append(id) }
                #expect(ids.count == 64)
            }
            await client.close()
        }
    }

    @Test func errorsCarryCodeAndFieldViolations() async throws {
        try await Self.withServer { _, address in
            let client = ChiboClient(host: "127.0.0.1", port: address.port!)
            do {
                _ = try await client.unary(.membersGet, GetMemberRequest(id: "soon"), as: MemberResponse.self)
                Issue.record("the call should fail")
            } catch let error as ClientError {
                #expect(error.code == .invalidArgument)
                #expect(
                    error.violations == [FieldViolation(field: "id", description: "must be a number of milliseconds")]
                )
            }
            do {
                _ = try await client.unary(.orgUnitsCreate, CreateOrgUnitRequest(), as: OrgUnitResponse.self)
                Issue.record("an unserved method should fail")
            } catch let error as ClientError {
                #expect(error.code == .unimplemented)
            }
            await client.close()
        }
    }

    @Test func deadlinesAreEnforcedByTheServer() async throws {
        try await Self.withServer { _, address in
            let client = ChiboClient(host: "127.0.0.1", port: address.port!)
            let clock = ContinuousClock()
            let start = clock.now
            do {
                _ = try await client.unary(
                    .membersGet,
                    GetMemberRequest(id: "10000"),
                    as: MemberResponse.self,
                    options: CallOptions(timeout: .milliseconds(100))
                )
                Issue.record("the call should time out")
            } catch let error as ClientError {
                #expect(error.code == .deadlineExceeded)
            }
            #expect(clock.now - start < .seconds(5))
            await client.close()
        }
    }

    @Test func cancellingTheTaskCancelsTheCall() async throws {
        try await Self.withServer { _, address in
            let client = ChiboClient(host: "127.0.0.1", port: address.port!)
            let task = Task {
                try await client.unary(.membersGet, GetMemberRequest(id: "10000"), as: MemberResponse.self)
            }
            try await Task.sleep(for: .milliseconds(100))
            task.cancel()
            do {
                _ = try await task.value
                Issue.record("the cancelled call should fail")
            } catch let error as ClientError {
                #expect(error.code == .cancelled)
            }
            // The connection still serves other calls.
            let health = try await client.unary(.healthCheck, HealthCheckRequest(), as: HealthCheckResponse.self)
            #expect(health.status == .serving)
            await client.close()
        }
    }

    @Test func idempotentCallsRetryUntilTheServerIsUp() async throws {
        // Nothing listens on this port at first; the retry loop reconnects once a server is there.
        let client = ChiboClient(
            host: "127.0.0.1",
            port: 1,
            configuration: ClientConfiguration(maxAttempts: 2, initialBackoff: .milliseconds(10))
        )
        do {
            _ = try await client.unary(
                .healthCheck,
                HealthCheckRequest(),
                as: HealthCheckResponse.self,
                options: CallOptions(idempotent: true)
            )
            Issue.record("no server listens on port 1")
        } catch let error as ClientError {
            #expect(error.code == .unavailable)
        }
    }
}
