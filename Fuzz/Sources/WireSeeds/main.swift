// Writes the wire seed corpus: connection transcripts in the layout of `WireInput`, each checked
// by `WireCheck` before it is written. (The regression-*.bin seeds beside them are inputs the
// fuzzer found, kept as found; this tool leaves them alone.)
// Usage: WireSeeds <output directory>
//        WireSeeds --trace <input>...   prints what happens in each input, for reading a crash

import ChiboModel
import ChiboWire
import Foundation
import WireFuzzSupport

func hello(version: UInt32 = 1) -> Frame {
    Frame(callId: 0, body: .hello(Hello(protocolVersion: version, clientName: "seed/1.0", token: "t0k3n")))
}

func open(_ id: UInt32, _ method: Method, timeoutMs: UInt32 = 0, payload: [UInt8] = []) -> Frame {
    Frame(callId: id, body: .open(Open(method: method, timeoutMs: timeoutMs, payload: payload)))
}

func data(_ id: UInt32, _ payload: [UInt8] = [], end: Bool = false) -> Frame {
    Frame(callId: id, body: .data(StreamMessage(payload: payload, end: end)))
}

func window(_ id: UInt32, _ messages: UInt32) -> Frame {
    Frame(callId: id, body: .windowUpdate(WindowUpdate(messages: messages)))
}

func cancel(_ id: UInt32) -> Frame { Frame(callId: id, body: .cancel(Cancel())) }

func ping(_ opaque: UInt64) -> Frame { Frame(callId: 0, body: .ping(Ping(opaque: opaque))) }

/// `WireInput.methods` indexes, for `clientStartCall`.
enum ClientMethod: UInt8 {
    case healthCheck = 0
    case healthWatch = 2
    case membersList = 3
    case meetingsRecord = 4
}

var seeds: [(name: String, input: WireInputBuilder)] = []

@MainActor
func seed(_ name: String, config: UInt8 = WireInput.defaultConfig, _ build: (inout WireInputBuilder) -> Void) {
    var input = WireInputBuilder(config: config)
    build(&input)
    seeds.append((name, input))
}

seed("unary") { input in
    input.event(.clientStartCall, ClientMethod.healthCheck.rawValue)
    input.frame(hello())
    input.frame(open(1, .healthCheck, timeoutMs: 5000, payload: [0x0a, 0x02, 0x68, 0x69]))
    input.event(.finish, 0x10)
    input.frame(ping(42))
    input.frame(Frame(callId: 0, body: .pong(Pong(opaque: 7))))
}

seed("server-stream") { input in
    input.event(.clientStartCall, ClientMethod.membersList.rawValue)
    input.frame(hello())
    input.frame(open(1, .membersList, payload: [0x08, 0x32]))
    for length in [0x10, 0x20, 0x30, 0x40] as [UInt8] { input.event(.sendMessage, length) }
    input.event(.clientCallEvent, 0x00)
    input.frame(window(1, 2))
    input.event(.sendMessage, 0x20)
    input.event(.sendMessage, 0x20)
    input.event(.finish, 0x00)
}

seed("client-stream") { input in
    input.event(.clientStartCall, ClientMethod.meetingsRecord.rawValue)
    input.event(.clientCallEvent, 0x10)
    input.frame(hello())
    input.frame(open(1, .meetingsRecord))
    for byte in [0x61, 0x62, 0x63] as [UInt8] { input.frame(data(1, [0x0a, 0x01, byte]), chunk: 3) }
    for _ in 0..<3 { input.event(.messageConsumed, 0) }
    input.frame(data(1, [0x0a, 0x01, 0x64]))
    input.frame(data(1, end: true))
    input.event(.clientCallEvent, 0x20)
    input.event(.finish, 0x10)
}

// The client's own window: it sends until it must wait, and the server's grant resumes it.
seed("client-stream-window") { input in
    input.frame(hello())
    input.event(.clientStartCall, ClientMethod.meetingsRecord.rawValue)
    for _ in 0..<4 { input.event(.clientCallEvent, 0x10) }
    input.frame(open(1, .meetingsRecord))
    input.frame(data(1, [0x0a, 0x01, 0x61]))
    input.event(.messageConsumed, 0)
    input.event(.clientCallEvent, 0x10)
    input.event(.clientCallEvent, 0x20)
    input.event(.clientCallEvent, 0x30)
}

seed("stream-after-end") { input in
    input.frame(hello())
    input.frame(open(1, .meetingsRecord))
    input.frame(data(1, end: true))
    input.frame(data(1, [0x01]))
    input.frame(open(2, .meetingsRecord))
    input.frame(data(2, [0x01]))
    input.frame(data(2, [0x02]))
    input.frame(data(2, [0x03]))
    input.frame(data(2, [0x04]))
}

seed("cancel-deadline") { input in
    input.frame(hello())
    input.frame(open(1, .healthCheck))
    input.frame(open(3, .healthWatch, timeoutMs: 100))
    input.frame(cancel(1))
    input.event(.deadlineExpired, 0)
    input.frame(data(1, [0x01]))
    input.frame(window(3, 5))
    input.frame(cancel(3))
    input.frame(data(9, [0x02]))
    input.event(.finishEnded, 0)
    input.event(.finishEnded, 1)
}

