import ChiboModel
import NIOCore

/// Writes the frames a busy connection sends most, a `Close` without status and a stream
/// message, straight into the outbound buffer: the same bytes as the codec writes (fields in
/// number order, proto3 defaults left out), without building an intermediate copy.
enum FrameFastEncoding {
    /// Appends `frame` with its length prefix and returns true, or returns false (writing
    /// nothing) when the frame is not one of the fast kinds.
    static func write(_ frame: Frame, into buffer: inout ByteBuffer) -> Bool {
        let bodyTag: UInt8
        let payload: [UInt8]
        var end = false
        switch frame.body {
        case .close(let close)? where close.status == nil:
            bodyTag = 0x32  // field 6, length-delimited
            payload = close.payload
        case .data(let message)?:
            bodyTag = 0x2a  // field 5, length-delimited
            payload = message.payload
            end = message.end
        default:
            return false
        }
        let payloadField = payload.isEmpty ? 0 : 1 + varintSize(payload.count) + payload.count
        let bodyLength = payloadField + (end ? 2 : 0)
        let callIDField = frame.callId == 0 ? 0 : 1 + varintSize(Int(frame.callId))
        let frameLength = callIDField + 1 + varintSize(bodyLength) + bodyLength

        // Everything but the payload's bytes goes in one unchecked pass over the buffer.
        let headerLength = 4 + frameLength - payload.count - (end ? 2 : 0)
        buffer.reserveCapacity(minimumWritableBytes: 4 + frameLength)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: headerLength) { out in
            var index = 0
            func put(_ byte: UInt8) {
                out[index] = byte
                index += 1
            }
            func putVarint(_ value: Int) {
                var rest = UInt64(value)
                while rest >= 0x80 {
                    put(UInt8(truncatingIfNeeded: rest) | 0x80)
                    rest >>= 7
                }
                put(UInt8(rest))
            }
            let length = UInt32(frameLength)
            put(UInt8(length >> 24))
            put(UInt8(truncatingIfNeeded: length >> 16))
            put(UInt8(truncatingIfNeeded: length >> 8))
            put(UInt8(truncatingIfNeeded: length))
            if frame.callId != 0 {
                put(0x08)  // field 1, varint
                putVarint(Int(frame.callId))
            }
            put(bodyTag)
            putVarint(bodyLength)
            if !payload.isEmpty {
                put(0x0a)  // field 1 of Close and StreamMessage: payload
                putVarint(payload.count)
            }
            return index
        }
        buffer.writeBytes(payload)
        if end {
            buffer.writeInteger(UInt16(0x1001))  // field 2 of StreamMessage: end = true
        }
        return true
    }

    private static func varintSize(_ value: Int) -> Int {
        var size = 1
        var rest = UInt64(value) >> 7
        while rest != 0 {
            size += 1
            rest >>= 7
        }
        return size
    }
}
