import ArgumentParser
import ChiboClient
import ChiboSample
import ChiboSampleFiles
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `chibo-gen-sample`: generates a sample dataset and loads it into a running server, or
/// without `--server` only counts its records and prints their digest.
@main
struct GenerateSampleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chibo-gen-sample",
        abstract: "Generate Chibo's sample data and load it into a running chibo-server.",
        discussion: """
            Datasets: muong-bang (the commune of Mường Bằng in 2019: 27 cells, 316 members) and \
            province (a fictional province: 400 communes, 10,000 cells, 250,000 members, about 4 \
            million attendance records in 2019). The same seed gives the same records byte for \
            byte. Loading uses request IDs, so running it again after an interruption completes \
            the load without duplicates. It needs an admin token (the province and district are \
            admin-only): `chibo-server token create --db FILE --role admin`, passed with --token \
            or CHIBO_TOKEN. Without --server, prints the record counts and a digest \
            of the records on standard output; with --check, only tells whether the dataset is \
            loaded already. Progress and the summary go to standard error.

            With --files DIR, writes the dataset as import files instead (org_units, members, \
            status_events, meetings, resolutions, evaluations; as .csv with Vietnamese headers, \
            .jsonl, .binpb, and .xlsx workbooks with a title above the table and Excel dates), for \
            chibo-import; then --complete-import --server sends what \
            the files do not carry (positions, supervisor assignments, rule sets).
            """
    )

    @Option(name: .long, help: "Dataset: muong-bang or province.")
    var dataset: SampleDatasetKind = .muongBang

    @Option(name: .long, help: "Seed of the generator; the same seed gives the same dataset.")
    var seed: UInt64 = SampleDataset.defaultSeed

    @Option(name: .long, help: "Address of the chibo-server to load into, HOST:PORT.")
    var server: String?

    @Option(name: .long, help: "Most calls in flight at once while loading.")
    var concurrency: Int = 8

    @Option(name: .long, help: "Bearer token sent in the hello (env CHIBO_TOKEN).")
    var token: String?

    @Option(name: .long, help: "Write the dataset as import files into this directory (created if missing).")
    var files: String?

    @Option(
        name: .long,
        parsing: .upToNextOption,
        help: "Formats of --files: csv, jsonl, protobuf, xlsx (default: all)."
    )
    var formats: [SampleFileFormat] = SampleFileFormat.allCases

    @Flag(
        name: .long,
        help: "After importing the files: send positions, supervisor assignments and rule sets (needs --server)."
    )
    var completeImport = false

    @Flag(name: .long, help: "Only tell whether the dataset is loaded already: exit 0 if it is, 1 if not.")
    var check = false

    func validate() throws {
        guard concurrency >= 1 && concurrency <= 64 else {
            throw ValidationError("--concurrency must be between 1 and 64 (the server's limit of calls per token)")
        }
        if let server { _ = try Self.parseAddress(server) }
        if check && server == nil { throw ValidationError("--check needs --server") }
        if completeImport && server == nil { throw ValidationError("--complete-import needs --server") }
        if files != nil && server != nil { throw ValidationError("--files writes files; it does not take --server") }
    }

    func run() async throws {
        let sample = SampleDataset(kind: dataset, seed: seed)
        let planned = sample.plannedCounts
        if let files {
            try writeFiles(sample, to: files)
            return
        }
        guard let server else {
            let (counts, digest) = try sample.summary()
            Self.log("\(dataset.rawValue), seed \(seed): \(Self.describe(counts))")
            print("\(dataset.rawValue) seed=\(seed) records=\(counts.records) digest=\(Self.hex(digest))")
            return
        }
        let (host, port) = try Self.parseAddress(server)
        let client = ChiboClient(
            host: host,
            port: port,
            configuration: ClientConfiguration(
                clientName: "chibo-gen-sample/0.1.0",
                token: token ?? ProcessEnvironment.value("CHIBO_TOKEN") ?? ""
            )
        )
        if completeImport {
            defer { Task { await client.close() } }
            let counts = try await SampleImportCompletion(client: client).run(sample)
            Self.log(
                "completed \(dataset.rawValue): \(counts.positions) members' positions, "
                    + "\(counts.supervisors) supervisor assignments, \(counts.ruleSets) rule sets"
            )
            return
        }
        if check {
            let loaded = try await SampleLoader(client: client).isLoaded(sample)
            await client.close()
            Self.log("\(dataset.rawValue) (seed \(seed)) is \(loaded ? "" : "not ")loaded on \(server)")
            if !loaded { throw ExitCode.failure }
            return
        }
        Self.log(
            "loading \(dataset.rawValue) (seed \(seed)) into \(server), \(concurrency) calls in flight: "
                + "\(Self.describe(planned))"
        )
        let loader = SampleLoader(client: client, concurrency: concurrency)
        let final: SampleLoadProgress
        do {
            final = try await loader.load(sample) { progress in
                guard !progress.finished else { return }
                let done = progress.loaded.count(of: progress.stage)
                let total = planned.count(of: progress.stage)
                let seconds = Double(progress.elapsed.components.seconds)
                Self.log(
                    "[\(Self.format(seconds, decimals: 0))s] \(progress.stage.name): \(Self.grouped(done)) of "
                        + "\(Self.grouped(total)); \(Self.grouped(progress.loaded.attendance)) attendance records"
                )
            }
        } catch let error as SampleLoadError {
            await client.close()
            Self.log("load stopped: \(error)")
            if error.error.code == .alreadyExists {
                Self.log("the database holds records of another dataset or seed with the same IDs")
            }
            throw ExitCode.failure
        } catch {
            await client.close()
            throw error
        }
        await client.close()
        let seconds = Double(final.elapsed.components.seconds) + Double(final.elapsed.components.attoseconds) / 1e18
        Self.log("loaded in \(Self.format(seconds, decimals: 1)) s: \(Self.describe(final.loaded))")
        for stage in SampleStage.allCases {
            guard let time = final.stageTimes[stage] else { continue }
            let stageSeconds = Double(time.components.seconds) + Double(time.components.attoseconds) / 1e18
            Self.log("  \(stage.name): \(Self.format(stageSeconds, decimals: 1)) s")
        }
        for (entity, count) in final.skipped.sorted(by: { $0.key < $1.key }) {
            Self.log("skipped \(Self.grouped(count)) \(entity) records: the server does not implement the method yet")
        }
    }

    private func writeFiles(_ sample: SampleDataset, to directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ValidationError("--files \(directory): cannot create the folder (\(error.localizedDescription))")
        }
        let counts: SampleFileCounts
        do {
            counts = try SampleFileWriter(directory: directory, formats: formats).write(sample)
        } catch let error as SampleFileError {
            throw ValidationError("--files \(directory): \(error)")
        }
        for entity in SampleFileEntity.allCases {
            let names = formats.map { entity.fileName($0) }.joined(separator: ", ")
            Self.log(
                "\(directory)/{\(names)}: \(Self.grouped(counts.records[entity] ?? 0)) records, "
                    + "\(Self.grouped(counts.csvRows[entity] ?? 0)) CSV rows"
            )
        }
    }

    static func describe(_ counts: SampleCounts) -> String {
        [
            "\(grouped(counts.orgUnits)) org units", "\(grouped(counts.members)) members",
            "\(grouped(counts.supervisors)) supervisor assignments", "\(grouped(counts.ruleSets)) rule sets",
            "\(grouped(counts.meetings)) meetings",
            counts.attendance > 0 ? "\(grouped(counts.attendance)) attendance records" : nil,
            "\(grouped(counts.evaluations)) evaluations",
        ].compactMap { $0 }.joined(separator: ", ")
    }

    static func log(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }

    /// 1234567 as "1,234,567".
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (offset, character) in digits.enumerated() {
            if offset > 0 && (digits.count - offset) % 3 == 0 { result += "," }
            result.append(character)
        }
        return (value < 0 ? "-" : "") + result
    }

    static func format(_ value: Double, decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int((value * scale).rounded())
        guard decimals > 0 else { return String(scaled) }
        let whole = scaled / Int(scale)
        let fraction = String(scaled % Int(scale))
        return "\(whole).\(String(repeating: "0", count: decimals - fraction.count))\(fraction)"
    }

    static func hex(_ value: UInt64) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }

    /// Splits HOST:PORT (IPv6 hosts in brackets).
    static func parseAddress(_ text: String) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (1...65535).contains(port)
        else {
            throw ValidationError("--server expects HOST:PORT, got \"\(text)\"")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ValidationError("--server is missing the host in \"\(text)\"") }
        return (host, port)
    }
}

extension SampleDatasetKind: ExpressibleByArgument {}

extension SampleFileFormat: ExpressibleByArgument {}

/// Reads the process environment without Foundation.
enum ProcessEnvironment {
    static func value(_ name: String) -> String? {
        guard let pointer = getenv(name) else { return nil }
        return String(cString: pointer)
    }
}
