import ChiboCodec

/// How a fuzz input selects its message type: the first byte, modulo the number of types, indexes
/// `MessageRegistry.allTypes`; the remaining bytes are the payload.
public enum FuzzInput {
    /// The message type the leading byte `byte` selects.
    public static func messageType(for byte: UInt8) -> any ProtoMessage.Type {
        let types = MessageRegistry.allTypes
        return types[Int(byte) % types.count]
    }

    /// The leading byte that selects `type`.
    public static func selector(for type: any ProtoMessage.Type) -> UInt8 {
        let index = MessageRegistry.allTypes.firstIndex { $0 == type }
        guard let index else { fatalError("\(type) is not in MessageRegistry.allTypes") }
        return UInt8(index)
    }
}

/// What the decoders made of one input: nil for success, otherwise the error code.
public struct RoundTripOutcome: Sendable {
    /// The message type the input selected.
    public var messageName: String
    /// nil when the payload decoded as binary, else why it did not.
    public var binaryError: CodecError.Code?
    /// nil when the payload decoded as JSON, else why it did not.
    public var jsonError: CodecError.Code?
}

/// The properties the fuzzer checks on every input. A violation stops the process with
/// `fatalError`, which libFuzzer reports as a crash and saves the input.
///
/// - Binary: when the payload decodes, the value re-encodes without error, the encoding decodes
///   to an equal value, and encoding that value again gives the same bytes. Its JSON also decodes
///   to an equal value.
/// - JSON: when the payload decodes as JSON, the value's JSON (compact and pretty-printed)
///   decodes to an equal value and re-encodes to the same bytes, and the value passes the binary
///   checks too: whatever JSON accepts, binary must carry (JSON decoding refuses U+0000 for that).
///
/// Values holding a NaN are not equal to themselves; for them the encodings are compared instead
/// (binary keeps a NaN's payload bits, JSON writes every NaN as "NaN").
/// Re-decoding uses a large allocation budget: the default budget scales with the input size, and
/// a canonical re-encoding can be shorter than the input that produced it (over-long varints,
/// unpacked repeated fields), so the default budget could refuse it by design.
public enum RoundTripCheck {
    /// Limits for decoding bytes the codec produced itself.
    static let relaxed = DecodingLimits(
        maxMessageBytes: 64 << 20,
        allocationPerInputByte: 64,
        baseAllocationBytes: 256 << 20
    )

    /// Runs every check on a fuzz input (selector byte plus payload).
    @discardableResult
    public static func run(_ input: UnsafeRawBufferPointer) -> RoundTripOutcome? {
        guard let first = input.first else { return nil }
        let type = FuzzInput.messageType(for: first)
        return run(type, payload: UnsafeRawBufferPointer(rebasing: input.dropFirst()))
    }

    /// Runs every check on `payload` as an encoding of `type`.
    public static func run<M: ProtoMessage>(_ type: M.Type, payload: UnsafeRawBufferPointer) -> RoundTripOutcome {
        var outcome = RoundTripOutcome(messageName: M.protoMessageName)
        do {
            let message = try M(serializedBytes: payload, limits: .default)
            checkBinary(message)
            checkJSON(message)
        } catch {
            outcome.binaryError = error.code
        }
        do {
            let message = try M(jsonUTF8: payload, options: .init())
            checkJSON(message)
            checkBinary(message)
        } catch {
            outcome.jsonError = error.code
        }
        return outcome
    }

    /// Binary re-encode and re-decode of a decoded value.
    static func checkBinary<M: ProtoMessage>(_ message: M) {
        let encoded: [UInt8]
        do {
            encoded = try message.serializedBytes()
        } catch {
            fail(M.self, "encoding a decoded value failed: \(error)")
        }
        let again: M
        do {
            again = try M(serializedBytes: encoded, limits: relaxed)
        } catch {
            fail(M.self, "decoding the codec's own encoding failed: \(error); encoding \(hex(encoded))")
        }
        let reencoded: [UInt8]
        do {
            reencoded = try again.serializedBytes()
        } catch {
            fail(M.self, "encoding a re-decoded value failed: \(error)")
        }
        guard reencoded == encoded else {
            fail(M.self, "encoding is not stable: \(hex(encoded)) then \(hex(reencoded))")
        }
        guard message == again || (message != message && reencoded == encoded) else {
            fail(M.self, "binary round trip changed the value: \(message) became \(again)")
        }
    }

    /// JSON re-encode and re-decode of a decoded value, compact and pretty-printed.
    static func checkJSON<M: ProtoMessage>(_ message: M) {
        let json = message.jsonUTF8(options: .init())
        for pretty in [false, true] {
            let text = pretty ? message.jsonUTF8(options: .init(prettyPrinted: true)) : json
            let again: M
            do {
                again = try M(jsonUTF8: text, options: .init())
            } catch {
                fail(
                    M.self,
                    "decoding the codec's own JSON failed: \(error); JSON \(String(decoding: text, as: UTF8.self))"
                )
            }
            let rewritten = again.jsonUTF8(options: .init())
            guard rewritten == json else {
                fail(
                    M.self,
                    "JSON is not stable: \(String(decoding: json, as: UTF8.self)) then \(String(decoding: rewritten, as: UTF8.self))"
                )
            }
            guard message == again || (message != message && rewritten == json) else {
                fail(M.self, "JSON round trip changed the value: \(message) became \(again)")
            }
        }
    }

    static func fail<M: ProtoMessage>(_ type: M.Type, _ message: String) -> Never {
        fatalError("\(M.protoMessageName): \(message)")
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        var text = ""
        for byte in bytes.prefix(256) {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 15)])
        }
        return bytes.count > 256 ? text + "…" : text
    }
}
