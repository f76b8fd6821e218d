import ArgumentParser
import ChiboStore
import Foundation

/// `chibo-server audit verify`: checks the audit log on the database itself, with the key file,
/// against checkpoints kept elsewhere; needs no server and writes nothing.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check the audit log on the database directly.",
        subcommands: [Verify.self]
    )

    /// `audit verify`.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the audit log's hash chain, MACs and checkpoints; exits 1 when it was tampered with.",
            discussion: """
                With the audit key (--audit-key, or DB.audit-key beside a SQLite file when it exists) \
                every MAC is checked, so an entry edited and the chain recomputed after it shows. The \
                checkpoint beside the key and every --checkpoint FILE show a log cut short or rewritten. \
                Without a key only the plain hash chain is checked. Prints the head as a new checkpoint \
                line when the key is given.
                """
        )

        @OptionGroup var database: DatabaseOption

        @Option(name: .long, help: "File of the audit key (default for SQLite: DB.audit-key, if present).")
        var auditKey: String?

        @Option(name: .long, help: "A checkpoint file to check the log against (repeatable).")
        var checkpoint: [String] = []

        func run() async throws {
            var key: AuditKey?
            var checkpoints: [AuditCheckpoint] = []
            var keyPath = auditKey
            if keyPath == nil && !database.isPostgres {
                let beside = AuditKeyFile.defaultPath(forDatabase: database.db)
                if FileManager.default.fileExists(atPath: beside) { keyPath = beside }
            }
            var checkpointFiles = checkpoint
            do {
                if let keyPath {
                    key = try AuditKeyFile.load(path: keyPath)
                    let beside = AuditKeyFile.checkpointPath(forKey: keyPath)
                    if !checkpointFiles.contains(beside) && FileManager.default.fileExists(atPath: beside) {
                        checkpointFiles.append(beside)
                    }
                }
                for file in checkpointFiles {
                    guard let read = try AuditCheckpointFile.read(path: file) else {
                        throw AuditKeyError("--checkpoint \(file): no such file")
                    }
                    checkpoints.append(read)
                }
            } catch {
                throw ValidationError("\(error)")
            }
            let found = try await Self.verify(database: database, key: key, checkpoints: checkpoints)
            print("intact\t\(found.intact ? "yes" : "NO")")
            print("entries\t\(found.entries)")
            print("changes proved\t\(found.changesChecked)")
            print("keyed from\t\(found.keyedFromSeq == 0 ? "-" : String(found.keyedFromSeq))")
            print("key\t\(key.map { "\($0.id) (MACs checked)" } ?? "none: only the plain hash chain was checked")")
            print("checkpoints\t\(found.checkpointsChecked) of \(checkpointFiles.joined(separator: ", "))")
            print("head hash\t\(found.headHash)")
            if !found.intact {
                print("first broken\t\(found.firstBrokenSeq)")
                print("problem\t\(found.problem)")
                throw CommandFailure(description: "the audit log is not intact: \(found.problem)")
            }
            if let key, found.headSeq > 0 {
                let head = AuditCheckpoint(
                    seq: found.headSeq,
                    headHash: found.headHash,
                    keyedFromSeq: found.keyedFromSeq,
                    atMs: Int64(Date().timeIntervalSince1970 * 1000),
                    key: key
                )
                print("checkpoint\t\(head.text)")
            }
        }

        /// Opens the database without a seal (this command writes nothing) and verifies it.
        static func verify(
            database: DatabaseOption,
            key: AuditKey?,
            checkpoints: [AuditCheckpoint]
        ) async throws -> AuditVerification {
            var found = AuditVerification()
            try await database.withStore { store in
                found = try await AuditVerifier.verify(store: store, key: key, checkpoints: checkpoints)
            }
            return found
        }
    }
}
