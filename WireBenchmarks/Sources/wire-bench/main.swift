// wire-bench: starts the Chibo, grpc-swift-2 and bare NIO benchmark servers as their own
// processes, drives each from this process and prints Markdown tables: unary calls/s, latency
// and server CPU per call; server-streaming messages/s; bytes on the wire per unary call; and
// the Chibo server's memory under a slow stream reader.

import BenchSupport
import ChiboModel
import Foundation
import NIOCore
import NIOPosix

let options = Options(arguments: Array(CommandLine.arguments.dropFirst()))
ChiboFrames.selfCheck()

/// The raw NIO clients' event loop: one thread, like each server's one connection.
let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let servers = Servers(
    chibo: try ServerProcess("chibo-bench-server"),
    grpc: try ServerProcess("grpc-bench-server"),
    chiboGRPC: try ServerProcess("chibo-grpc-bench-server"),
    grpcProtobuf: try ServerProcess("grpc-protobuf-bench-server"),
    bareNIO: try ServerProcess("nio-echo-server")
)
defer {
    servers.chibo.stop()
    servers.grpc.stop()
    servers.chiboGRPC.stop()
    servers.grpcProtobuf.stop()
    servers.bareNIO.stop()
}

func progress(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

let payloadUp = BenchWork.unaryRequestBytes.count
let payloadDown = BenchWork.unaryResponseSize
print(
    "Unary request \(payloadUp) B, response \(payloadDown) B; stream message \(BenchWork.streamMessageBytes.count) B."
)
print("\(options.rounds) rounds, rows interleaved within each round.\n")

var verdicts: [String] = []

// MARK: Unary

if options.parts.contains("unary") {
    let timing = PhaseTiming(warmup: .seconds(1), measure: .milliseconds(Int(options.seconds * 1000)))
    let concurrencies = [1, 16, 64]
    var results: [UnaryPeer: [Int: [PhaseResult]]] = [:]
    for round in 1...options.rounds {
        for concurrency in concurrencies {
            for peer in UnaryPeer.allCases where options.peers.contains(peer.name) {
                let result = try await runUnary(
                    peer,
                    concurrency: concurrency,
                    servers: servers,
                    timing: timing,
                    group: group
                )
                precondition(result.samples.failures == 0, "\(peer.label): \(result.samples.failures) calls failed")
                results[peer, default: [:]][concurrency, default: []].append(result)
                progress("round \(round) \(peer.label) ×\(concurrency): \(Report.number(result.rate)) calls/s")
            }
        }
    }
    func rate(_ peer: UnaryPeer, _ concurrency: Int) -> Double {
        Report.median(results[peer]?[concurrency]?.map(\.rate) ?? [])
    }
    var rows: [[String]] = []
    for concurrency in concurrencies {
        for peer in UnaryPeer.allCases {
            guard let phases = results[peer]?[concurrency] else { continue }
            var samples = LatencySamples()
            for phase in phases { samples.merge(phase.samples) }
            let sorted = samples.nanos.sorted()
            let rates = phases.map(\.rate)
            let calls = phases.map(\.count).reduce(0, +)
            let cpu = phases.map(\.serverCPUMicros).reduce(0, +)
            rows.append([
                peer.label, "\(concurrency)",
                Report.number(rate(peer, concurrency)),
                Report.number(rates.min()!) + "–" + Report.number(rates.max()!),
                Report.number(samples.percentileMicros(0.5, sorted: sorted), decimals: 1),
                Report.number(samples.percentileMicros(0.99, sorted: sorted), decimals: 1),
                Report.number(cpu / Double(calls), decimals: 2),
                Report.ratio(rate(peer, concurrency), rate(.grpc, concurrency)),
                Report.ratio(rate(peer, concurrency), rate(.bareNIO, concurrency)),
            ])
        }
    }
    print("### Unary calls, one connection\n")
    print(
        Report.table(
            [
                "Peer", "In flight", "Calls/s (median)", "Calls/s (range)", "p50 µs", "p99 µs", "Server CPU µs/call",
                "vs gRPC", "vs bare NIO",
            ],
            rows
        )
    )
    print("")
    for concurrency in [16, 64] {
        let ratio = rate(.chiboInline, concurrency) / rate(.grpc, concurrency)
        verdicts.append(
            String(
                format: "Chibo inline ≥ 10× gRPC calls/s at %d in flight: %.1f× — %@",
                concurrency,
                ratio,
                ratio >= 10 ? "met" : "not met"
            )
        )
    }
    for concurrency in concurrencies where results[.chiboGRPC] != nil && results[.grpcProtobuf] != nil {
        let ratio = rate(.chiboGRPC, concurrency) / rate(.grpcProtobuf, concurrency)
        verdicts.append(
            String(
                format: "Chibo over gRPC ≥ 1.3× grpc-swift-2 + swift-protobuf calls/s at %d in flight: %.2f× — %@",
                concurrency,
                ratio,
                ratio >= 1.3 ? "met" : "not met"
            )
        )
        verdicts.append(
            String(
                format: "Chibo protocol (inline) vs Chibo over gRPC calls/s at %d in flight: %.1f×",
                concurrency,
                rate(.chiboInline, concurrency) / rate(.chiboGRPC, concurrency)
            )
        )
    }
    for concurrency in concurrencies {
        let ratio = rate(.chiboInline, concurrency) / rate(.bareNIO, concurrency)
        verdicts.append(
            String(
                format: "Chibo inline ≥ 0.5× bare NIO calls/s at %d in flight: %.2f× — %@",
                concurrency,
                ratio,
                ratio >= 0.5 ? "met" : "not met"
            )
        )
    }
}

// MARK: Server streaming

if options.parts.contains("stream") {
    let messages = options.streamMessages
    var chibo: [PhaseResult] = []
    var chiboClient: [PhaseResult] = []
    var grpc: [PhaseResult] = []
    var chiboGRPC: [PhaseResult] = []
    var grpcProtobuf: [PhaseResult] = []
    for round in 1...options.rounds {
        chibo.append(
            try await runChiboStream(
                messages: messages,
                port: servers.chibo.port,
                serverPID: servers.chibo.pid,
                group: group
            )
        )
        chiboClient.append(
            try await runChiboClientStream(messages: messages, port: servers.chibo.port, serverPID: servers.chibo.pid)
        )
        grpc.append(try await runGRPCStream(messages: messages, port: servers.grpc.port, serverPID: servers.grpc.pid))
        chiboGRPC.append(
            try await runGRPCMembersStream(
                messages: messages,
                port: servers.chiboGRPC.port,
                serverPID: servers.chiboGRPC.pid
            )
        )
        grpcProtobuf.append(
            try await runGRPCMembersStream(
                messages: messages,
                port: servers.grpcProtobuf.port,
                serverPID: servers.grpcProtobuf.pid
            )
        )
        progress(
            "round \(round) streams: Chibo \(Report.number(chibo.last!.rate)), ChiboClient \(Report.number(chiboClient.last!.rate)), gRPC \(Report.number(grpc.last!.rate)) msgs/s"
        )
    }
    let grpcRate = Report.median(grpc.map(\.rate))
    func row(_ label: String, _ phases: [PhaseResult]) -> [String] {
        let rate = Report.median(phases.map(\.rate))
        let cpu = phases.map(\.serverCPUMicros).reduce(0, +) / Double(phases.map(\.count).reduce(0, +))
        return [
            label, Report.number(rate),
            Report.number(phases.map(\.rate).min()!) + "–" + Report.number(phases.map(\.rate).max()!),
            Report.number(cpu, decimals: 2), Report.ratio(rate, grpcRate),
        ]
    }
    print("### Server streaming, \(Report.number(Double(messages))) messages per stream\n")
    print(
        Report.table(
            ["Peer", "Messages/s (median)", "Messages/s (range)", "Server CPU µs/message", "vs gRPC"],
            [
                row("Chibo, `registerServerStreaming` (NIO client, grants as it reads)", chibo),
                row("Chibo, `registerServerStreaming` (async `ChiboClient`)", chiboClient),
                row("grpc-swift-2 (its async client)", grpc),
                row("Chibo over gRPC, ChiboGRPC (grpc-swift-2 client)", chiboGRPC),
                row("grpc-swift-2 + swift-protobuf (grpc-swift-2 client)", grpcProtobuf),
            ]
        )
    )
    print("")
    let ratio = Report.median(chibo.map(\.rate)) / grpcRate
    verdicts.append(
        String(format: "Chibo ≥ 5× gRPC streaming messages/s: %.1f× — %@", ratio, ratio >= 5 ? "met" : "not met")
    )
    verdicts.append(
        String(
            format: "Chibo over gRPC vs grpc-swift-2 + swift-protobuf streaming messages/s: %.2f×",
            Report.median(chiboGRPC.map(\.rate)) / Report.median(grpcProtobuf.map(\.rate))
        )
    )
}

// MARK: Bytes on the wire

if options.parts.contains("bytes") {
    let chiboPort = servers.chibo.port
    let ranges = [(1_000, 11_000), (20_000, 40_000)]
    var rows: [[String]] = []
    var worstOverhead = 0.0
    for (from, to) in ranges {
        let peers: [(String, Int, CallSession, Bool)] = [
            ("Chibo (NIO client)", chiboPort, nioSession(ChiboUnaryProtocol(method: .membersGet), group: group), true),
            ("Chibo (async `ChiboClient`)", chiboPort, chiboClientSession, true),
            ("grpc-swift-2", servers.grpc.port, grpcSession, false),
            ("Chibo over gRPC (ChiboGRPC)", servers.chiboGRPC.port, grpcMembersSession, false),
            ("grpc-swift-2 + swift-protobuf", servers.grpcProtobuf.port, grpcMembersSession, false),
            ("bare NIO echo", servers.bareNIO.port, nioSession(EchoUnaryProtocol(), group: group), false),
        ]
        for (label, port, session, isChibo) in peers {
            let bytes = try await measureWireBytes(targetPort: port, from: from, to: to, group: group, session: session)
            let overheadUp = bytes.up - Double(payloadUp)
            let overheadDown = bytes.down - Double(payloadDown)
            if isChibo { worstOverhead = max(worstOverhead, overheadUp, overheadDown) }
            rows.append([
                label, "\(Report.number(Double(from)))–\(Report.number(Double(to)))",
                Report.number(bytes.up, decimals: 1), Report.number(bytes.down, decimals: 1),
                Report.number(overheadUp, decimals: 1), Report.number(overheadDown, decimals: 1),
            ])
            progress("bytes \(label) calls \(from)–\(to): up \(bytes.up), down \(bytes.down)")
        }
    }
    print("### Bytes on the wire per unary call (request \(payloadUp) B, response \(payloadDown) B of payload)\n")
    print(
        Report.table(
            [
                "Peer", "Calls measured", "Client → server B/call", "Server → client B/call",
                "Overhead → B", "Overhead ← B",
            ],
            rows
        )
    )
    print("")
    verdicts.append(
        String(
            format: "Chibo framing overhead ≤ 16 B per direction: worst %.1f B — %@",
            worstOverhead,
            worstOverhead <= 16 ? "met" : "not met"
        )
    )
}

// MARK: Memory under a slow reader

if options.parts.contains("rss") {
    // A fresh server, so that its peak RSS is this stream's alone.
    let fresh = try ServerProcess("chibo-bench-server")
    defer { fresh.stop() }
    let result = try await runSlowReader(
        messages: options.streamMessages,
        port: fresh.port,
        serverPID: fresh.pid,
        group: group
    )
    print("### Chibo server memory, \(Report.number(Double(result.messages))) messages to a slow reader\n")
    print(
        Report.table(
            ["Stream time s", "Messages/s", "RSS before MB", "Highest RSS sampled MB", "Peak RSS (VmHWM) MB"],
            [
                [
                    Report.number(result.seconds, decimals: 1),
                    Report.number(Double(result.messages) / result.seconds),
                    Report.number(Double(result.rssBeforeKB) / 1024, decimals: 1),
                    Report.number(Double(result.maxSampledRSSKB) / 1024, decimals: 1),
                    Report.number(Double(result.peakRSSKB) / 1024, decimals: 1),
                ]
            ]
        )
    )
    print("")
    let peakMB = Double(result.peakRSSKB) / 1024
    verdicts.append(
        String(
            format: "Chibo server RSS < 40 MB with a slow reader: peak %.1f MB — %@",
            peakMB,
            peakMB < 40 ? "met" : "not met"
        )
    )
}

if !verdicts.isEmpty {
    print("### Targets\n")
    for verdict in verdicts { print("- " + verdict) }
}
try await group.shutdownGracefully()
