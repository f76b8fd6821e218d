import ChiboStore
import ChiboStorePostgres
import ChiboStoreSQL
import ChiboStoreSQLite
import Foundation
import Testing

/// Every statement the store runs against a large table uses the index the table of
/// expectations names (`PlanExpectations`): the real calls are made on a seeded database
/// (`PlanSeed`, `PlanDriver`) through an engine that records their statements, then the
/// database is asked how it plans each one with its own arguments.
@Suite struct StatementPlanTests {
    @Test(arguments: TestBackend.all)
    func everyStatementOnALargeTableReadsItThroughItsIndex(backend: TestBackend) async throws {
        let base = try await backend.makeStore()
        guard let backendStore = base as? SQLStore else {
            Issue.record("the \(backend) store is not an SQL store")
            return
        }
        var failure: (any Error)?
        do { try await check(backend, backendStore) } catch { failure = error }
        // The seeded database is large: it goes with the test.
        if let postgres = base as? PostgresStore {
            try await backendStore.engine.write { db in
                try db.execute(sql: "DROP SCHEMA \(postgres.location.schema) CASCADE")
            }
            await postgres.close()
        }
        if let sqlite = base as? SQLiteStore {
            try? FileManager.default.removeItem(atPath: (sqlite.path as NSString).deletingLastPathComponent)
        }
        if let failure { throw failure }
    }

    func check(_ backend: TestBackend, _ backendStore: SQLStore) async throws {
        let log = StatementLog()
        let store = SQLStore(engine: RecordingEngine(inner: backendStore.engine, log: log))
        let seeded = try await PlanSeed.seed(store, engine: backendStore.engine)
        _ = log.take()
        try await PlanDriver.drive(store, seeded)
        let statements = Self.distinct(log.take()).filter(Self.readsATable)
        #expect(statements.count > 40, "only \(statements.count) statements recorded")

        var failures: [String] = []
        var matched = Set<String>()
        for statement in statements {
            var plan = try await backendStore.engine.read { db in try PlanExplainer.plan(statement, in: db) }
            if plan.accesses.contains(where: { $0.index == nil && PlanExpectations.fewPagesInSeed.contains($0.table) })
            {
                plan = try await backendStore.engine.read { db in
                    try PlanExplainer.plan(statement, in: db, sequentialScans: false)
                }
            }
            let large = plan.accesses.filter { PlanExpectations.largeTables.contains($0.table) }
            if large.isEmpty { continue }
            let sql = Self.collapsed(statement.sql)
            guard
                let expectation = PlanExpectations.all.first(where: { expectation in
                    expectation.markers.contains { sql.contains($0) }
                })
            else {
                failures.append("no expectation names this statement:\n\(Self.describe(sql, plan))")
                continue
            }
            matched.insert(expectation.name)
            for access in large {
                if let index = access.index {
                    if !expectation.indexes.contains(index) {
                        failures.append(
                            "\(expectation.name): reads \(access.table) by \(index), expected one of "
                                + "\(expectation.indexes.sorted()):\n\(Self.describe(sql, plan))"
                        )
                    }
                } else if !expectation.wholeTables.contains(access.table) {
                    failures.append("\(expectation.name): scans all of \(access.table):\n\(Self.describe(sql, plan))")
                }
            }
        }
        #expect(failures.isEmpty, "\(backend): \(failures.count) statements\n\n\(failures.joined(separator: "\n\n"))")
        let unmatched = PlanExpectations.all.map(\.name).filter { !matched.contains($0) }
        #expect(unmatched.isEmpty, "\(backend): expectations no statement matched (driven no more?): \(unmatched)")
        if let path = ProcessInfo.processInfo.environment["CHIBO_PLANS_FILE"] {
            // Every plan, for a reader updating the table of expectations.
            var text = ""
            for statement in statements {
                let plan = try await backendStore.engine.read { db in try PlanExplainer.plan(statement, in: db) }
                text += Self.describe(Self.collapsed(statement.sql), plan) + "\n\n"
            }
            try text.write(toFile: path + "." + backend.rawValue, atomically: true, encoding: .utf8)
        }
    }

    /// Each SQL text once (the first arguments it ran with).
    static func distinct(_ statements: [RecordedStatement]) -> [RecordedStatement] {
        var seen = Set<String>()
        return statements.filter { seen.insert($0.sql).inserted }
    }

    /// Whether a statement reads a table: anything but a plain `INSERT … VALUES`.
    static func readsATable(_ statement: RecordedStatement) -> Bool {
        let sql = collapsed(statement.sql).uppercased()
        return !(sql.hasPrefix("INSERT") && !sql.contains("SELECT"))
    }

    /// The SQL on one line, runs of whitespace made one space.
    static func collapsed(_ sql: String) -> String {
        sql.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    static func describe(_ sql: String, _ plan: StatementPlan) -> String {
        "  \(sql)\n" + plan.lines.map { "    | \($0)" }.joined(separator: "\n")
    }
}
