// Runs one codec operation in a loop, for profilers: valgrind --tool=callgrind counts
// instructions, which repeat exactly from run to run on a shared machine.
// Usage: codec-loop OPERATION [COUNT], OPERATION one of the names below.

import BenchFixtures
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

let member = try PeerCheck.member()
let meeting = try PeerCheck.meeting()
let memberModel = Fixture.member()
let meetingModel = Fixture.meeting()
let memberPeer = Fixture.swiftProtobufMember()
let meetingPeer = Fixture.swiftProtobufMeeting()

let operations: [String: () throws -> Int] = [
    "member-encode-chibo": { try memberModel.serializedBytes().count },
    "member-decode-chibo": { try Member(serializedBytes: member.chibo).positions.count },
    "member-encode-c": { bench_member_pack() },
    "member-decode-c": { member.c.withUnsafeBufferPointer { Int(bench_member_unpack($0.baseAddress, $0.count)) } },
    "member-encode-swift-protobuf": { try (memberPeer.serializedBytes() as [UInt8]).count },
    "member-decode-swift-protobuf": { try Chibo_V1_Member(serializedBytes: member.chibo).positions.count },
    "meeting-encode-chibo": { try meetingModel.serializedBytes().count },
    "meeting-decode-chibo": { try Meeting(serializedBytes: meeting.chibo).attendance.count },
    "meeting-encode-c": { bench_meeting_pack() },
    "meeting-decode-c": { meeting.c.withUnsafeBufferPointer { Int(bench_meeting_unpack($0.baseAddress, $0.count)) } },
    "meeting-encode-swift-protobuf": { try (meetingPeer.serializedBytes() as [UInt8]).count },
    "meeting-decode-swift-protobuf": { try Chibo_V1_Meeting(serializedBytes: meeting.chibo).attendance.count },
]

let arguments = CommandLine.arguments
guard arguments.count >= 2, let operation = operations[arguments[1]] else {
    print("usage: codec-loop OPERATION [COUNT]; operations: \(operations.keys.sorted().joined(separator: ", "))")
    exit(2)
}
let count = arguments.count > 2 ? Int(arguments[2]) ?? 100_000 : 100_000
var sink = 0
for _ in 0..<count {
    sink &+= try operation()
}
print("\(arguments[1]) x \(count): checksum \(sink)")
