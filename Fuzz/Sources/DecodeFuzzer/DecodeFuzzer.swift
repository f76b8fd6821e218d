import FuzzSupport

/// libFuzzer entry point: the first byte picks a message type, the rest is decoded as binary and
/// as JSON, and every value that decodes must survive re-encoding (see `RoundTripCheck`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    RoundTripCheck.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
