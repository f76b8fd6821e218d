// report-bench: calls the oversight reports of a running chibo-server that holds the province
// sample, each repeatedly after a warm-up, and prints p50, p95 and max per report against its
// target as a Markdown table. tools/bench-reports starts the server and loads the data first.
//
// Usage: report-bench --server HOST:PORT[,HOST:PORT…] [--commune ID] [--province ID] [--year Y]
//                     [--runs N] [--warmup N] [--only overview,year,month,units] [--token T]
//                     [--units ID,ID…] [--throughput SECONDS --concurrency N]
// With --units, the "units" report calls the year's attendance of each unit listed (by_cell
// false, period YEAR), one after another, and times the whole list as one run: the national
// attendance by province is the 63 provinces' calls.
// With --throughput, it instead keeps N overview calls of the commune in flight for SECONDS,
// spread over the servers given (several servers on one database), and prints calls per second.
// The token (an admin's, or a viewer's of the province) can also come from CHIBO_TOKEN.

import ChiboClient
import ChiboModel
import Foundation

struct Options {
    var server = ""
    var commune = "pv-x001"
    var province = "pv"
    var year: Int32 = 2019
    var runs = 20
    var warmup = 3
    var only: Set<String> = ["overview", "year", "month", "units"]
    var units: [String] = []
    var token = ProcessInfo.processInfo.environment["CHIBO_TOKEN"] ?? ""
    var throughputSeconds = 0
    var concurrency = 8

    init(arguments: [String]) {
        var rest = arguments[...]
        func value(_ name: String) -> String {
            guard let next = rest.popFirst() else { fail("\(name) needs a value") }
            return next
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "--server": server = value(argument)
            case "--commune": commune = value(argument)
            case "--province": province = value(argument)
            case "--year": year = Int32(value(argument)) ?? year
            case "--runs": runs = max(1, Int(value(argument)) ?? runs)
            case "--warmup": warmup = max(0, Int(value(argument)) ?? warmup)
            case "--only": only = Set(value(argument).split(separator: ",").map(String.init))
            case "--token": token = value(argument)
            case "--units": units = value(argument).split(separator: ",").map(String.init)
            case "--throughput": throughputSeconds = max(0, Int(value(argument)) ?? 0)
            case "--concurrency": concurrency = max(1, Int(value(argument)) ?? concurrency)
            default: fail("unknown argument \(argument)")
            }
        }
        if server.isEmpty { fail("--server HOST:PORT is required") }
    }
}

func fail(_ message: String) -> Never {
    progress("report-bench: \(message)")
    exit(2)
}

