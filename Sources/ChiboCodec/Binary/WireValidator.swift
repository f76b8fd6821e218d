internal import CProtobufC

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pre-pass over protobuf wire bytes, driven by the libprotobuf-c descriptors, that catches
/// what libprotobuf-c would accept silently or reject without saying where:
///
/// - string fields holding invalid UTF-8 or U+0000 (protobuf-c would cut `"M1\0x"` to `"M1"`,
///   letting one ID alias another);
/// - truncated tags, varints and length-delimited fields; lengths past the end;
/// - field number 0, groups and the invalid wire types 6 and 7;
/// - a known field sent with a wire type that does not fit its declared type.
///
/// Each fault is reported with the field path and the byte offset. Hand-written: no listed
/// library walks protobuf-c descriptors; protobuf-c itself reports only NULL.
///
/// Two walks share these rules. `isClean` is the quick one every decode runs: it answers yes or
/// no, allocates nothing and leaves UTF-8 to the String conversion after unpacking (which must
/// validate anyway) — except when a singular string or message field occurs twice, whose
/// earlier occurrence libprotobuf-c would drop unseen: then it answers no. `validate` is the
/// reporting one: it also checks UTF-8 and throws the first fault in byte order; decoding runs it
/// whenever the quick walk says no or a later step fails, so errors are the same as if it ran
/// first, and every string occurrence on the wire is checked.
enum WireValidator {
    /// The schema has no recursive messages; this bounds the walk for any descriptor anyway.
    static let maxDepth = 64

