import WireFuzzSupport

/// libFuzzer entry point: a client's byte stream through the frame decoder in scripted chunks,
/// the frames through the server and client state machines, between scripted handler and timer
/// events (see `WireInput` for the layout and `WireCheck` for the properties).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    WireCheck.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
