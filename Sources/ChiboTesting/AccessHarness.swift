import ChiboAccess
import ChiboClient
import ChiboModel
import ChiboRecords
import ChiboServer
import ChiboStore
import ChiboStorePostgres
import ChiboStoreSQLite
import Foundation
import Logging

/// A gated server on loopback over a real SQLite file, with a small tree and one token per role:
///
///   tinh (province) ─ mb (commune) ─ bo, ang (cells)
///                   └ cm (commune) ─ na (cell)
///
/// Members b1 (bo, with citizen ID, phone and birth date), a1 (ang), n1 (na); a meeting with a
/// resolution in bo and in na; a 2024 evaluation of bo and of na; a rule set scoped to mb and
/// one to cm. Tokens: admin (everything), officer, viewer scoped to mb, secretary scoped to bo,
/// auditor. "Inside" targets lie in bo (inside every scope), "outside" ones in na.
public struct AccessHarness: Sendable {
    /// The store the server runs on.
    public let store: any Store
    /// The SQLite file (unused on PostgreSQL).
    public let path: String
    /// The server's loopback port.
    public let port: Int
    /// A token per role.
    public let tokens: [Role: String]
    /// The ids of the records loaded.
    public let ids: Ids

    /// The server-assigned ids the cases refer to.
    public struct Ids: Sendable {
        /// The meeting in bo.
        public var meetingBo = ""
        /// The meeting in na.
        public var meetingNa = ""
        /// The resolution of the meeting in bo.
        public var resolutionBo = ""
        /// The resolution of the meeting in na.
        public var resolutionNa = ""
        /// The 2024 evaluation of bo.
        public var evaluationBo = ""
        /// The 2024 evaluation of na.
        public var evaluationNa = ""
        /// The rule set scoped to mb.
        public var rulesMb = ""
        /// The rule set scoped to cm.
        public var rulesCm = ""
    }

    /// A client with the token of `role` (none when nil), one attempt per call.
    public func client(_ role: Role?) -> ChiboClient {
        ChiboClient(
            host: "127.0.0.1",
            port: port,
            configuration: ClientConfiguration(token: role.flatMap { tokens[$0] } ?? "", maxAttempts: 1)
        )
    }

    /// Runs `body` against a fresh gated server; `recheckInterval` and `nowMs` go to its gate;
    /// with `auditKey`, the server authenticates its audit log with it and writes checkpoints to
    /// `checkpoint` beside the database.
    public static func with(
        limits: AbuseLimits = AbuseLimits(),
        recheckInterval: Duration? = .seconds(1),
        nowMs: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) },
        auditKey: AuditKey? = nil,
        backend: AccessBackend = .sqlite,
        _ body: @Sendable (AccessHarness) async throws -> Void
    ) async throws {
        let folder = temporaryFolder("chibo-access")
        let path = folder.appendingPathComponent("chibo.sqlite").path
        let seal = try auditKey.map {
            try AuditSeal(key: $0, checkpointPath: folder.appendingPathComponent("checkpoint").path)
        }
        let store: any Store =
            switch backend {
            case .sqlite: try SQLiteStore(path: path, auditSeal: seal)
            case .postgres:
                try await PostgresStore(location: try AccessBackend.freshLocation(), readerThreads: 2, auditSeal: seal)
            }
        let gate = AccessGate(store: store, limits: limits, recheckInterval: recheckInterval, nowMs: nowMs)
        var registry = MethodRegistry(gate: gate)
        Records.register(into: &registry, store: store, access: gate)
        var configuration = ServerConfiguration(port: 0, storage: store.backendName)
        TestServer.patientHandshake(&configuration.limits)
        let server = ChiboServer(
            configuration: configuration,
            registry: registry,
            logger: TestServer.quietLogger
        )
        do {
            try await serve(server, gate: gate, store: store, path: path, body)
        } catch {
            await (store as? PostgresStore)?.close()
            throw error
        }
        await (store as? PostgresStore)?.close()
    }

    /// Runs the server, mints the tokens and loads the records, then runs `body`.
    private static func serve(
        _ server: ChiboServer,
        gate: AccessGate,
        store: any Store,
        path: String,
        _ body: @Sendable (AccessHarness) async throws -> Void
    ) async throws {
        try await TestServer.run(server) { running in
            let port = running.port
            var tokens: [Role: String] = [:]
            let admin = try await gate.authority.mint(
                name: "admin",
                role: .admin,
                scopeUnitID: "",
                expiresOn: nil,
                nowMs: 0
            )
            tokens[.admin] = admin.token
            var harness = AccessHarness(store: store, path: path, port: port, tokens: tokens, ids: Ids())
            let ids = try await harness.load()
            for (role, scope) in [(Role.officer, "mb"), (.viewer, "mb"), (.secretary, "bo"), (.auditor, "")] {
                tokens[role] = try await gate.authority.mint(
                    name: role.rawValue,
                    role: role,
                    scopeUnitID: scope,
                    expiresOn: nil,
                    nowMs: 0
                ).token
            }
            harness = AccessHarness(store: store, path: path, port: port, tokens: tokens, ids: ids)
            try await body(harness)
        }
    }

    /// Loads the tree and records as admin.
    public func load() async throws -> Ids {
        let client = client(.admin)
        defer { Task { await client.close() } }
        for unit in [
            OrgUnit(id: "tinh", code: "SL", name: "Tỉnh Sơn La", kind: .province),
            OrgUnit(id: "mb", code: "MB", name: "Xã Mường Bằng", kind: .commune, parentId: "tinh"),
            OrgUnit(id: "cm", code: "CM", name: "Xã Chiềng Mung", kind: .commune, parentId: "tinh"),
            OrgUnit(id: "bo", code: "MB-BO", name: "Chi bộ bản Bó", kind: .cell, parentId: "mb", meetingDay: 3),
            OrgUnit(id: "ang", code: "MB-ANG", name: "Chi bộ bản Áng", kind: .cell, parentId: "mb"),
            OrgUnit(id: "na", code: "CM-NA", name: "Chi bộ bản Na", kind: .cell, parentId: "cm"),
        ] {
            _ = try await client.unary(.orgUnitsCreate, CreateOrgUnitRequest(unit: unit), as: OrgUnitResponse.self)
        }
        let admitted = [StatusEvent(kind: .admitted, effectiveOn: day(2000, 1, 1))]
        for member in [
            Member(
                id: "b1",
                partyCardNumber: "010001",
                citizenId: "014085000123",
                fullName: "Lò Văn Bình",
                birthDate: day(1975, 5, 1),
                phone: "0912345678",
                cellId: "bo",
                events: admitted
            ),
            Member(id: "a1", fullName: "Hà Văn An", cellId: "ang", events: admitted),
            Member(id: "n1", partyCardNumber: "020001", fullName: "Lường Văn Nam", cellId: "na", events: admitted),
        ] {
            _ = try await client.unary(.membersCreate, CreateMemberRequest(member: member), as: MemberResponse.self)
        }
        var ids = Ids()
        for (cell, member) in [("bo", "b1"), ("na", "n1")] {
            let meeting = try await client.unary(
                .meetingsRecord,
                RecordMeetingRequest(
                    meeting: Meeting(
                        cellId: cell,
                        heldOn: day(2025, 3, 3),
                        kind: .regular,
                        attendance: [AttendanceRecord(memberId: member, state: .present)],
                        resolutions: [Resolution(text: "Làm đường", dueOn: day(2025, 6, 30), status: .open)]
                    )
                ),
                as: MeetingResponse.self
            ).meeting
            let evaluation = try await client.unary(
                .evaluationsCreate,
                CreateEvaluationRequest(
                    evaluation: Evaluation(subject: .orgUnit, subjectId: cell, year: 2024, result: .grade(.good))
                ),
                as: EvaluationResponse.self
            ).evaluation
            let rules = try await client.unary(
                .rulesCreate,
                CreateRuleSetRequest(
                    ruleSet: RuleSet(
                        scopeUnitId: cell == "bo" ? "mb" : "cm",
                        effectiveFrom: day(2019, 1, 1),
                        goodAttendanceBp: 9000
                    )
                ),
                as: RuleSetResponse.self
            ).ruleSet
            if cell == "bo" {
                ids.meetingBo = meeting?.id ?? ""
                ids.resolutionBo = meeting?.resolutions.first?.id ?? ""
                ids.evaluationBo = evaluation?.id ?? ""
                ids.rulesMb = rules?.id ?? ""
            } else {
                ids.meetingNa = meeting?.id ?? ""
                ids.resolutionNa = meeting?.resolutions.first?.id ?? ""
                ids.evaluationNa = evaluation?.id ?? ""
                ids.rulesCm = rules?.id ?? ""
            }
        }
        return ids
    }
}

