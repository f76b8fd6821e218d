import ArgumentParser
import ChiboStoreSQL
import Foundation

/// `chibo-server stats`: where the database's space goes, per table and index, and its rows,
/// so an operator can size a deployment from a real one (docs/DEPLOY.md).
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Print the database's bytes per table and index, and rows per table.",
        discussion: """
            SQLite: pages counted by the dbstat table; PostgreSQL: pg_table_size (with TOAST) and \
            pg_relation_size of the indexes in the store's schema. The database is opened as the \
            server opens it, so one written by an older version is migrated first; a SQLite file \
            that does not exist is refused, not created.
            """
    )

    @OptionGroup var database: DatabaseOption

    func run() async throws {
        if !database.isPostgres && !FileManager.default.fileExists(atPath: database.db) {
            throw ValidationError("--db \(database.db): no such database file")
        }
        let opened = try await database.open()
        let stats: StorageStats
        do {
            stats = try await opened.sqlStore.storageStats()
        } catch {
            await opened.close()
            throw ValidationError("--db \(database.shownName): \(error)")
        }
        await opened.close()
        print(Self.render(stats), terminator: "")
    }

    /// The report: tables with their indexes beneath, largest first, then the total.
    static func render(_ stats: StorageStats) -> String {
        let total = max(stats.totalBytes, 1)
        var lines = [["TABLE / INDEX", "ROWS", "BYTES", "MB", "SHARE"]]
        let tables = stats.relations.filter { !$0.isIndex }
            .sorted { (stats.bytes(ofTable: $0.name), $1.name) > (stats.bytes(ofTable: $1.name), $0.name) }
        for table in tables {
            let withIndexes = stats.bytes(ofTable: table.name)
            lines.append([
                table.name, String(table.rows), String(withIndexes), megabytes(withIndexes), share(withIndexes, total),
            ])
            lines.append(["  (rows)", "", String(table.bytes), megabytes(table.bytes), share(table.bytes, total)])
            for index in stats.relations where index.isIndex && index.table == table.name {
                lines.append([
                    "  " + index.name, "", String(index.bytes), megabytes(index.bytes), share(index.bytes, total),
                ])
            }
        }
        lines.append(["total", "", String(stats.totalBytes), megabytes(stats.totalBytes), "100.0%"])
        let widths = (0..<5).map { column in lines.map { $0[column].count }.max() ?? 0 }
        return lines.map { line in
            line.enumerated().map { column, text in
                column == 0
                    ? text.padding(toLength: widths[0], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - text.count) + text
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    static func megabytes(_ bytes: Int64) -> String { String(format: "%.1f", Double(bytes) / 1_048_576) }

    static func share(_ bytes: Int64, _ total: Int64) -> String {
        String(format: "%.1f%%", Double(bytes) * 100 / Double(total))
    }
}
