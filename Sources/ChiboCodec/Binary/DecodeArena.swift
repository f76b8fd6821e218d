internal import CProtobufC

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The allocator libprotobuf-c unpacks into: a bump arena with a byte budget. Every block is
/// freed at once when decoding ends, so `protobuf_c_message_free_unpacked` is never needed, and
/// a request past the budget returns NULL, which makes the unpack fail cleanly instead of letting
/// a small hostile input claim a large amount of memory.
///
/// Hand-written: libprotobuf-c only offers the allocator hook; the policy is ours.
struct DecodeArenaState {
    /// The current block; its first 16 bytes link to the previous block.
    var block: UnsafeMutableRawPointer?
    var cursor: Int = 0
    var capacity: Int = 0
    /// Bytes handed out so far, against `budget`.
    var allocated: Int = 0
    var budget: Int
    /// Set when a request was refused for the budget.
    var exceeded = false
    var nextBlockSize: Int

    static let headerSize = 16

    init(budget: Int, expectedSize: Int) {
        self.budget = budget
        self.nextBlockSize = max(1024, min(expectedSize, 1 << 20))
    }

    mutating func allocate(_ size: Int) -> UnsafeMutableRawPointer? {
        let (total, overflow) = allocated.addingReportingOverflow(size)
        if overflow || total > budget {
            exceeded = true
            return nil
        }
        allocated = total
        let start = (cursor + 15) & ~15
        if let block, start + size <= capacity {
            cursor = start + size
            return block + start
        }
        let blockSize = max(nextBlockSize, size + Self.headerSize)
        guard let raw = malloc(blockSize) else { return nil }
        raw.storeBytes(of: block, as: UnsafeMutableRawPointer?.self)
        block = raw
        capacity = blockSize
        cursor = Self.headerSize + size
        nextBlockSize = min(blockSize * 2, 8 << 20)
        return raw + Self.headerSize
    }

    mutating func releaseAll() {
        var current = block
        while let b = current {
            current = b.load(as: UnsafeMutableRawPointer?.self)
            free(b)
        }
        block = nil
    }
}

/// Unpacks a message through libprotobuf-c after the checks libprotobuf-c does not make.
enum BinaryDecoding {
    /// Checks the size limit, walks the wire bytes once (`WireValidator.isClean`), unpacks into a
    /// budgeted arena and converts with `make`, which validates UTF-8 as it makes Strings.
    ///
    /// Whenever a step fails, the reporting pre-pass (`WireValidator.validate`) runs over the
    /// input before the step's own error is thrown, so the error is the first fault in byte
    /// order with its offset, exactly as if the full pre-pass had run before unpacking.
    @inline(__always)
    static func decode<T>(
        _ bytes: UnsafeRawBufferPointer,
        limits: DecodingLimits,
        descriptor: UnsafePointer<ProtobufCMessageDescriptor>,
        messageName: String,
        make: (UnsafeRawPointer) throws(UnpackedStringFault) -> T
    ) throws(CodecError) -> T {
        guard bytes.count <= limits.maxMessageBytes else {
            throw CodecError(
                code: .tooLarge,
                message: "message of \(bytes.count) bytes exceeds the limit of \(limits.maxMessageBytes) bytes",
                messageType: messageName
            )
        }
        if !WireValidator.isClean(bytes, descriptor: descriptor) {
            // Throws for every fault; returns for valid input the quick walk leaves to it (a
            // singular field sent twice).
            try WireValidator.validate(bytes, descriptor: descriptor, messageName: messageName)
        }
        var state = DecodeArenaState(
            budget: limits.allocationBudget(forInputBytes: bytes.count),
            expectedSize: bytes.count * 3 + 256
        )
        defer { state.releaseAll() }
        let unpacked: UnsafeMutablePointer<ProtobufCMessage>? = withUnsafeMutablePointer(to: &state) { statePointer in
            var allocator = ProtobufCAllocator(
                alloc: { data, size in
                    data!.assumingMemoryBound(to: DecodeArenaState.self).pointee.allocate(size)
                },
                free: { _, _ in },
                allocator_data: UnsafeMutableRawPointer(statePointer)
            )
            // An empty input is the empty message; libprotobuf-c accepts a NULL data pointer only
            // for length 0, which is what an empty buffer gives.
            return protobuf_c_message_unpack(
                descriptor,
                &allocator,
                bytes.count,
                bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
            )
        }
        guard let unpacked else {
            // A string fault earlier in the input takes precedence, as it would in a full pre-pass.
            try WireValidator.validate(bytes, descriptor: descriptor, messageName: messageName)
            if state.exceeded {
                throw CodecError(
                    code: .allocationBudgetExceeded,
                    message: "unpacking would allocate more than \(state.budget) bytes for \(bytes.count) input bytes",
                    messageType: messageName
                )
            }
            throw CodecError(
                code: .malformed,
                message: "libprotobuf-c rejected the message (a field's value does not fit its type)",
                messageType: messageName
            )
        }
        do {
            return try make(UnsafeRawPointer(unpacked))
        } catch {
            // A string is not valid UTF-8: the reporting pre-pass finds which and where.
            try WireValidator.validate(bytes, descriptor: descriptor, messageName: messageName)
            throw CodecError(code: .invalidUTF8, message: "string is not valid UTF-8", messageType: messageName)
        }
    }
}
