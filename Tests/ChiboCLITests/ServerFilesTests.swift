import ChiboTesting
import Foundation
import Testing

/// What `chibo-server` does with the files it keeps records in: the database made private when
/// it opens, backups only to new files, restores refused under a running server, and tokens
/// whose scope would not bind refused.
@Suite struct ServerFilesTests {
    /// Runs `chibo-server` with `arguments`.
    static func server(_ arguments: [String]) throws -> RunResult {
        try Executables.run("chibo-server", arguments)
    }

    static func mode(_ path: String) throws -> Int? {
        try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
    }

    @Test func adminAndAuditorTokensWithAScopeAreRefused() throws {
        let db = temporaryFolder().appendingPathComponent("chibo.sqlite").path
        for role in ["admin", "auditor"] {
            let result = try Self.server(["token", "create", "--db", db, "--role", role, "--scope", "MB"])
            #expect(result.status != 0)
            #expect(result.stdout.isEmpty, "no token printed")
            #expect(result.stderr.contains("--scope MB"), "\(result.stderr)")
            #expect(result.stderr.contains("leave --scope out"), "\(result.stderr)")
        }
        let made = try Self.server(["token", "create", "--db", db, "--role", "auditor"])
        #expect(made.status == 0, "\(made.stderr)")
        let list = try Self.server(["token", "list", "--db", db])
        #expect(list.stdout.split(separator: "\n").count == 2, "only the auditor token without scope: \(list.stdout)")
    }

    @Test func statsShowWhereTheSpaceGoes() throws {
        let db = temporaryFolder().appendingPathComponent("chibo.sqlite").path
        #expect(try Self.server(["token", "create", "--db", db, "--role", "admin"]).status == 0)
        let stats = try Self.server(["stats", "--db", db])
        #expect(stats.status == 0, "\(stats.stderr)")
        let lines = stats.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(lines.first == ["TABLE", "/", "INDEX", "ROWS", "BYTES", "MB", "SHARE"], "\(stats.stdout)")
        // The token, its audit entry and the national rule sets, each table with its rows.
        #expect(lines.contains { $0.first == "token" && $0[1] == "1" }, "\(stats.stdout)")
        #expect(lines.contains { $0.first == "audit_log" && $0[1] == "1" }, "\(stats.stdout)")
        #expect(lines.contains { $0.first == "rule_set" && (Int($0[1]) ?? 0) > 0 }, "\(stats.stdout)")
        #expect(lines.last?.first == "total" && lines.last?.last == "100.0%", "\(stats.stdout)")
        let unreachable = try Self.server(["stats", "--db", "postgres://nobody@127.0.0.1:1/none"])
        #expect(unreachable.status != 0 && unreachable.stderr.contains("--db"), "\(unreachable.stderr)")
        let absent = temporaryFolder().appendingPathComponent("typo.sqlite").path
        let missing = try Self.server(["stats", "--db", absent])
        #expect(missing.status != 0 && missing.stderr.contains("no such database file"), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: absent), "a mistyped path is not created")
    }

    @Test func aDatabaseReadableByOthersIsMadePrivateWhenTheServerOpensIt() throws {
        let db = temporaryFolder().appendingPathComponent("chibo.sqlite").path
        let made = try Self.server(["token", "create", "--db", db, "--role", "admin"])
        #expect(made.status == 0)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: db)
        let server = try ServerProcess(db: db, token: made.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        defer { server.stop() }
        #expect(try server.ok(["server", "health"]).isEmpty == false, "the server answers")
        // The WAL and shared-memory files of the running server, made readable by others, are
        // made private again by the next process that opens the database.
        for file in [db, db + "-wal", db + "-shm"] {
            #expect(try Self.mode(file) == 0o600, "\(file)")
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        }
        #expect(try Self.server(["token", "list", "--db", db]).status == 0)
        for file in [db, db + "-wal", db + "-shm"] { #expect(try Self.mode(file) == 0o600, "\(file)") }
    }

    @Test func aBackupIsWrittenOnlyToANewFile() throws {
        let folder = temporaryFolder()
        let db = folder.appendingPathComponent("chibo.sqlite").path
        #expect(try Self.server(["token", "create", "--db", db, "--role", "admin"]).status == 0)
        let existing = folder.appendingPathComponent("existing.sqlite").path
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: existing))
        let dangling = folder.appendingPathComponent("dangling.sqlite").path
        let target = folder.appendingPathComponent("elsewhere.sqlite").path
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: target)
        let linked = folder.appendingPathComponent("linked.sqlite").path
        try FileManager.default.createSymbolicLink(atPath: linked, withDestinationPath: existing)

        for (to, reason) in [(existing, "exists"), (dangling, "symbolic link"), (linked, "symbolic link")] {
            let result = try Self.server(["backup", "--db", db, "--to", to])
            #expect(result.status != 0, "backup to \(to)")
            #expect(result.stderr.contains(to) && result.stderr.contains(reason), "\(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: target), "nothing written through the dangling link")
        #expect(try String(contentsOfFile: existing, encoding: .utf8) == "keep me")

        let copy = folder.appendingPathComponent("copy.sqlite").path
        let made = try Self.server(["backup", "--db", db, "--to", copy])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(try Self.mode(copy) == 0o600)
    }

    @Test func restoreReplaceIsRefusedWhileAServerUsesTheDatabase() throws {
        let folder = temporaryFolder()
        let db = folder.appendingPathComponent("chibo.sqlite").path
        let copy = folder.appendingPathComponent("copy.sqlite").path
        let server = try ServerProcess(db: db)
        #expect(try Self.server(["backup", "--db", db, "--to", copy]).status == 0)
        _ = try server.ok(["units", "create", "--name", "Đảng bộ xã Mường Bằng", "--code", "MB", "--kind", "commune"])

        let refused = try Self.server(["restore", "--from", copy, "--db", db, "--replace"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("a chibo-server is using \(db)"), "\(refused.stderr)")
        #expect(refused.stderr.contains("stop it first"), "\(refused.stderr)")
        // The acknowledged write is still there.
        #expect(try server.ok(["units", "list", "-o", "json"]).contains("Mường Bằng"))

        server.stop()
        let restored = try Self.server(["restore", "--from", copy, "--db", db, "--replace"])
        #expect(restored.status == 0, "\(restored.stderr)")
    }
}
