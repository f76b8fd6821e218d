import ChiboModel
import ChiboStore
import ChiboStorePostgres
import ChiboTesting
import Foundation
import Logging
import PostgresNIO
import Testing

/// What only the PostgreSQL store does: its migrations, several stores (servers) on one
/// database.
@Suite(.enabled(if: PostgresTestDatabase.isAvailable, "needs the PostgreSQL server tools/test starts"))
struct PostgresStoreTests {
    static func context(_ actor: String = "test", at nowMs: Int64 = 1_700_000_000_000) -> MutationContext {
        MutationContext(requestID: "", validateOnly: false, actor: actor, nowMs: nowMs)
    }

    @Test func reopeningMigratesNothingAndKeepsTheRecords() async throws {
        let location = try PostgresTestDatabase.freshLocation()
        let first = try await PostgresStore(location: location, readerThreads: 1)
        let unit = try await first.createOrgUnit(
            OrgUnit(code: "MB", name: "Mường Bằng", kind: .commune),
            context: Self.context()
        )
        #expect(try await first.schemaVersion == PostgresStore.latestSchemaVersion)
        await first.close()
        let second = try await PostgresStore(location: location, readerThreads: 1)
        #expect(try await second.schemaVersion == PostgresStore.latestSchemaVersion)
        #expect(try await second.orgUnit(code: "MB") == unit)
        // The national rule sets were seeded once, not once per start.
        #expect(try await second.listRuleSets(RuleSetQuery()).records.count == NationalRules.all.count)
        await second.close()
    }

    @Test func aListOfIdsReachesTheServerAsItWasWhateverItHolds() async throws {
        let store = try await PostgresStore(location: try PostgresTestDatabase.freshLocation(), readerThreads: 1)
        let ids = ["ou-1", "a\"b", "c\\d", "e\\\"f", "Mường Bằng", "g,h", "{i}", ""]
        let back = try await store.engine.read { db in
            try String.fetchAll(db, sql: "SELECT unnest(CAST(? AS TEXT[]))", arguments: [try db.idList(ids)])
        }
        #expect(back == ids)
        await store.close()
    }