seed("drain") { input in
    input.event(.clientStartCall, ClientMethod.healthCheck.rawValue)
    input.event(.clientStartCall, ClientMethod.healthWatch.rawValue)
    input.frame(hello())
    input.frame(open(1, .healthCheck))
    input.frame(open(2, .healthWatch))
    input.event(.beginDrain, 0)
    input.frame(open(3, .healthCheck))
    input.event(.finish, 0x20)
    input.event(.sendMessage, 0x10)
    input.event(.finish, 0x00)
}

seed("concurrency-limit") { input in
    input.frame(hello())
    for id in 1...5 as ClosedRange<UInt32> { input.frame(open(id, .healthCheck, payload: [UInt8(id)])) }
    input.event(.finish, 0x01)
    input.frame(open(6, Method(rawValue: 999)))
    input.frame(open(7, .serverInfoGet))
    input.event(.idleTimeout, 0)
}

seed("byte-by-byte") { input in
    input.frame(hello(), chunk: 1)
    input.frame(open(1, .healthCheck, timeoutMs: 250, payload: Array(repeating: 0x55, count: 40)), chunk: 1)
    input.frame(ping(UInt64.max), chunk: 2)
    input.event(.finish, 0x30)
}

seed("frame-too-large") { input in
    input.frame(hello())
    input.raw([0x00, 0x00, 0x10, 0x01, 0x0a, 0x00], chunk: 2)
}

seed("malformed-frame") { input in
    input.frame(hello())
    input.raw([0x00, 0x00, 0x00, 0x03, 0x08, 0xff, 0xff])
}

seed("truncated-frame") { input in
    input.frame(hello())
    input.frame(open(1, .healthCheck))
    input.trailing([0x00, 0x00, 0x00, 0x09, 0x08, 0x03, 0x22])
}

seed("large-frame") { input in
    input.frame(hello())
    input.frame(open(1, .healthCheck, payload: Array(repeating: 0x41, count: 4000)), chunk: 128)
    input.event(.finish, 0x10)
}

seed("handshake-timeout") { input in
    input.event(.handshakeTimeout, 0)
    input.frame(hello())
}

seed("idle-timeout") { input in
    input.frame(hello())
    input.frame(ping(1))
    input.event(.idleTimeout, 0)
}

seed("unsupported-version") { input in
    input.frame(hello(version: 0))
}

seed("protocol-error") { input in
    input.frame(hello())
    input.frame(Frame(callId: 0, body: .welcome(Welcome(protocolVersion: 1))))
}

seed("go-away-abandons") { input in
    input.event(.clientStartCall, ClientMethod.healthCheck.rawValue)
    input.event(.clientStartCall, ClientMethod.healthCheck.rawValue | 0x80)
    input.frame(hello())
    input.frame(open(1, .healthCheck))
    input.event(.beginDrain, 0)
    input.frame(open(2, .healthCheck))
    input.event(.finish, 0)
}

// The connection's end ends its calls: late handler and timer events get nothing to send.
seed("events-after-protocol-error") { input in
    input.frame(hello())
    input.frame(open(1, .membersList))
    input.frame(open(2, .meetingsRecord))
    input.frame(data(2, [0x01]))
    input.frame(Frame(callId: 0, body: .welcome(Welcome(protocolVersion: 1))))
    input.event(.sendMessage, 0x10)
    input.event(.messageConsumed, 0)
    input.event(.deadlineExpired, 1)
    input.event(.finish, 0x00)
    input.event(.idleTimeout, 0)
}

seed("idle-after-drain") { input in
    input.frame(hello())
    input.event(.beginDrain, 0)
    input.event(.idleTimeout, 0)
    input.event(.handshakeTimeout, 0)
}

// A draining connection closes when its last call ends, here by a cancel, not a finish.
seed("drain-ends-by-cancel") { input in
    input.frame(hello())
    input.frame(open(1, .meetingsRecord))
    input.frame(open(2, .healthCheck, timeoutMs: 50))
    input.event(.beginDrain, 0)
    input.event(.deadlineExpired, 1)
    input.frame(cancel(1))
}

// A refused client ignores what the server sends after its go-away.
seed("client-after-refusal") { input in
    input.event(.clientStartCall, ClientMethod.healthCheck.rawValue)
    input.frame(Frame(callId: 0, body: .welcome(Welcome(protocolVersion: 1, serverName: "not a hello"))))
    input.frame(Frame(callId: 0, body: .goAway(GoAway(status: Status(code: .unavailable, message: "again")))))
    input.frame(Frame(callId: 1, body: .close(Close(payload: [0x01]))))
}

let arguments = CommandLine.arguments
if arguments.count >= 3, arguments[1] == "--trace" {
    // Unbuffered, so that the steps before a failed check are printed.
    let say = { (line: String) in FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
    for path in arguments.dropFirst(2) {
        say("== \(path)")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes.withUnsafeBytes { WireCheck.run($0, trace: say) }
    }
    exit(0)
}
guard arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: WireSeeds <output directory> | --trace <input>...\n".utf8))
    exit(2)
}
let directory = URL(fileURLWithPath: arguments[1], isDirectory: true)
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
for (name, input) in seeds {
    let bytes = input.bytes
    bytes.withUnsafeBytes { WireCheck.run($0) }
    try Data(bytes).write(to: directory.appendingPathComponent("\(name).wire"))
}
print("wrote \(seeds.count) seeds to \(directory.path)")
