import ChiboClient
import ChiboModel
import ChiboServer
import ChiboTesting
import ChiboWire
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Testing

/// A real server on an ephemeral loopback port with the real client.
@Suite struct ServerClientTests {
    /// Counts the `Members.Get` calls that reached their handler and those the server stopped,
    /// so a test can wait for a call to be in flight, or to be ended, instead of guessing with a
    /// sleep.
    final class HandlerStarts: Sendable {
        private let count = NIOLockedValueBox(0)
        private let stopped = NIOLockedValueBox(0)

        func increment() { count.withLockedValue { $0 += 1 } }

        func recordStop() { stopped.withLockedValue { $0 += 1 } }

        /// Waits until `target` handlers have started.
        func wait(for target: Int) async throws {
            try await waitUntil("\(target) handlers to start") { count.withLockedValue { $0 } >= target }
        }

        /// Waits until `target` handlers have been stopped (cancelled) by the server.
        func waitForStops(_ target: Int) async throws {
            try await waitUntil("\(target) handlers to be stopped") { stopped.withLockedValue { $0 } >= target }
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
        // Sleeps for the requested number of milliseconds, or fails with a field violation: a slow
        // handler is what the tests of concurrency, deadlines and cancellation need, and none of
        // them asserts how long it took. A handler the server stops is counted.
        registry.registerUnary(.membersGet) { (request: GetMemberRequest, _) in
            guard let milliseconds = Int(request.id) else {
                throw CallError.invalidArgument(field: "id", "must be a number of milliseconds")
            }
            handlerStarts.increment()
            do {
                try await Task.sleep(for: .milliseconds(milliseconds))
            } catch {
                handlerStarts.recordStop()
                throw error
            }
            return MemberResponse(member: Member(id: request.id))
        }
        return registry
    }

    /// Runs `body` against a fresh server on a free port.
    static func withServer(
        limits: ConnectionLimits = .default,
        handlerStarts: HandlerStarts = HandlerStarts(),
        _ body: @Sendable (ChiboServer, SocketAddress) async throws -> Void
    ) async throws {
        try await TestServer.run(
            configuration: ServerConfiguration(port: 0, limits: limits, shutdownGracePeriod: .seconds(2)),
            registry: testRegistry(handlerStarts: handlerStarts)
        ) { running in
            try await body(running.server, running.address)
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

    /// A handler that would run for an hour, called with a 100 ms deadline: the call ends with
    /// DEADLINE_EXCEEDED and the server stops the handler. How long that took is not asserted
    /// (the timer itself is tested on a test event loop in ServerTimerTests).
    @Test func deadlinesAreEnforcedByTheServer() async throws {
        let handlers = HandlerStarts()
        try await Self.withServer(handlerStarts: handlers) { _, address in
            let client = ChiboClient(host: "127.0.0.1", port: address.port!)
            do {
                _ = try await client.unary(
                    .membersGet,
                    GetMemberRequest(id: "3600000"),
                    as: MemberResponse.self,
                    options: CallOptions(timeout: .milliseconds(100))
                )
                Issue.record("the call should time out")
            } catch let error as ClientError {
                #expect(error.code == .deadlineExceeded)
            }
            try await handlers.waitForStops(1)
            await client.close()
        }
    }

    @Test func cancellingTheTaskCancelsTheCall() async throws {
        let handlers = HandlerStarts()
        try await Self.withServer(handlerStarts: handlers) { _, address in
            let client = ChiboClient(host: "127.0.0.1", port: address.port!)
            let task = Task {
                try await client.unary(.membersGet, GetMemberRequest(id: "3600000"), as: MemberResponse.self)
            }
            // Cancel once the call is in its handler on the server.
            try await handlers.wait(for: 1)
            task.cancel()
            do {
                _ = try await task.value
                Issue.record("the cancelled call should fail")
            } catch let error as ClientError {
                #expect(error.code == .cancelled)
            }
            try await handlers.waitForStops(1)
            // The connection still serves other calls.
            let health = try await client.unary(.healthCheck, HealthCheckRequest(), as: HealthCheckResponse.self)
            #expect(health.status == .serving)
            await client.close()
        }
    }
}
