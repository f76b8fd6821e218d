import ChiboTesting
import Foundation
import Testing

/// A `chibo-server` process on a fresh database with an admin token (`token`, given to every
/// `chibo` run as CHIBO_TOKEN unless the run sets its own), stopped by `stop()`.
final class ServerProcess: @unchecked Sendable {
    let launched: LaunchedServer
    let token: String
    let db: String

    /// The `host:port` the server listens on.
    var address: String { launched.address }

    /// Makes a token with `chibo-server token create` on a database file.
    static func makeToken(db: String, role: String, scope: String? = nil, name: String) throws -> String {
        try LaunchedServer.makeToken(db: db, role: role, scope: scope, name: name)
    }

    /// Starts a server on `db` (a new database in a new folder by default) with `token`, or a
    /// new admin token made first.
    init(
        db: String = temporaryFolder("chibo-cli").appendingPathComponent("chibo.sqlite").path,
        token existing: String? = nil
    ) throws {
        self.db = db
        token = try existing ?? Self.makeToken(db: db, role: "admin", name: "cli-test-admin")
        launched = try LaunchedServer(db: db)
    }

    /// Runs `chibo` against this server.
    func chibo(_ arguments: [String], environment: [String: String] = [:], stdin: String? = nil) throws -> RunResult {
        var env = environment
        env["CHIBO_SERVER"] = env["CHIBO_SERVER"] ?? address
        env["CHIBO_TOKEN"] = env["CHIBO_TOKEN"] ?? token
        return try Executables.run("chibo", arguments, environment: env, stdin: stdin)
    }

    /// Runs `chibo` and expects exit code 0; returns standard output.
    func ok(
        _ arguments: [String],
        stdin: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> String {
        let result = try chibo(arguments, stdin: stdin)
        #expect(
            result.status == 0,
            "chibo \(arguments.joined(separator: " ")): \(result.stderr)",
            sourceLocation: sourceLocation
        )
        return result.stdout
    }

    /// Runs `chibo ... -o json` and returns the parsed `id` of the printed record.
    func createdID(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let text = try ok(arguments + ["-o", "json"], sourceLocation: sourceLocation)
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        return try #require(object?["id"] as? String, sourceLocation: sourceLocation)
    }

    func stop() { launched.stop() }
}
