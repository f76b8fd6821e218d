internal import CProtobufC

/// Thrown while reading unpacked structs when a string is not valid UTF-8. It carries no
/// position: `BinaryDecoding` then runs the reporting pre-pass over the wire bytes, which finds
/// the field and byte offset.
struct UnpackedStringFault: Error {}

/// Reads a NUL-terminated string unpacked by libprotobuf-c. The quick pre-pass has already
/// rejected strings holding NUL, so the C length is the wire length.
///
/// UTF-8 is validated here, once, by the standard library, which has to check the bytes anyway
/// to make a String; a pre-pass of our own over the same bytes would double the cost of every
/// string. (`String(validatingCString:)` is not generic, unlike `String(validating:as:)`, whose
/// unspecialized path spends more on metadata lookups than on validating.)
@inline(__always)
func cString(_ pointer: UnsafeMutablePointer<CChar>?) throws(UnpackedStringFault) -> String {
    guard let pointer, pointer.pointee != 0 else { return "" }
    guard let string = String(validatingCString: pointer) else { throw UnpackedStringFault() }
    return string
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
