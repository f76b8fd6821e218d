import ArgumentParser
import ChiboStore
import ChiboStorePostgres
import ChiboStoreSQLite
import ChiboStoreTransfer
import Foundation

/// `chibo-server copy --from FILE --to postgres://…`: moves a SQLite database into an empty
/// PostgreSQL database, for going from one machine to several servers.
struct CopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy a SQLite database into an empty PostgreSQL database (stop the server first).",
        discussion: """
            Every record, revision, change-feed position, audit entry, token, request id and import \
            checkpoint is copied as it is. The PostgreSQL schema must hold no records; both databases \
            are first brought to the current schema. A copy that fails is started again on an empty \
            schema. See docs/DEPLOY.md.
            """
    )

    @Option(name: .long, help: "The SQLite database file to copy.")
    var from: String

    @Option(name: .long, help: "The PostgreSQL database: postgres://USER@HOST:PORT/DATABASE[?schema=NAME].")
    var to: String

    @Option(name: .long, help: "File whose first line is the PostgreSQL password (instead of PGPASSWORD).")
    var dbPasswordFile: String?

    func validate() throws {
        guard PostgresLocation.isPostgresURL(to) else { throw ValidationError("--to must be a postgres:// URL") }
        guard FileManager.default.fileExists(atPath: from) else {
            throw ValidationError("--from \(from): no such file")
        }
    }

    func run() async throws {
        let source: SQLiteStore
        let destination: PostgresStore
        do {
            source = try SQLiteStore(path: from)
        } catch let error as StoreError {
            throw ValidationError("--from \(from): \(error)")
        }
        do {
            destination = try await PostgresStore(location: PostgresLocation(url: to, passwordFile: dbPasswordFile))
        } catch let error as StoreError {
            throw ValidationError("--to \(to): \(error)")
        }
        do {
            let report = try await SQLiteToPostgres.copy(from: source, to: destination) { table, rows in
                FileHandle.standardError.write(Data("\r\(table): \(rows) rows".utf8))
            }
            FileHandle.standardError.write(Data("\n".utf8))
            for (table, rows) in report.tables { print("\(table)\t\(rows)") }
        } catch {
            await destination.close()
            throw CommandFailure(description: "\(error)")
        }
        await destination.close()
    }
}