func progress(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// What one call returned: its rows, and for a stream how long the first row took (the
/// server's computing before it starts sending).
struct Outcome {
    var rows: Int
    var firstRow: Duration?
}

/// One report call to measure: what it is, its target, and the call.
struct Case {
    var key: String
    var name: String
    var target: Duration
    var expectedRows: Int?
    var call: @Sendable () async throws -> Outcome
}

/// Latencies of the measured runs.
struct Samples {
    var values: [Duration]

    /// Nearest-rank percentile.
    func percentile(_ p: Int) -> Duration {
        let sorted = values.sorted()
        let rank = max(1, Int((Double(p) / 100 * Double(sorted.count)).rounded(.up)))
        return sorted[min(rank, sorted.count) - 1]
    }

    var largest: Duration { values.max() ?? .zero }
}

func milliseconds(_ duration: Duration) -> String {
    let value = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    return value < 100 ? String(format: "%.1f ms", value) : String(format: "%.0f ms", value)
}

let options = Options(arguments: Array(CommandLine.arguments.dropFirst()))
func makeClient(_ address: some StringProtocol) -> ChiboClient {
    guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else {
        fail("--server expects HOST:PORT")
    }
    return ChiboClient(
        host: String(address[..<colon]),
        port: port,
        configuration: ClientConfiguration(clientName: "report-bench/0.1.0", token: options.token)
    )
}
let servers = options.server.split(separator: ",")
let client = makeClient(servers[0])
let callOptions = CallOptions(timeout: .seconds(300))
let year = options.year

if options.throughputSeconds > 0 {
    // Every caller has its own connection, to the servers in turn.
    let clients = (0..<options.concurrency).map { makeClient(servers[$0 % servers.count]) }
    let deadline = ContinuousClock.now + .seconds(options.throughputSeconds)
    let calls = try await withThrowingTaskGroup(of: Int.self) { group in
        for caller in clients {
            group.addTask { [options] in
                var count = 0
                while ContinuousClock.now < deadline {
                    let report = try await caller.unary(
                        .reportsOverview,
                        OverviewRequest(unitId: options.commune, year: year),
                        as: OverviewReport.self,
                        options: callOptions
                    )
                    guard report.cells > 0 else { fail("the overview of \(options.commune) has no cells") }
                    count += 1
                }
                return count
            }
        }
        var total = 0
        for try await count in group { total += count }
        return total
    }
    for caller in clients { await caller.close() }
    await client.close()
    let rate = Double(calls) / Double(options.throughputSeconds)
    print(
        "throughput servers=\(servers.count) concurrency=\(options.concurrency) seconds=\(options.throughputSeconds) "
            + "calls=\(calls) calls_per_second=\(String(format: "%.1f", rate))"
    )
    exit(0)
}
let from = CalendarDate(year: year, month: 1, day: 1)
let to = CalendarDate(year: year, month: 12, day: 31)

func attendance(_ period: PeriodKind) -> @Sendable () async throws -> Outcome {
    { [options] in
        let start = ContinuousClock.now
        let rows = try await client.serverStream(
            .reportsAttendance,
            AttendanceReportRequest(unitId: options.province, from: from, to: to, period: period, byCell: true),
            as: AttendanceRow.self,
            options: callOptions
        )
        var count = 0
        var first: Duration?
        for try await _ in rows {
            if count == 0 { first = ContinuousClock.now - start }
            count += 1
        }
        return Outcome(rows: count, firstRow: first)
    }
}

/// The year's attendance of every unit of --units, by unit, one call after another.
let unitsAttendance: @Sendable () async throws -> Outcome = { [options] in
    let start = ContinuousClock.now
    var count = 0
    var first: Duration?
    for unit in options.units {
        let rows = try await client.serverStream(
            .reportsAttendance,
            AttendanceReportRequest(unitId: unit, from: from, to: to, period: .year, byCell: false),
            as: AttendanceRow.self,
            options: callOptions
        )
        for try await _ in rows {
            if count == 0 { first = ContinuousClock.now - start }
            count += 1
        }
    }
    return Outcome(rows: count, firstRow: first)
}

// The province's cells, the rows expected of its attendance by cell (not needed otherwise).
let cells =
    options.only.isDisjoint(with: ["year", "month"])
    ? 0
    : try await {
        var count = 0
        var token = ""
        repeat {
            let units = try await client.serverStream(
                .orgUnitsList,
                ListOrgUnitsRequest(
                    page: PageRequest(pageSize: 1000, pageToken: token),
                    subtreeOf: options.province,
                    kind: .cell
                ),
                as: OrgUnit.self,
                options: callOptions
            )
            for try await _ in units { count += 1 }
            token = try units.trailer(as: PageEnd.self)?.nextPageToken ?? ""
        } while !token.isEmpty
        return count
    }()
if cells > 0 { progress("\(options.server): \(cells) cells under \(options.province)") }

var cases = [
    Case(
        key: "overview",
        name: "Overview, one commune (\(options.commune)), year \(year)",
        target: .milliseconds(20),
        expectedRows: 1
    ) {
        [options] in
        let report = try await client.unary(
            .reportsOverview,
            OverviewRequest(unitId: options.commune, year: year),
            as: OverviewReport.self,
            options: callOptions
        )
        guard report.cells > 0 else { fail("the overview of \(options.commune) has no cells: is the province loaded?") }
        return Outcome(rows: 1, firstRow: nil)
    },
    Case(
        key: "year",
        name: "Attendance, province by cell, period YEAR",
        target: .seconds(1),
        expectedRows: cells,
        call: attendance(.year)
    ),
    Case(
        key: "month",
        name: "Attendance, province by cell, period MONTH",
        target: .seconds(1),
        expectedRows: cells * 12,
        call: attendance(.month)
    ),
]
if !options.units.isEmpty {
    cases.append(
        Case(
            key: "units",
            name: "Attendance of \(options.units.count) units one after another (by unit), period YEAR",
            target: .seconds(2),
            expectedRows: options.units.count,
            call: unitsAttendance
        )
    )
}

let clock = ContinuousClock()
var lines: [String] = []
var verdicts: [String] = []
for benchmark in cases where options.only.contains(benchmark.key) {
    var rows = 0
    for _ in 0..<options.warmup { rows = try await benchmark.call().rows }
    var samples = Samples(values: [])
    var firstRows = Samples(values: [])
    for run in 1...options.runs {
        let start = clock.now
        let outcome = try await benchmark.call()
        samples.values.append(clock.now - start)
        if let first = outcome.firstRow { firstRows.values.append(first) }
        rows = outcome.rows
        if run == 1 || run == options.runs {
            progress("\(benchmark.name): run \(run) \(milliseconds(samples.values.last ?? .zero)), \(rows) rows")
        }
    }
    if let expected = benchmark.expectedRows, expected != rows {
        progress("warning: \(benchmark.name) returned \(rows) rows, expected \(expected)")
    }
    let met = samples.percentile(95) < benchmark.target
    let first = firstRows.values.isEmpty ? "–" : milliseconds(firstRows.percentile(50))
    lines.append(
        "| \(benchmark.name) | \(rows) | \(options.runs) | \(first) | \(milliseconds(samples.percentile(50))) | "
            + "\(milliseconds(samples.percentile(95))) | \(milliseconds(samples.largest)) | "
            + "< \(milliseconds(benchmark.target)) | \(met ? "yes" : "no") |"
    )
    verdicts.append(
        "\(benchmark.name): p95 \(milliseconds(samples.percentile(95))) \(met ? "meets" : "misses") "
            + "< \(milliseconds(benchmark.target))"
    )
}
await client.close()

print("\(options.runs) measured runs per report after \(options.warmup) warm-up runs, one call at a time.\n")
print("| Report | Rows | Runs | First row (p50) | p50 | p95 | max | Target (p95) | Met |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
for line in lines { print(line) }
print()
for verdict in verdicts { print("- \(verdict)") }
