import ChiboClient
import ChiboModel
import ChiboTesting
import Foundation
import Synchronization
import Testing

/// `chibo-server` over PostgreSQL servers of the test's own (`tools/postgres`): reads from a hot
/// standby with read-your-writes, PostgreSQL restarted under a running server, and the primary
/// stopped and the standby promoted under a server given both hosts.
@Suite(
    .enabled(if: TestPostgres.isAvailable, "needs PostgreSQL, which tools/test installs"),
    .serialized
)
struct StandbyFailoverTests {

    @Test func readsGoToTheStandbyAndAClientReadsItsOwnWriteAtOnce() async throws {
        try await PostgresCluster.with(pair: true) { cluster in try await readsFromTheStandby(cluster) }
    }

    private func readsFromTheStandby(_ cluster: PostgresCluster) async throws {
        let standby = try #require(cluster.standbyURL)
        let server = try ChiboServerOnPostgres(
            cluster: cluster,
            db: cluster.primaryURL,
            extra: ["--db-replica", standby, "--db-replica-wait", "300", "--log-level", "warning"]
        )
        defer { server.stop() }
        let client = server.client()

        // Each unit is read back at once, through a get and a list, by the client that made it.
        var made: [String: String] = [:]
        for index in 1...5 {
            let id = try await client.createUnit(code: "X\(index)")
            made["X\(index)"] = id
            #expect(try await client.unit(id: id)?.code == "X\(index)")
            #expect(try await client.unitCodes().contains("X\(index)"))
        }

        // The standby stops replaying: a unit made now is still read back at once (from the
        // primary, once the standby has not caught up within the wait), and the server says why.
        try await cluster.sql(standby, "SELECT pg_wal_replay_pause()")
        let paused = try await client.createUnit(code: "Y")
        #expect(try await client.unit(id: paused)?.code == "Y")
        #expect(try await client.unitCodes().contains("Y"))
        try await waitUntil("the server to log that reads skip the standby", bound: .seconds(120)) {
            server.launched.errors.contains("reads skip the standby")
        }
        try await cluster.sql(standby, "SELECT pg_wal_replay_resume()")
        try await PostgresCluster.tool(["wait-replayed", cluster.folder.path])

        // With the primary stopped, reads are still answered: they come from the standby.
        try await PostgresCluster.tool(["stop", cluster.primaryFolder])
        try await waitUntil("reads answered with the primary stopped", bound: .seconds(300), every: .milliseconds(200))
        {
            (try? await client.unitCodes()) == Set(made.keys).union(["Y"])
        }
        for (code, id) in made { #expect(try await client.unit(id: id)?.code == code) }
        // And writes are refused as unavailable, with a message.
        await #expect {
            _ = try await client.createUnit(code: "Z")
        } throws: { error in
            guard let error = error as? ClientError else { return false }
            return error.code == .unavailable && !error.message.isEmpty
        }
        await client.close()
    }

    @Test func postgresRestartedUnderARunningServer() async throws {
        try await PostgresCluster.with(pair: false) { cluster in try await restartUnderAServer(cluster) }
    }

    private func restartUnderAServer(_ cluster: PostgresCluster) async throws {
        let server = try ChiboServerOnPostgres(cluster: cluster, db: cluster.primaryURL)
        defer { server.stop() }
        let client = server.client()
        var acknowledged: Set<String> = []
        for index in 1...3 {
            _ = try await client.createUnit(code: "A\(index)")
            acknowledged.insert("A\(index)")
        }

        // A follower of the change feed, resubscribing from its cursor when its stream ends.
        let follower = FeedFollower(client: server.client())
        defer { follower.stop() }
        try await waitUntil("the follower to see the first units", bound: .seconds(120)) {
            follower.codes.isSuperset(of: acknowledged)
        }

        // A call in flight: a write waiting for the write lock, which a session of the test holds.
        let holder = try cluster.session(cluster.primaryURL, "SELECT pg_advisory_lock(hashtext('chibo write public'));")
        defer { if holder.isRunning { holder.terminate() } }
        try await waitUntil("the test's session to hold the write lock", bound: .seconds(120), every: .milliseconds(50))
        {
            try await cluster.sql(
                cluster.primaryURL,
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            ) != "0"
        }
        let inFlight = Task { try await client.createUnit(code: "INFLIGHT") }
        try await waitUntil("the write to wait for the lock", bound: .seconds(120), every: .milliseconds(50)) {
            let waiting = try await cluster.sql(
                cluster.primaryURL,
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'chibo-server' AND wait_event_type = 'Lock'"
            )
            return waiting != "0"
        }

        // PostgreSQL crashes and starts again.
        try await PostgresCluster.tool(["restart", cluster.primaryFolder, "--immediate"])
        await #expect {
            _ = try await inFlight.value
        } throws: { error in
            guard let error = error as? ClientError else { return false }
            return error.code == .unavailable && error.message.contains("PostgreSQL")
        }

