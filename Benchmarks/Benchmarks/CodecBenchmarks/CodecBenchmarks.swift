// Encode and decode of one Member and one Meeting through ChiboCodec, libprotobuf-c from C and
// apple/swift-protobuf, side by side. Results are per message (scaling factor 1000).

import BenchFixtures
import Benchmark
import CChiboPeer
import ChiboCodec
import ChiboModel
import SwiftProtobuf
import SwiftProtobufPeer

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let benchmarks: @Sendable () -> Void = {
    // Seconds per benchmark; CHIBO_BENCH_SECONDS overrides (a busy machine wants longer runs).
    let seconds = getenv("CHIBO_BENCH_SECONDS").flatMap { Int(String(cString: $0)) } ?? 5
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal],
        timeUnits: .nanoseconds,
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(seconds),
        maxIterations: 1_000_000
    )

    // The three peers must encode the same bytes and decode each other's output to equal content,
    // or the comparison would be meaningless: stop before timing anything.
    let memberBytes: PeerEncodings
    let meetingBytes: PeerEncodings
    do {
        memberBytes = try PeerCheck.member()
        meetingBytes = try PeerCheck.meeting()
    } catch {
        fatalError("the benchmark peers disagree: \(error)")
    }
    print(
        "Encoded sizes: Member \(memberBytes.chibo.count) B, Meeting \(meetingBytes.chibo.count) B (identical for all peers)"
    )

    let member = Fixture.member()
    let meeting = Fixture.meeting()
    let peerMember = Fixture.swiftProtobufMember()
    let peerMeeting = Fixture.swiftProtobufMeeting()
    let memberWire = memberBytes.chibo
    let meetingWire = meetingBytes.chibo

    // Member

    Benchmark("Member encode: ChiboCodec") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try member.serializedBytes())
        }
    }
    Benchmark("Member encode: C protobuf-c") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(bench_member_pack())
        }
    }
    Benchmark("Member encode: C protobuf-c, reused buffer") { benchmark in
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 16)
        defer { buffer.deallocate() }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(bench_member_pack_into(buffer, 1 << 16))
        }
        benchmark.stopMeasurement()
    }
    Benchmark("Member encode: swift-protobuf") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try peerMember.serializedBytes() as [UInt8])
        }
    }
    Benchmark("Member decode: ChiboCodec") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try Member(serializedBytes: memberWire))
        }
    }
    Benchmark("Member decode: C protobuf-c") { benchmark in
        try memberWire.withUnsafeBufferPointer { wire in
            for _ in benchmark.scaledIterations {
                guard bench_member_unpack(wire.baseAddress, wire.count) == 0 else {
                    throw PeerMismatch(description: "unpack failed")
                }
            }
        }
    }
    Benchmark("Member decode: swift-protobuf") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try Chibo_V1_Member(serializedBytes: memberWire))
        }
    }

    // Meeting

    Benchmark("Meeting encode: ChiboCodec") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try meeting.serializedBytes())
        }
    }
    Benchmark("Meeting encode: C protobuf-c") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(bench_meeting_pack())
        }
    }
    Benchmark("Meeting encode: C protobuf-c, reused buffer") { benchmark in
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 16)
        defer { buffer.deallocate() }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(bench_meeting_pack_into(buffer, 1 << 16))
        }
        benchmark.stopMeasurement()
    }
    Benchmark("Meeting encode: swift-protobuf") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try peerMeeting.serializedBytes() as [UInt8])
        }
    }
    Benchmark("Meeting decode: ChiboCodec") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try Meeting(serializedBytes: meetingWire))
        }
    }
    Benchmark("Meeting decode: C protobuf-c") { benchmark in
        try meetingWire.withUnsafeBufferPointer { wire in
            for _ in benchmark.scaledIterations {
                guard bench_meeting_unpack(wire.baseAddress, wire.count) == 0 else {
                    throw PeerMismatch(description: "unpack failed")
                }
            }
        }
    }
    Benchmark("Meeting decode: swift-protobuf") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try Chibo_V1_Meeting(serializedBytes: meetingWire))
        }
    }
}
