import ChiboTesting
import Foundation
import GRDB
import Testing

/// The audit key through the real binaries: `chibo-server` makes it beside a SQLite file,
/// `chibo audit list` pages to the end of a log longer than a page, and `chibo-server audit
/// verify` checks the file offline and finds an entry edited behind the server's back.
@Suite struct AuditKeyEndToEndTests {
    static func chiboServer(_ arguments: [String]) throws -> RunResult {
        try Executables.run("chibo-server", arguments)
    }

    @Test func theKeyIsMadeBesideTheFileTheLogPagesToItsEndAndVerifiesOffline() throws {
        let server = try ServerProcess()
        defer { server.stop() }
        let keyPath = server.db + ".audit-key"
        let mode = try FileManager.default.attributesOfItem(atPath: keyPath)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(FileManager.default.fileExists(atPath: keyPath + ".checkpoint"))

        // More entries than one page holds: a cell and 1,100 members, each create audited.
        let cell = try server.createdID(["units", "create", "--name", "Chi bộ bản Bó", "--kind", "cell"])
        let members = (1...1_100).map { #"{"fullName": "Lò Văn \#($0)", "cellId": "\#(cell)"}"# }
        let file = temporaryFolder().appendingPathComponent("members.jsonl")
        try members.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        _ = try server.ok(["members", "create", "--file", file.path])

        let listed = try server.ok(["audit", "list", "--limit", "0", "-o", "json"])
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [[String: Any]])
        let seqs = entries.compactMap { ($0["seq"] as? NSNumber)?.int64Value ?? Int64($0["seq"] as? String ?? "") }
        #expect(seqs.count > 1_100 && seqs == Array(1...Int64(seqs.count)), "every entry once, in order")
        #expect(entries.filter { $0["method"] as? String == "MEMBERS_CREATE" }.count == 1_100)
        #expect(entries.contains { $0["method"] as? String == "token.create" })
        #expect(entries.allSatisfy { ($0["mac"] as? String)?.isEmpty == false })

        let limited = try server.chibo(["audit", "list", "--limit", "5", "--after", "10", "-o", "json"])
        #expect(limited.stderr.contains("--after 15"), "\(limited.stderr)")

        let verified = try server.ok(["audit", "verify", "-o", "json"])
        let result = try #require(try JSONSerialization.jsonObject(with: Data(verified.utf8)) as? [String: Any])
        #expect(result["intact"] as? Bool == true)
        #expect((result["checkpoint"] as? String)?.hasPrefix("chibo-audit-checkpoint v1 ") == true)
        server.stop()

        let offline = try Self.chiboServer(["audit", "verify", "--db", server.db])
        #expect(offline.status == 0, "\(offline.stdout) \(offline.stderr)")
        #expect(offline.stdout.contains("intact\tyes") && offline.stdout.contains("MACs checked"))

        // An entry edited in the file (its hash recomputed or not): verification fails.
        let queue = try DatabaseQueue(path: server.db)
        try queue.write { db in try db.execute(sql: "UPDATE audit_log SET detail = 'nothing' WHERE seq = 3") }
        try queue.close()
        let broken = try Self.chiboServer(["audit", "verify", "--db", server.db])
        #expect(broken.status != 0)
        #expect(broken.stdout.contains("intact\tNO") && broken.stdout.contains("first broken\t3"), "\(broken.stdout)")

        // A key file others may read is refused with a clear message.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: keyPath)
        let exposed = try Self.chiboServer(["token", "list", "--db", server.db])
        #expect(exposed.status == 0, "listing tokens writes no audit entry and needs no key")
        let refused = try Self.chiboServer(["token", "create", "--db", server.db, "--role", "admin", "--name", "x"])
        #expect(refused.status != 0 && refused.stderr.contains("chmod 600"), "\(refused.stderr)")
    }
}