    @Test func aDatabaseMigratedByANewerVersionIsRefused() async throws {
        let location = try PostgresTestDatabase.freshLocation()
        try await PostgresStore(location: location, readerThreads: 1).close()
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: location.host,
                port: location.port,
                username: location.user,
                password: location.password,
                database: location.database,
                tls: .disable
            ),
            id: 1,
            logger: Logger(label: "test")
        )
        try await connection.query(
            "INSERT INTO \(unescaped: location.schema).chibo_migration (version, name) VALUES (99, 'from the future')",
            logger: Logger(label: "test")
        )
        try await connection.close()
        await #expect {
            _ = try await PostgresStore(location: location, readerThreads: 1)
        } throws: { error in
            guard case StoreError.newerSchema = error else { return false }
            return true
        }
    }

    @Test func serversStartingTogetherMigrateOnce() async throws {
        let location = try PostgresTestDatabase.freshLocation()
        async let first = PostgresStore(location: location, readerThreads: 1)
        async let second = PostgresStore(location: location, readerThreads: 1)
        let stores = try await [first, second]
        for store in stores {
            #expect(try await store.schemaVersion == PostgresStore.latestSchemaVersion)
            #expect(try await store.listRuleSets(RuleSetQuery()).records.count == NationalRules.all.count)
            await store.close()
        }
    }

    @Test func aChangeThroughOneServerWakesTheOthersChangeFeed() async throws {
        let location = try PostgresTestDatabase.freshLocation()
        let writer = try await PostgresStore(location: location, readerThreads: 1)
        let follower = try await PostgresStore(location: location, readerThreads: 1)
        // The follower's listener is up once it has announced itself (it notifies on connect).
        try? await waitUntil("the follower's listener to announce itself") { follower.changeSignal.generation != 0 }
        let before = follower.changeSignal.generation
        _ = try await writer.createOrgUnit(
            OrgUnit(code: "MB", name: "Mường Bằng", kind: .commune),
            context: Self.context()
        )
        let woken =
            (try? await withBound("the follower's change signal") {
                await follower.changeSignal.wait(after: before)
                return true
            }) ?? false
        #expect(woken, "the follower's change signal did not move after a write through the other store")
        #expect(try await follower.changes(after: 0, limit: 10).count == 1)
        await writer.close()
        await follower.close()
    }

    @Test func writersThroughTwoServersFormOneAuditChainAndLoseNothing() async throws {
        let location = try PostgresTestDatabase.freshLocation()
        let left = try await PostgresStore(location: location, readerThreads: 1)
        let right = try await PostgresStore(location: location, readerThreads: 1)
        let commune = try await left.createOrgUnit(
            OrgUnit(code: "MB", name: "Mường Bằng", kind: .commune),
            context: Self.context()
        )
        let perServer = 40
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (name, store) in [("left", left), ("right", right)] {
                for index in 0..<perServer {
                    group.addTask {
                        _ = try await store.createOrgUnit(
                            OrgUnit(
                                code: "\(name)-\(index)",
                                name: "Chi bộ \(name) \(index)",
                                kind: .cell,
                                parentId: commune.id
                            ),
                            context: Self.context(name)
                        )
                    }
                }
            }
            try await group.waitForAll()
        }
        let cells = try await right.listOrgUnits(OrgUnitQuery(parentID: commune.id, pageSize: 1000)).records
        #expect(cells.count == 2 * perServer)
        let audit = try await left.auditEntries(AuditQuery(afterSeq: 0, limit: 10_000))
        #expect(audit.count == 1 + 2 * perServer)
        #expect(audit.map(\.seq) == Array(1...Int64(audit.count)))
        #expect(AuditChain.verify(audit) == nil)
        let changes = try await left.changes(after: 0, limit: 1000)
        #expect(changes.map(\.seq) == changes.map(\.seq).sorted())
        #expect(changes.count == 1 + 2 * perServer)
        await left.close()
        await right.close()
    }

    @Test func aRetryThroughAnotherServerGetsTheFirstOutcome() async throws {
        let location = try PostgresTestDatabase.freshLocation()
        let left = try await PostgresStore(location: location, readerThreads: 1)
        let right = try await PostgresStore(location: location, readerThreads: 1)
        let retried = MutationContext(
            requestID: "retry-1",
            validateOnly: false,
            actor: "test",
            nowMs: 1_700_000_000_000
        )
        let first = try await left.createOrgUnit(
            OrgUnit(code: "MB", name: "Mường Bằng", kind: .commune),
            context: retried
        )
        // The client lost the answer and retries through the other server, which returns the
        // stored outcome and writes nothing.
        let second = try await right.createOrgUnit(
            OrgUnit(code: "MB", name: "Mường Bằng", kind: .commune),
            context: retried
        )
        #expect(second == first)
        #expect(try await right.listOrgUnits(OrgUnitQuery()).records.count == 1)
        #expect(try await right.changes(after: 0, limit: 10).count == 1)
        await left.close()
        await right.close()
    }

    @Test func anEditThroughAnotherServerIsNeverSilentlyOverwritten() async throws {
        let location = try PostgresTestDatabase.freshLocation()
        let left = try await PostgresStore(location: location, readerThreads: 1)
        let right = try await PostgresStore(location: location, readerThreads: 1)
        let unit = try await left.createOrgUnit(
            OrgUnit(code: "MB", name: "Mường Bằng", kind: .commune),
            context: Self.context()
        )
        var renamed = unit
        renamed.name = "Xã Mường Bằng"
        _ = try await left.updateOrgUnit(renamed, mask: ["name"], context: Self.context())
        var stale = unit
        stale.name = "Đảng bộ xã Mường Bằng"
        await #expect {
            _ = try await right.updateOrgUnit(stale, mask: ["name"], context: Self.context())
        } throws: { error in
            guard case StoreError.staleRevision(_, _, let expected, let actual) = error else { return false }
            return expected == 1 && actual == 2
        }
        #expect(try await right.orgUnit(id: unit.id)?.name == "Xã Mường Bằng")
        await left.close()
        await right.close()
    }

    @Test func aServerThatIsNotThereIsReportedAsUnavailable() async throws {
        let port = 1  // nothing listens on port 1 of loopback
        let location = try PostgresLocation(url: "postgres://chibo@127.0.0.1:\(port)/chibo", environment: [:])
        await #expect {
            _ = try await PostgresStore(location: location, readerThreads: 1)
        } throws: { error in
            guard case StoreError.unavailable(let message) = error else { return false }
            return message.contains("cannot connect to PostgreSQL")
        }
    }
}