        // The server connects again by itself: a later write succeeds (each failure meanwhile is
        // UNAVAILABLE).
        var failures: [String] = []
        try await waitUntil("a write to succeed after the restart", bound: .seconds(300), every: .milliseconds(200)) {
            do {
                _ = try await client.createUnit(code: "B1")
                return true
            } catch let error as ClientError where error.code == .unavailable {
                return false
            } catch {
                failures.append("\(error)")
                return true
            }
        }
        #expect(failures.isEmpty, "\(failures)")
        acknowledged.insert("B1")

        // Nothing acknowledged is lost, and the follower resumes: it sees the new unit.
        #expect(try await client.unitCodes().isSuperset(of: acknowledged))
        try await waitUntil("the follower to see the unit made after the restart", bound: .seconds(300)) {
            follower.codes.contains("B1")
        }
        #expect(follower.codes.isSuperset(of: acknowledged))
        #expect(follower.seqsAreIncreasing, "the follower saw a change twice or out of order")
        await client.close()
    }

    @Test func writesResumeAfterTheStandbyIsPromoted() async throws {
        try await PostgresCluster.with(pair: true) { cluster in try await promotionUnderAServer(cluster) }
    }

    private func promotionUnderAServer(_ cluster: PostgresCluster) async throws {
        let server = try ChiboServerOnPostgres(cluster: cluster, db: cluster.multiHostURL)
        defer { server.stop() }
        let client = server.client()
        _ = try await client.createUnit(code: "BEFORE")
        try await PostgresCluster.tool(["wait-replayed", cluster.folder.path])

        // The primary goes away; the standby is promoted.
        try await PostgresCluster.tool(["stop", cluster.primaryFolder])
        try await PostgresCluster.tool(["promote", cluster.standbyFolder])

        var failures: [String] = []
        try await waitUntil("a write to succeed after the promotion", bound: .seconds(300), every: .milliseconds(200)) {
            do {
                _ = try await client.createUnit(code: "AFTER")
                return true
            } catch let error as ClientError where error.code == .unavailable {
                return false
            } catch {
                failures.append("\(error)")
                return true
            }
        }
        #expect(failures.isEmpty, "\(failures)")
        #expect(try await client.unitCodes() == ["BEFORE", "AFTER"])
        // The write went to the promoted standby.
        let stored = try await cluster.sql(
            try #require(cluster.standbyURL),
            "SELECT count(*) FROM org_unit"
        )
        #expect(stored == "2")
        await client.close()
    }
}

/// A `chibo-server` on PostgreSQL servers of a `PostgresCluster`, with an admin token.
final class ChiboServerOnPostgres: Sendable {
    let launched: LaunchedServer
    let token: String

    init(cluster: PostgresCluster, db: String, extra: [String] = []) throws {
        let environment = ["PGPASSWORD": cluster.password]
        let folder = temporaryFolder("chibo-standby")
        let keyArguments = [
            "--audit-key", folder.appendingPathComponent("audit-key").path,
            "--audit-checkpoint", folder.appendingPathComponent("audit.checkpoint").path,
        ]
        token = try LaunchedServer.makeToken(
            db: db,
            role: "admin",
            name: "standby-test",
            extra: keyArguments,
            environment: environment
        )
        launched = try LaunchedServer(db: db, extra: keyArguments + extra, environment: environment)
        guard launched.hostAndPort != nil else {
            throw PostgresCluster.ClusterError(text: "chibo-server did not start: \(launched.errors)")
        }
    }

