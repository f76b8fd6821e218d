import ChiboCodec
import ChiboModel
import Foundation
import Testing

/// Interop with Python's reference `protobuf` package, for every message type, in binary and
/// in proto3 JSON (`json_format`), in both directions.
@Suite struct PythonInteropTests {
    static let messagesPerType = 20

    /// Python reads what Swift writes: same bytes when it re-serializes, same meaning in JSON,
    /// and Swift's JSON equal to json_format's.
    @Test func pythonReadsSwift() throws {
        let directory = ExternalTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var rng = SplitMix64(seed: 2026)
        for messageType in allRandomMessageTypes {
            try write(messageType, into: directory, using: &rng)
        }
        let outcome = try ExternalTools.interop(["check", "--dir", directory.path])
        let report = String(decoding: outcome.stdout, as: UTF8.self)
        #expect(outcome.status == 0, "\(report)\n\(outcome.stderr)")
        #expect(report.contains("of \(MessageRegistry.allTypes.count) types; 0 failures"), "\(report)")
    }

    private func write<T: RandomMessage>(_ type: T.Type, into directory: URL, using rng: inout SplitMix64) throws {
        var messages = T.fullyPopulated(using: &rng)
        while messages.count < Self.messagesPerType {
            messages.append(T.random(using: &rng, full: false, depth: 0))
        }
        for (index, message) in messages.enumerated() {
            let stem = directory.appendingPathComponent("\(T.protoMessageName).\(index)")
            try Data(try message.serializedBytes()).write(to: stem.appendingPathExtension("bin"))
            try Data(message.jsonUTF8()).write(to: stem.appendingPathExtension("json"))
        }
    }

    /// Swift reads what Python writes: re-encoding gives Python's bytes, and Python's JSON
    /// decodes to the same message.
    @Test func swiftReadsPython() throws {
        let directory = ExternalTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let outcome = try ExternalTools.interop([
            "generate", "--out", directory.path, "--count", "\(Self.messagesPerType)",
        ])
        try #require(outcome.status == 0, "\(outcome.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".bin") }
        var typesSeen = Set<String>()
        for file in files.sorted() {
            let stem = String(file.dropLast(4))
            let typeName = String(stem[..<stem.lastIndex(of: ".")!])
            let type = try #require(MessageRegistry.type(named: typeName), "Python wrote unknown type \(typeName)")
            typesSeen.insert(typeName)
            let binary = try Data(contentsOf: directory.appendingPathComponent(file))
            let json = try Data(contentsOf: directory.appendingPathComponent(stem + ".json"))
            try check(type, binary: [UInt8](binary), json: [UInt8](json), name: stem)
        }
        #expect(typesSeen.count == MessageRegistry.allTypes.count)
        #expect(files.count == MessageRegistry.allTypes.count * Self.messagesPerType)
    }

    private func check<T: ProtoMessage>(_ type: T.Type, binary: [UInt8], json: [UInt8], name: String) throws {
        let fromBinary = try T(serializedBytes: binary)
        #expect(try fromBinary.serializedBytes() == binary, "\(name): re-encoded bytes differ")
        let fromJSON = try T(jsonUTF8: json)
        #expect(fromJSON == fromBinary, "\(name): JSON \(String(decoding: json, as: UTF8.self))")
    }
}