    /// Validates a whole message.
    static func validate(
        _ bytes: UnsafeRawBufferPointer,
        descriptor: UnsafePointer<ProtobufCMessageDescriptor>,
        messageName: String
    ) throws(CodecError) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        var walker = Walker(base: base, messageName: messageName)
        try walker.message(from: 0, to: bytes.count, descriptor: descriptor, depth: 0)
    }

    /// Whether the bytes pass every rule above except UTF-8 validity (NUL is still rejected).
    /// When it says no, `validate` throws the fault.
    static func isClean(
        _ bytes: UnsafeRawBufferPointer,
        descriptor: UnsafePointer<ProtobufCMessageDescriptor>
    ) -> Bool {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return true }
        return quickMessage(base.assumingMemoryBound(to: UInt8.self), from: 0, to: bytes.count, descriptor, depth: 0)
    }

    /// The field with `number`: a direct index when the descriptor's fields are numbered densely
    /// from 1 (as most are), else protobuf-c's binary search.
    @inline(__always)
    static func field(
        _ descriptor: UnsafePointer<ProtobufCMessageDescriptor>,
        _ number: UInt32
    ) -> UnsafePointer<ProtobufCFieldDescriptor>? {
        let index = Int(truncatingIfNeeded: number) &- 1
        if index >= 0, index < Int(descriptor.pointee.n_fields), let fields = descriptor.pointee.fields {
            let candidate = fields + index
            if candidate.pointee.id == number { return candidate }
        }
        return protobuf_c_message_descriptor_get_field(descriptor, number)
    }

    /// The wire type a field's declared type is sent with: 0 varint, 1 fixed 64-bit, 2 length
    /// delimited, 5 fixed 32-bit.
    @inline(__always)
    static func nativeWireType(_ type: ProtobufCType) -> Int {
        switch type {
        case PROTOBUF_C_TYPE_STRING, PROTOBUF_C_TYPE_BYTES, PROTOBUF_C_TYPE_MESSAGE: 2
        case PROTOBUF_C_TYPE_FIXED64, PROTOBUF_C_TYPE_SFIXED64, PROTOBUF_C_TYPE_DOUBLE: 1
        case PROTOBUF_C_TYPE_FIXED32, PROTOBUF_C_TYPE_SFIXED32, PROTOBUF_C_TYPE_FLOAT: 5
        default: 0
        }
    }

    /// A varint under the reporting walk's rules (at most 10 bytes, no bits past 64); nil when
    /// it breaks one or runs past `end`.
    @inline(__always)
    private static func quickVarint(_ bytes: UnsafePointer<UInt8>, _ position: inout Int, _ end: Int) -> UInt64? {
        guard position < end else { return nil }
        let first = bytes[position]
        if first < 0x80 {
            position &+= 1
            return UInt64(first)
        }
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while position < end {
            let byte = bytes[position]
            position &+= 1
            if shift == 63 && byte > 1 { return nil }
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift &+= 7
            if shift > 63 { return nil }
        }
        return nil
    }

    private static func quickMessage(
        _ bytes: UnsafePointer<UInt8>,
        from start: Int,
        to end: Int,
        _ descriptor: UnsafePointer<ProtobufCMessageDescriptor>,
        depth: Int
    ) -> Bool {
        guard depth < maxDepth else { return false }
        var position = start
        // Singular strings and messages seen so far, by field number. libprotobuf-c keeps only
        // the last of repeated occurrences, so the String conversion would never see an earlier
        // one: a second occurrence sends the input to the full pre-pass, which checks them all.
        var seenSingular: UInt64 = 0
        while position < end {
            guard let tag = quickVarint(bytes, &position, end) else { return false }
            let number = tag >> 3
            let wireType = Int(tag & 7)
            guard number != 0, number <= 536_870_911 else { return false }
            let field = field(descriptor, UInt32(number))
            switch wireType {
            case 0:
                guard quickVarint(bytes, &position, end) != nil else { return false }
                if let field, nativeWireType(field.pointee.type) != 0 { return false }
            case 1, 5:
                guard end - position >= (wireType == 1 ? 8 : 4) else { return false }
                position &+= wireType == 1 ? 8 : 4
                if let field, nativeWireType(field.pointee.type) != wireType { return false }
            case 2:
                guard let length = quickVarint(bytes, &position, end), length <= UInt64(end - position) else {
                    return false
                }
                let payload = position
                position &+= Int(length)
                guard let field else { continue }
                let type = field.pointee.type
                let native = nativeWireType(type)
                if native == 2, field.pointee.label != PROTOBUF_C_LABEL_REPEATED, type != PROTOBUF_C_TYPE_BYTES {
                    guard number < 64 else { return false }
                    let bit: UInt64 = 1 << number
                    if seenSingular & bit != 0 { return false }
                    seenSingular |= bit
                }
                if native != 2 {
                    guard field.pointee.label == PROTOBUF_C_LABEL_REPEATED,
                        quickPacked(bytes, from: payload, to: position, native: native)
                    else { return false }
                } else if type == PROTOBUF_C_TYPE_STRING {
                    if length > 0, memchr(bytes + payload, 0, Int(length)) != nil { return false }
                } else if type == PROTOBUF_C_TYPE_MESSAGE, let nested = field.pointee.descriptor {
                    let nestedDescriptor = nested.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)
                    guard quickMessage(bytes, from: payload, to: position, nestedDescriptor, depth: depth + 1) else {
                        return false
                    }
                }
            default:
                return false
            }
        }
        return true
    }

    private static func quickPacked(_ bytes: UnsafePointer<UInt8>, from start: Int, to end: Int, native: Int) -> Bool {
        guard native == 0 else { return (end - start) % (native == 1 ? 8 : 4) == 0 }
        var position = start
        while position < end {
            guard quickVarint(bytes, &position, end) != nil else { return false }
        }
        return true
    }

    private struct Walker {
        let base: UnsafeRawPointer
        let messageName: String

        func fail(_ code: CodecError.Code, _ message: String, at offset: Int, field: String? = nil) -> CodecError {
            CodecError(code: code, message: message, messageType: messageName, field: field, offset: offset)
        }

        func varint(_ position: inout Int, end: Int, what: @autoclosure () -> String) throws(CodecError) -> UInt64 {
            let start = position
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while position < end {
                let byte = base.load(fromByteOffset: position, as: UInt8.self)
                position += 1
                if shift == 63 && byte > 1 {
                    throw fail(.malformed, "\(what()) varint overflows 64 bits", at: start)
                }
                value |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
                if shift > 63 {
                    throw fail(.malformed, "\(what()) varint is longer than 10 bytes", at: start)
                }
            }
            throw fail(.malformed, "\(what()) varint is truncated", at: start)
        }

        mutating func message(
            from start: Int,
            to end: Int,
            descriptor: UnsafePointer<ProtobufCMessageDescriptor>,
            depth: Int
        ) throws(CodecError) {
            guard depth < WireValidator.maxDepth else {
                throw fail(.malformed, "messages nested deeper than \(WireValidator.maxDepth) levels", at: start)
            }
            var position = start
            while position < end {
                let tagOffset = position
                let tag = try varint(&position, end: end, what: "tag")
                let number = tag >> 3
                let wireType = Int(tag & 7)
                guard number != 0, number <= 536_870_911 else {
                    throw fail(.malformed, "field number \(number) is out of range", at: tagOffset)
                }
                let field = WireValidator.field(descriptor, UInt32(number))
                // Names are made only for error messages: the walk itself allocates nothing.
                var fieldName: String? { field.map { String(cString: $0.pointee.name) } }
                let valueOffset = position
                var payloadEnd = position
                switch wireType {
                case 0:
                    _ = try varint(&position, end: end, what: "field \(number) value")
                case 1, 5:
                    let size = wireType == 1 ? 8 : 4
                    guard end - position >= size else {
                        throw fail(
                            .malformed,
                            "fixed-size value of field \(number) is truncated",
                            at: position,
                            field: fieldName
                        )
                    }
                    position += size
                case 2:
                    let length = try varint(&position, end: end, what: "length of field \(number)")
                    guard length <= UInt64(end - position) else {
                        throw fail(
                            .malformed,
                            "length \(length) of field \(number) runs past the end of its message (\(end - position) bytes left)",
                            at: valueOffset,
                            field: fieldName
                        )
                    }
                    payloadEnd = position + Int(length)
                case 3, 4:
                    throw fail(
                        .malformed,
                        "groups (wire type \(wireType)) are not supported",
                        at: tagOffset,
                        field: fieldName
                    )
                default:
                    throw fail(.malformed, "invalid wire type \(wireType)", at: tagOffset, field: fieldName)
                }
                if wireType != 2 { payloadEnd = position }
                if let field {
                    try check(
                        field: field,
                        wireType: wireType,
                        tagOffset: tagOffset,
                        payload: position..<payloadEnd,
                        depth: depth
                    )
                }
                if wireType == 2 { position = payloadEnd }
            }
        }

        mutating func check(
            field: UnsafePointer<ProtobufCFieldDescriptor>,
            wireType: Int,
            tagOffset: Int,
            payload: Range<Int>,
            depth: Int
        ) throws(CodecError) {
            var name: String { String(cString: field.pointee.name) }
            let type = field.pointee.type
            let repeated = field.pointee.label == PROTOBUF_C_LABEL_REPEATED
            let native = WireValidator.nativeWireType(type)
            let packed = repeated && native != 2 && wireType == 2
            guard wireType == native || packed else {
                throw fail(
                    .malformed,
                    "wire type \(wireType) does not fit the field's type (expected \(native))",
                    at: tagOffset,
                    field: name
                )
            }
            if packed {
                try checkPacked(native: native, name: name, payload: payload)
                return
            }
            switch type {
            case PROTOBUF_C_TYPE_STRING:
                let start = base + payload.lowerBound
                switch UTF8Validation.firstFault(start, count: payload.count) {
                case nil: break
                case .invalid(let index)?:
                    throw fail(.invalidUTF8, "string is not valid UTF-8", at: payload.lowerBound + index, field: name)
                case .nul(let index)?:
                    throw fail(.embeddedNUL, "string holds U+0000 (NUL)", at: payload.lowerBound + index, field: name)
                }
            case PROTOBUF_C_TYPE_MESSAGE:
                guard let nested = field.pointee.descriptor else { return }
                do {
                    try message(
                        from: payload.lowerBound,
                        to: payload.upperBound,
                        descriptor: nested.assumingMemoryBound(to: ProtobufCMessageDescriptor.self),
                        depth: depth + 1
                    )
                } catch {
                    var error = error
                    error.field = error.field.map { "\(name).\($0)" } ?? name
                    throw error
                }
            default:
                break
            }
        }

        func checkPacked(native: Int, name: @autoclosure () -> String, payload: Range<Int>) throws(CodecError) {
            switch native {
            case 0:
                var position = payload.lowerBound
                while position < payload.upperBound {
                    _ = try varint(&position, end: payload.upperBound, what: "packed element of \(name())")
                }
            default:
                let size = native == 1 ? 8 : 4
                guard payload.count % size == 0 else {
                    throw fail(
                        .malformed,
                        "packed length \(payload.count) is not a multiple of \(size)",
                        at: payload.lowerBound,
                        field: name()
                    )
                }
            }
        }
    }
}
