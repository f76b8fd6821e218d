/// Versions of the Chibo wire protocol.
public enum WireVersion {
    /// The protocol version this build speaks, sent in `Hello` and `Welcome`.
    public static let current: UInt32 = 1
    /// The oldest protocol version this build still accepts.
    public static let oldestSupported: UInt32 = 1
}
