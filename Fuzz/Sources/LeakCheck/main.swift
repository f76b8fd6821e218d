// Drives every message type through the decoders and encoders with valid and malformed input, for
// a run under valgrind (see docs/FUZZING.md): the seeds and any fuzz corpus given, their truncated
// and bit-flipped variants fed to every type, and inputs made to hit each decoding limit and check
// (size, allocation budget, invalid UTF-8, NUL on decode and on encode, JSON depth).
// Every input also goes through the fuzzer's round-trip checks, which stop the run on a violation.
// Usage: LeakCheck <directory of fuzz inputs>...

import ChiboCodec
import ChiboModel
import Foundation
import FuzzSupport

var binaryOutcomes: [String: Int] = [:]
var jsonOutcomes: [String: Int] = [:]
var inputs = 0

/// Runs the round-trip checks on `payload` as `type` and tallies what the decoders said.
@MainActor func exercise(_ type: any ProtoMessage.Type, _ payload: [UInt8]) {
    let outcome = payload.withUnsafeBytes { RoundTripCheck.run(type, payload: $0) }
    binaryOutcomes[outcome.binaryError.map { "\($0)" } ?? "ok", default: 0] += 1
    jsonOutcomes[outcome.jsonError.map { "\($0)" } ?? "ok", default: 0] += 1
    inputs += 1
}

/// Decodes `payload` as `M` with `limits` and requires the error `expected`.
@MainActor func expectBinaryError<M: ProtoMessage>(
    _ type: M.Type,
    _ payload: [UInt8],
    limits: DecodingLimits = .default,
    _ expected: CodecError.Code
) {
    do {
        _ = try M(serializedBytes: payload, limits: limits)
        fatalError("\(M.protoMessageName): expected \(expected), but the input decoded")
    } catch {
        guard error.code == expected else { fatalError("\(M.protoMessageName): expected \(expected), got \(error)") }
        binaryOutcomes["\(expected) (targeted)", default: 0] += 1
    }
}

/// Decodes `json` as `M` and requires the error `expected`.
@MainActor func expectJSONError<M: ProtoMessage>(_ type: M.Type, _ json: [UInt8], _ expected: CodecError.Code) {
    do {
        _ = try M(jsonUTF8: json)
        fatalError("\(M.protoMessageName): expected \(expected), but the input decoded")
    } catch {
        guard error.code == expected else { fatalError("\(M.protoMessageName): expected \(expected), got \(error)") }
        jsonOutcomes["\(expected) (targeted)", default: 0] += 1
    }
}

/// Encodes `message`, which holds a string with U+0000, and requires the encoder to refuse it.
@MainActor func expectEncodingNUL<M: ProtoMessage>(_ message: M) {
    do {
        _ = try message.serializedBytes()
        fatalError("\(M.protoMessageName): encoding a string with NUL succeeded")
    } catch {
        precondition(error.code == .embeddedNUL, "\(error)")
        binaryOutcomes["embeddedNUL on encode (targeted)", default: 0] += 1
    }
}

/// A length-delimited field: tag, length, payload (lengths under 128 only).
func field(_ number: UInt8, _ payload: [UInt8]) -> [UInt8] {
    precondition(payload.count < 128 && number < 16)
    return [number << 3 | 2, UInt8(payload.count)] + payload
}

// 1. Seeds and corpora: each input as its own type, its prefixes and bit flips, and as every type.
var files: [[UInt8]] = []
for directory in CommandLine.arguments.dropFirst() {
    let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    for name in names {
        files.append(Array(try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(name))))
    }
}
var random = SystemRandomNumberGenerator()
for (index, file) in files.enumerated() where !file.isEmpty {
    let type = FuzzInput.messageType(for: file[0])
    let payload = Array(file.dropFirst())
    exercise(type, payload)
    // Every prefix of the first few files, a sample of prefixes of the rest.
    let step = index < 40 ? 1 : max(1, payload.count / 8)
    for length in stride(from: 0, to: payload.count, by: step) { exercise(type, Array(payload.prefix(length))) }
    for _ in 0..<(index < 40 ? 16 : 2) where !payload.isEmpty {
        var flipped = payload
        flipped[Int.random(in: 0..<payload.count, using: &random)] ^=
            UInt8(1) << UInt8.random(in: 0...7, using: &random)
        exercise(type, flipped)
    }
    if index < 40 {
        for other in MessageRegistry.allTypes { exercise(other, payload) }
    }
}