/// Reading `--db postgres://…`: no server needed.
@Suite struct PostgresLocationTests {
    @Test func readsTheURLAndTakesThePasswordFromTheEnvironmentOrAFile() throws {
        let location = try PostgresLocation(
            url: "postgres://chibo@db.example:6543/chibo?sslmode=require&schema=tinh",
            environment: ["PGPASSWORD": "from-env"]
        )
        #expect(location.host == "db.example")
        #expect(location.port == 6543)
        #expect(location.user == "chibo")
        #expect(location.database == "chibo")
        #expect(location.schema == "tinh")
        #expect(location.tls == .require)
        #expect(location.password == "from-env")
        #expect(!location.description.contains("from-env"))

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pgpass-\(UUID().uuidString)").path
        try "from-file\nignored\n".write(toFile: file, atomically: true, encoding: .utf8)
        let fromFile = try PostgresLocation(
            url: "postgresql://chibo@127.0.0.1/chibo",
            passwordFile: file,
            environment: ["PGPASSWORD": "from-env"]
        )
        #expect(fromFile.password == "from-file")
        #expect(fromFile.port == 5432)
        #expect(fromFile.tls == .disable)
    }

    @Test func readsSeveralHostsInLibpqsForm() throws {
        let location = try PostgresLocation(
            url: "postgres://chibo@10.0.0.1:5433,db2.example,[::1]:6000/chibo?schema=tinh",
            environment: [:]
        )
        #expect(
            location.endpoints == [
                .init(host: "10.0.0.1", port: 5433), .init(host: "db2.example", port: 5432),
                .init(host: "::1", port: 6000),
            ]
        )
        #expect(location.host == "10.0.0.1")
        #expect(location.database == "chibo")
        #expect(location.description == "postgres://chibo@10.0.0.1:5433,db2.example:5432,[::1]:6000/chibo?schema=tinh")
        #expect(location.requiresWritable)
        // The URI `pg_autoctl show uri` prints is taken as it is.
        let autoctl = try PostgresLocation(
            url: "postgres://chibo@127.0.0.1:6002,127.0.0.1:6001/chibo?target_session_attrs=read-write&sslmode=prefer",
            environment: [:]
        )
        #expect(autoctl.endpoints.map(\.port) == [6002, 6001])
        #expect(autoctl.requiresWritable && autoctl.tls == .prefer)
        #expect(try !PostgresLocation(url: "postgres://chibo@h1,h2/chibo?target_session_attrs=any").requiresWritable)
    }

    @Test(arguments: [
        ("postgres://chibo@h1:5432,,h2/chibo", "no host"),
        ("postgres://chibo@h1:99999/chibo", "port of h1:99999"),
        ("postgres://chibo@h1:x/chibo", "port of h1:x"),
        ("postgres://chibo@[::1/chibo", "bracket"),
        ("postgres://chibo@h1,h2/chibo?target_session_attrs=standby", "target_session_attrs"),
        ("postgres://chibo:secret@127.0.0.1/chibo", "PGPASSWORD"),
        ("postgres://127.0.0.1/chibo", "no user"),
        ("postgres://chibo@127.0.0.1", "no database"),
        ("postgres://chibo@127.0.0.1/chibo?sslmode=maybe", "sslmode"),
        ("postgres://chibo@127.0.0.1/chibo?schema=x;drop", "schema"),
        ("postgres://chibo@127.0.0.1/chibo?color=blue", "unknown URL parameter color"),
    ])
    func refusesAURLThatIsWrongAndSaysWhy(url: String, reason: String) {
        #expect {
            _ = try PostgresLocation(url: url, environment: [:])
        } throws: { error in
            guard case StoreError.unavailable(let message) = error else { return false }
            return message.contains(reason)
        }
    }

    @Test func aMissingPasswordFileIsNamed() {
        #expect {
            _ = try PostgresLocation(url: "postgres://chibo@127.0.0.1/chibo", passwordFile: "/nonexistent/pgpass")
        } throws: { error in
            "\(error)".contains("/nonexistent/pgpass")
        }
    }
}