/// The store a gated test server runs on: a SQLite file always; a fresh schema of the
/// PostgreSQL server the test command started, when one was given.
public enum AccessBackend: String, CaseIterable, Sendable {
    /// A SQLite file.
    case sqlite
    /// A fresh schema on the PostgreSQL server of the test command.
    case postgres

    static let environment = ProcessInfo.processInfo.environment

    /// SQLite always; PostgreSQL when the test command started a server (`tools/test` always
    /// does, and sets `CHIBO_REQUIRE_POSTGRES` so a missing server fails instead of skipping).
    public static var all: [AccessBackend] {
        environment["CHIBO_TEST_POSTGRES_URL"] != nil || environment["CHIBO_REQUIRE_POSTGRES"] != nil
            ? [.sqlite, .postgres] : [.sqlite]
    }

    /// A location in a new, empty schema.
    public static func freshLocation() throws -> PostgresLocation {
        guard let url = environment["CHIBO_TEST_POSTGRES_URL"] else {
            throw StoreError.unavailable("CHIBO_TEST_POSTGRES_URL is not set: run the tests with tools/test")
        }
        let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
        return try PostgresLocation(
            url: url + "?schema=\(schema)",
            passwordFile: environment["CHIBO_TEST_POSTGRES_PASSWORD_FILE"]
        )
    }
}

/// The outcome of a call as the access tests see it.
public enum Outcome: Equatable, Sendable, CustomStringConvertible {
    /// The gate let the call through (the handler may still have refused it on its merits).
    case passed(StatusCode)
    /// The gate refused it.
    case refused(StatusCode)

    /// How the call ended, in words.
    public var description: String {
        switch self {
        case .passed(let code): "passed (\(code))"
        case .refused(let code): "refused (\(code))"
        }
    }

    /// Whether the gate refused the call.
    public var wasRefused: Bool {
        if case .refused = self { true } else { false }
    }

    /// Runs a call and classifies how it ended.
    /// With `absentMeansRefused`, NOT_FOUND counts as a refusal: the gate answers a record out
    /// of the token's reach as absent, and the caller names records that exist.
    public static func of(absentMeansRefused: Bool = false, _ call: () async throws -> Void) async -> Outcome {
        do {
            try await call()
            return .passed(.ok)
        } catch let error as ClientError {
            switch error.code {
            case .permissionDenied, .unauthenticated: return .refused(error.code)
            case .notFound where absentMeansRefused: return .refused(error.code)
            default: return .passed(error.code)
            }
        } catch {
            return .passed(.unknown)
        }
    }
}