    /// A client with the admin token, one attempt per call.
    func client() -> ChiboClient {
        let (host, port) = launched.hostAndPort ?? ("127.0.0.1", 0)
        return ChiboClient(host: host, port: port, configuration: ClientConfiguration(token: token, maxAttempts: 1))
    }

    func stop() { launched.stop() }
}

extension ChiboClient {
    /// Makes a commune with `code`; its id.
    func createUnit(code: String) async throws -> String {
        let response = try await unary(
            .orgUnitsCreate,
            CreateOrgUnitRequest(unit: OrgUnit(code: code, name: "Xã \(code)", kind: .commune)),
            as: OrgUnitResponse.self
        )
        return response.unit?.id ?? ""
    }

    /// The unit with `id`; nil when there is none.
    func unit(id: String) async throws -> OrgUnit? {
        do {
            return try await unary(.orgUnitsGet, GetOrgUnitRequest(id: id), as: OrgUnitResponse.self).unit
        } catch let error as ClientError where error.code == .notFound {
            return nil
        }
    }

    /// The codes of every unit, by listing them.
    func unitCodes() async throws -> Set<String> {
        var codes: Set<String> = []
        for try await unit in try await serverStream(
            .orgUnitsList,
            ListOrgUnitsRequest(page: PageRequest(pageSize: 1000)),
            as: OrgUnit.self
        ) {
            codes.insert(unit.code)
        }
        return codes
    }
}

/// Follows the change feed, and when its stream ends (the database went away), subscribes again
/// after the last change it saw, as a client of the feed does.
final class FeedFollower: Sendable {
    /// What it saw.
    final class Seen: Sendable {
        let value = Mutex<(codes: Set<String>, seqs: [Int64])>(([], []))
    }

    private let seen = Seen()
    private let task: Task<Void, Never>

    init(client: ChiboClient) {
        let seen = seen
        task = Task {
            var cursor: Int64 = 0
            while !Task.isCancelled {
                do {
                    for try await change in try await client.serverStream(
                        .changesFollow,
                        FollowChangesRequest(after: cursor, follow: true),
                        as: ChangeEvent.self
                    ) {
                        cursor = change.seq
                        seen.value.withLock { seen in
                            seen.seqs.append(change.seq)
                            if case .orgUnit(let unit)? = change.record { seen.codes.insert(unit.code) }
                        }
                    }
                } catch {
                    // Subscribing again is what is tested; a pause keeps a database that is
                    // down from being asked in a tight loop.
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
            await client.close()
        }
    }

    /// The codes of the units whose changes it saw.
    var codes: Set<String> { seen.value.withLock { $0.codes } }

    /// Whether every change came once, in order.
    var seqsAreIncreasing: Bool {
        seen.value.withLock { zip($0.seqs, $0.seqs.dropFirst()).allSatisfy { $0 < $1 } }
    }

    func stop() { task.cancel() }
}

/// `--db-replica` refuses what cannot work, naming the option; no server needed.
@Suite struct ReplicaOptionTests {
    @Test(arguments: [
        (["--db", "chibo.sqlite", "--db-replica", "postgres://chibo@127.0.0.1/chibo"], "needs a postgres:// --db"),
        (
            ["--db", "postgres://chibo@127.0.0.1/chibo", "--db-replica", "postgres://chibo@h1,h2/chibo"],
            "give each standby its own --db-replica"
        ),
        (["--db", "postgres://chibo@127.0.0.1/chibo", "--db-replica", "standby.internal"], "--db-replica standby"),
        (
            [
                "--db", "postgres://chibo@127.0.0.1/chibo", "--db-replica", "postgres://chibo@h1/chibo",
                "--db-replica-wait", "70000",
            ],
            "--db-replica-wait must be 0 to 60000"
        ),
    ])
    func refusesAStandbyThatCannotWork(arguments: [String], message: String) throws {
        let folder = temporaryFolder("chibo-replica-option")
        let result = try Executables.run(
            "chibo-server",
            arguments.map { $0 == "chibo.sqlite" ? folder.appendingPathComponent($0).path : $0 } + [
                "--listen", "127.0.0.1:0",
            ]
        )
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }
}