// 2. Every type: empty input, the empty message, its JSON and a few malformed encodings.
for type in MessageRegistry.allTypes {
    for payload: [UInt8] in [
        [], Array("{}".utf8), Array("null".utf8), [0x08], [0x0a, 0x05, 0x41], [0x00], [0x0b, 0x0c], [0x0f], [0x80],
        [0x0a, 0x02, 0xc3, 0x28], [0x12, 0x02, 0x41, 0x00], [0xfa, 0xff, 0xff, 0xff, 0x0f, 0x00],
        Array(#"{"unknownField":1}"#.utf8), Array(#"{"a":"\ud800"}"#.utf8),
        Array(repeating: UInt8(ascii: "["), count: 200),
    ] {
        exercise(type, payload)
    }
}

// 3. Targeted: each limit and check, failing at the top level and nested.
let tooDeep = Array(String(repeating: #"{"meta":"#, count: 70).utf8)
expectJSONError(Meeting.self, tooDeep + Array("{}".utf8) + Array(repeating: UInt8(ascii: "}"), count: 70), .invalidJSON)
expectBinaryError(Member.self, field(4, Array("Nguyễn".utf8)), limits: DecodingLimits(maxMessageBytes: 4), .tooLarge)
expectBinaryError(Member.self, field(4, [0x41, 0xc3, 0x28]), .invalidUTF8)  // bad continuation
expectBinaryError(Member.self, field(4, [0xc0, 0x80]), .invalidUTF8)  // overlong NUL
expectBinaryError(Member.self, field(4, [0xed, 0xa0, 0x80]), .invalidUTF8)  // surrogate
expectBinaryError(Member.self, field(4, [0xf4, 0x90, 0x80, 0x80]), .invalidUTF8)  // above U+10FFFF
expectBinaryError(Member.self, field(4, [0x4d, 0x31, 0x00, 0x78]), .embeddedNUL)
expectBinaryError(Meeting.self, field(13, field(3, [0xe1, 0xbb])), .invalidUTF8)  // attendance[].reason, truncated
expectBinaryError(Meeting.self, field(13, field(1, [0x00])), .embeddedNUL)  // attendance[].member_id
// close.status.violations[].description
expectBinaryError(Frame.self, field(6, field(2, field(3, field(2, [0xff])))), .invalidUTF8)
// Allocation budget: many empty attendance records, refused part-way through the unpack.
let records = Array([[UInt8]](repeating: [0x6a, 0x00], count: 4000).joined())
let tight = DecodingLimits(allocationPerInputByte: 16, baseAllocationBytes: 4096)
expectBinaryError(Meeting.self, records, limits: tight, .allocationBudgetExceeded)
expectBinaryError(
    OrgUnitsResponse.self,
    Array([[UInt8]](repeating: [0x0a, 0x00], count: 4000).joined()),
    limits: tight,
    .allocationBudgetExceeded
)
expectBinaryError(
    FieldMask.self,
    Array([[UInt8]](repeating: [0x0a, 0x01, 0x61], count: 4000).joined()),
    limits: DecodingLimits(allocationPerInputByte: 2, baseAllocationBytes: 1024),
    .allocationBudgetExceeded
)
// The same records within the default budget decode.
exercise(Meeting.self, records)
// One MiB of empty records under the default limits.
exercise(Meeting.self, Array([[UInt8]](repeating: [0x6a, 0x00], count: 1 << 19).joined()))
// U+0000: JSON decoding refuses it like binary decoding; a value set in code fails to encode.
expectJSONError(Member.self, Array(#"{"fullName":"M1\u0000x"}"#.utf8), .embeddedNUL)
var member = Member()
member.fullName = "M1\u{0}x"
var meeting = Meeting()
meeting.attendance = [AttendanceRecord(), AttendanceRecord()]
meeting.attendance[1].reason = "vắng\u{0}"
expectEncodingNUL(member)
expectEncodingNUL(meeting)
expectJSONError(Member.self, Array(#"{"fullName":"\ud800"}"#.utf8), .invalidUTF8)
expectJSONError(Member.self, [0x7b, 0x22, 0x69, 0x64, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d], .invalidUTF8)

print("LeakCheck: \(inputs) inputs from \(files.count) files over \(MessageRegistry.allTypes.count) message types")
print("binary:", binaryOutcomes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
print("json:  ", jsonOutcomes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
