internal import CProtobufC

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Scratch memory for one encode: the protoc-c structs of a message tree and NUL-terminated
/// copies of its strings, bump-allocated from a few blocks and freed all at once.
///
/// Besides memory it tracks an upper bound on the packed size (`outputBound`), so the encoder can
/// pack straight into a buffer of that size without a separate `get_packed_size` walk. Every
/// field costs at most 15 bytes of tag and length (or varint) plus its payload; generated code
/// reserves 16 bytes per declared field and per repeated element, and string and byte copies
/// reserve their length.
///
/// Filling never throws: a string that cannot be encoded is recorded in `failure` (the first one
/// in field order wins) and filling goes on, and `BinaryEncoding.encode` throws it before
/// packing. A throwing fill costs more than it seems: around every throwing call the compiler
/// copies the borrowed message (retaining each String in it) so that the error path can run.
///
/// Hand-written: libprotobuf-c packs from C structs that the caller must build; a bump arena
/// turns the ~50 malloc/free pairs of a naive Meeting encode into one or two.
struct EncodeArena: ~Copyable {
    /// Layout of a block: a header pointing at the previous block, then the usable bytes.
    private static let headerSize = 16
    /// Holds a typical record in one block (a Meeting with 22 attendance rows takes about 9 KB).
    private static let firstBlockSize = 16384

    private var block: UnsafeMutableRawPointer
    private var cursor: Int
    private var capacity: Int
    /// An upper bound on the packed size of everything filled so far.
    private(set) var outputBound: Int = 0
    /// The first string that could not be encoded, if any.
    private(set) var failure: CodecError?

    init() {
        block = Self.allocateBlock(Self.firstBlockSize, previous: nil)
        cursor = Self.headerSize
        capacity = Self.firstBlockSize
    }

    deinit {
        var current: UnsafeMutableRawPointer? = block
        while let b = current {
            current = b.load(as: UnsafeMutableRawPointer?.self)
            free(b)
        }
    }

