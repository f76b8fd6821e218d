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
            Datasets: muong-bang (the commune of Mường Bằng in 2019: 27 cells, 316 members), \
            province (a fictional province: 400 communes, 10,000 cells, 250,000 members, about 4 \
            million attendance records in 2019) and nation (63 fictional provinces, P01 to P63: \
            about 250,000 cells, 5.3 million members, 85 million attendance records in 2019, \
            generated one province at a time; --provinces picks some, for example 1-10 or 7). The same seed gives the same records byte for \
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
            the files do not carry (positions, supervisor assignments, rule sets). The nation's \
            provinces go into subfolders p01 to p63 of DIR, each loadable on its own.
            """
    )

    @Option(name: .long, help: "Dataset: muong-bang, province or nation.")
    var dataset: SampleDatasetKind = .muongBang

    @Option(
        name: .long,
        help: "With --dataset nation: only these provinces, N or A-B (1 to 63; default: all, one after another)."
    )
    var provinces: String?

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
        if let provinces {
            guard dataset == .nation else { throw ValidationError("--provinces applies to --dataset nation only") }
            _ = try Self.parseProvinces(provinces)
        }
    }

    func run() async throws {
        let parts = try provinceNumbers()
        if let files {
            for part in parts {
                let sample = Self.dataset(dataset, seed: seed, province: part)
                let directory = part.map { "\(files)/p\(Self.pad($0))" } ?? files
                if let part { Self.log("province \(part) of the nation into \(directory)") }
                try writeFiles(sample, to: directory)
            }
            return
        }
        guard let server else {
            var counts = SampleCounts()
            var digest = SampleDataset.digestBasis
            for part in parts {
                let sample = Self.dataset(dataset, seed: seed, province: part)
                let (partCounts, partDigest) = try sample.summary(continuing: digest)
                if let part { Self.log("province \(part): \(Self.describe(partCounts))") }
                counts.add(partCounts)
                digest = partDigest
            }
            let label = provinces.map { "\(dataset.rawValue) provinces=\($0)" } ?? dataset.rawValue
            Self.log("\(label), seed \(seed): \(Self.describe(counts))")
            print("\(label) seed=\(seed) records=\(counts.records) digest=\(Self.hex(digest))")
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
        var missing: [String] = []
        do {
            for part in parts {
                let sample = Self.dataset(dataset, seed: seed, province: part)
                let name = part.map { "\(dataset.rawValue) province \($0)" } ?? dataset.rawValue
                if completeImport {
                    let counts = try await SampleImportCompletion(client: client).run(sample)
                    Self.log(
                        "completed \(name): \(counts.positions) members' positions, "
                            + "\(counts.supervisors) supervisor assignments, \(counts.ruleSets) rule sets"
                    )
                } else if check {
                    let loaded = try await SampleLoader(client: client).isLoaded(sample)
                    Self.log("\(name) (seed \(seed)) is \(loaded ? "" : "not ")loaded on \(server)")
                    if !loaded { missing.append(name) }
                } else {
                    try await load(sample, name: name, client: client, server: server)
                }
            }
        } catch {
            await client.close()
            throw error
        }
        await client.close()
        if !missing.isEmpty { throw ExitCode.failure }
    }

    /// The nation's provinces to work on (all 63 without --provinces), or [nil] for the other
    /// datasets.
    func provinceNumbers() throws -> [Int?] {
        guard dataset == .nation else { return [nil] }
        guard let provinces else { return Array(1...SamplePlan.nationProvinces) }
        return try Array(Self.parseProvinces(provinces)).map { $0 }
    }

    static func dataset(_ kind: SampleDatasetKind, seed: UInt64, province: Int?) -> SampleDataset {
        province.map { SampleDataset(nationProvince: $0, seed: seed) } ?? SampleDataset(kind: kind, seed: seed)
    }

    /// Loads one dataset (one province of the nation), logging progress; exits on a refusal.
    private func load(_ sample: SampleDataset, name: String, client: ChiboClient, server: String) async throws {
        let planned = sample.plannedCounts
        Self.log(
            "loading \(name) (seed \(seed)) into \(server), \(concurrency) calls in flight: "
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
            Self.log("load stopped: \(error)")
            if error.error.code == .alreadyExists {
                Self.log("the database holds records of another dataset or seed with the same IDs")
            }
            throw ExitCode.failure
        }
        let seconds = Double(final.elapsed.components.seconds) + Double(final.elapsed.components.attoseconds) / 1e18
        Self.log("loaded \(name) in \(Self.format(seconds, decimals: 1)) s: \(Self.describe(final.loaded))")
        for stage in SampleStage.allCases {
            guard let time = final.stageTimes[stage] else { continue }
            let stageSeconds = Double(time.components.seconds) + Double(time.components.attoseconds) / 1e18
            Self.log("  \(stage.name): \(Self.format(stageSeconds, decimals: 1)) s")
        }
        for (entity, count) in final.skipped.sorted(by: { $0.key < $1.key }) {
            Self.log("skipped \(Self.grouped(count)) \(entity) records: the server does not implement the method yet")
        }
    }

    /// "7" or "1-63" as a range of province numbers, each from 1 to 63.
    static func parseProvinces(_ text: String) throws -> ClosedRange<Int> {
        let limit = SamplePlan.nationProvinces
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        let numbers = parts.map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard (1...2).contains(parts.count), let first = numbers[0], let last = numbers[parts.count - 1] else {
            throw ValidationError("--provinces expects a number N or a range A-B (1 to \(limit)), got \"\(text)\"")
        }
        guard (1...limit).contains(first) && (1...limit).contains(last) else {
            throw ValidationError("--provinces \(text): provinces are numbered 1 to \(limit)")
        }
        guard first <= last else {
            throw ValidationError("--provinces \(text): the first province comes after the last")
        }
        return first...last
    }

    /// 7 as "07".
    static func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }

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
