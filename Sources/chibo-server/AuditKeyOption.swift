import ArgumentParser
import ChiboStore
import Foundation

/// `--audit-key` and `--audit-checkpoint` of the subcommands that write audit entries: the key
/// every entry is authenticated with, kept outside the database, and where the signed
/// checkpoints of the log's head go.
struct AuditKeyOption: ParsableArguments {
    @Option(
        name: .long,
        help: """
            File of the audit key (64 hex digits, mode 0600), made when absent. Default for SQLite: \
            DB.audit-key beside the database; required for PostgreSQL (the same file on every server).
            """
    )
    var auditKey: String?

    @Option(name: .long, help: "Where signed checkpoints of the audit log's head go (default: KEY.checkpoint).")
    var auditCheckpoint: String?

    /// The key file for `database`: `--audit-key`, or the default beside a SQLite file.
    func keyPath(for database: DatabaseOption) throws -> String {
        if let auditKey { return auditKey }
        guard !database.isPostgres else {
            throw ValidationError(
                "--audit-key FILE is required with a PostgreSQL --db: every server sharing the database "
                    + "authenticates the audit log with the same key file (docs/SECURITY.md)"
            )
        }
        return AuditKeyFile.defaultPath(forDatabase: database.db)
    }

    /// The checkpoint file that goes with the key at `keyPath`.
    func checkpointPath(keyPath: String) -> String {
        auditCheckpoint ?? AuditKeyFile.checkpointPath(forKey: keyPath)
    }

    /// The seal for writing to `database`: the key (made when absent, said on standard error)
    /// and its checkpoint file.
    func seal(for database: DatabaseOption) throws -> AuditSeal {
        let path = try keyPath(for: database)
        do {
            let (key, created) = try AuditKeyFile.loadOrCreate(path: path)
            if created {
                FileHandle.standardError.write(
                    Data(
                        ("made the audit key \(path) (key id \(key.id)): keep a copy away from the database; "
                            + "every server sharing the database needs this same file\n").utf8
                    )
                )
            }
            return try AuditSeal(key: key, checkpointPath: checkpointPath(keyPath: path))
        } catch {
            throw ValidationError("--audit-key: \(error)")
        }
    }
}
