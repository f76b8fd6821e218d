import ArgumentParser
import ChiboStore
import ChiboStorePostgres

/// `--db-replica` and `--db-replica-wait` of `serve`: hot standbys of a PostgreSQL `--db` that
/// reports, lists, gets and the change feed's catch-up read from (docs/DEPLOY.md).
struct ReplicaOptions: ParsableArguments {
    @Option(
        name: .long,
        help: """
            A hot standby of the PostgreSQL --db to read from, postgres://USER@HOST:PORT/DATABASE \
            (repeatable; one host each; same user and password as --db). Writes, and reads that \
            belong to a write, go to --db; a read waits for the standby to replay this server's \
            last commit, else reads --db.
            """
    )
    var dbReplica: [String] = []

    @Option(
        name: .long,
        help: """
            Milliseconds a read waits for a standby to replay this server's last commit before \
            it reads --db instead (the standby is then left out for 5 s, with a log line).
            """
    )
    var dbReplicaWait: Int = 500

    /// Refuses standbys without a PostgreSQL `--db`, URLs that are not PostgreSQL URLs of one
    /// host, and a wait out of range.
    func validate(database: DatabaseOption) throws {
        guard !dbReplica.isEmpty else { return }
        guard database.isPostgres else {
            throw ValidationError("--db-replica needs a postgres:// --db (the primary the standby copies)")
        }
        guard (0...60_000).contains(dbReplicaWait) else {
            throw ValidationError("--db-replica-wait must be 0 to 60000 milliseconds, got \(dbReplicaWait)")
        }
        for url in dbReplica {
            let location: PostgresLocation
            do {
                // Without the password: only the URL's shape is checked here.
                location = try PostgresLocation(url: url, environment: [:])
            } catch let error as StoreError {
                throw ValidationError("--db-replica \(url): \(error)")
            }
            if location.endpoints.count > 1 {
                throw ValidationError(
                    "--db-replica \(url) names \(location.endpoints.count) hosts: give each standby its own --db-replica"
                )
            }
        }
    }
}