    private static func allocateBlock(_ size: Int, previous: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer {
        guard let raw = malloc(size) else { fatalError("out of memory allocating \(size) bytes") }
        raw.storeBytes(of: previous, as: UnsafeMutableRawPointer?.self)
        return raw
    }

    /// Reserves `bytes` more in the bound on the packed size.
    @inline(__always)
    mutating func reserveOutput(_ bytes: Int) {
        outputBound &+= bytes
    }

    /// Raw memory for `size` bytes aligned to `alignment` (a power of two up to 16).
    @inline(__always)
    mutating func allocateRaw(_ size: Int, alignment: Int) -> UnsafeMutableRawPointer {
        let start = (cursor + alignment - 1) & ~(alignment - 1)
        if start + size <= capacity {
            cursor = start + size
            return block + start
        }
        return allocateSlow(size, alignment: alignment)
    }

    private mutating func allocateSlow(_ size: Int, alignment: Int) -> UnsafeMutableRawPointer {
        let newCapacity = max(capacity * 2, size + Self.headerSize + alignment)
        block = Self.allocateBlock(newCapacity, previous: block)
        capacity = newCapacity
        cursor = Self.headerSize
        let start = (cursor + alignment - 1) & ~(alignment - 1)
        cursor = start + size
        return block + start
    }

    /// Uninitialised memory for `count` values of `T`; the caller initialises every one.
    @inline(__always)
    mutating func allocate<T>(_ type: T.Type, count: Int = 1) -> UnsafeMutablePointer<T> {
        let raw = allocateRaw(MemoryLayout<T>.stride * count, alignment: min(MemoryLayout<T>.alignment, 16))
        return raw.bindMemory(to: T.self, capacity: count)
    }

    /// A NUL-terminated copy of `string`. A string holding U+0000, which a C string would
    /// silently cut short, is recorded in `failure` and copied as the empty string.
    @inline(__always)
    mutating func copyString(_ string: String, field: StaticString) -> UnsafeMutablePointer<CChar> {
        let copied: UnsafeMutablePointer<CChar>?? = string.utf8.withContiguousStorageIfAvailable { utf8 in
            copyCString(UnsafeRawBufferPointer(utf8))
        }
        if let copied = copied ?? Array(string.utf8).withUnsafeBytes({ copyCString($0) }) {
            return copied
        }
        recordNUL(in: string, field: field)
        return copyCString(UnsafeRawBufferPointer(start: nil, count: 0))!
    }

    private mutating func recordNUL(in string: String, field: StaticString) {
        guard failure == nil else { return }
        let fieldName = String(describing: field)
        let typeName = fieldName.split(separator: ".").first.map(String.init) ?? fieldName
        let position = string.utf8.firstIndex(of: 0).map { string.utf8.distance(from: string.utf8.startIndex, to: $0) }
        failure = CodecError(
            code: .embeddedNUL,
            message: "string holds U+0000 (NUL) at UTF-8 offset \(position ?? 0), which protobuf-c cannot encode",
            messageType: "chibo.v1." + typeName,
            field: fieldName
        )
    }

    /// Copies UTF-8 bytes and a terminating NUL; nil when the bytes hold a NUL.
    ///
    /// Short strings (most IDs and names) are copied eight bytes at a time with the NUL check
    /// folded into the copy, which beats a `memchr` call plus a `memcpy` call; long ones go to
    /// those vectorised routines.
    @inline(__always)
    private mutating func copyCString(_ bytes: UnsafeRawBufferPointer) -> UnsafeMutablePointer<CChar>? {
        let count = bytes.count
        let target = allocateRaw(count + 1, alignment: 1)
        if count > 64 {
            if memchr(bytes.baseAddress!, 0, count) != nil { return nil }
            target.copyMemory(from: bytes.baseAddress!, byteCount: count)
        } else if count > 0 {
            let source = bytes.baseAddress!
            var i = 0
            while i + 8 <= count {
                let word = source.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                // Nonzero exactly when some byte of the word is zero.
                if (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080 != 0 { return nil }
                target.storeBytes(of: word, toByteOffset: i, as: UInt64.self)
                i &+= 8
            }
            while i < count {
                let byte = source.load(fromByteOffset: i, as: UInt8.self)
                if byte == 0 { return nil }
                target.storeBytes(of: byte, toByteOffset: i, as: UInt8.self)
                i &+= 1
            }
        }
        target.storeBytes(of: 0, toByteOffset: count, as: UInt8.self)
        outputBound &+= count
        return target.assumingMemoryBound(to: CChar.self)
    }

    /// A copy of `bytes` for a `bytes` field.
    @inline(__always)
    mutating func copyBytes(_ bytes: [UInt8]) -> ProtobufCBinaryData {
        let count = bytes.count
        let target = allocateRaw(max(count, 1), alignment: 1)
        bytes.withUnsafeBytes { source in
            if count > 0 { target.copyMemory(from: source.baseAddress!, byteCount: count) }
        }
        outputBound &+= count
        return ProtobufCBinaryData(len: count, data: target.assumingMemoryBound(to: UInt8.self))
    }
}

/// Packs a message through libprotobuf-c.
enum BinaryEncoding {
    /// Builds the C struct tree with `fill`, throws the first string it could not encode, then
    /// packs it into an array sized by the arena's bound on the output.
    @inline(__always)
    static func encode(_ fill: (inout EncodeArena) -> UnsafeMutableRawPointer) throws(CodecError) -> [UInt8] {
        var arena = EncodeArena()
        let message = fill(&arena).assumingMemoryBound(to: ProtobufCMessage.self)
        if let failure = arena.failure { throw failure }
        let bound = arena.outputBound + 16
        return [UInt8](unsafeUninitializedCapacity: bound) { buffer, count in
            count = protobuf_c_message_pack(message, buffer.baseAddress!)
            // The bound is an invariant of the generated code; a breach would already have
            // written past the buffer, so stop rather than go on with corrupted memory.
            precondition(count <= bound, "packed size \(count) exceeds the computed bound \(bound)")
        }
    }
}
