internal import CProtobufC

/// Reads a NUL-terminated string unpacked by libprotobuf-c. The wire pre-pass has already
/// checked that the bytes are valid UTF-8 without NUL, so decoding cannot repair anything.
@inline(__always)
func cString(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
    guard let pointer, pointer.pointee != 0 else { return "" }
    return String(cString: pointer)
}

/// Copies a `bytes` field unpacked by libprotobuf-c.
@inline(__always)
func cBytes(_ data: ProtobufCBinaryData) -> [UInt8] {
    guard data.len > 0, let base = data.data else { return [] }
    return Array(UnsafeBufferPointer(start: base, count: data.len))
}

/// A message backed by a protoc-c struct; lets tests and tools reach its C descriptor.
protocol CDescribedMessage {
    /// The protoc-c descriptor of the message.
    static var cDescriptor: UnsafePointer<ProtobufCMessageDescriptor> { get }
}
