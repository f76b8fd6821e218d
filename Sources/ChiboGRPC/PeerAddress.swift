import NIOCore

/// Reads grpc-swift's text form of a peer ("ipv4:127.0.0.1:50312", "ipv6:[::1]:50312") back into
/// an address, so the gate limits failed authentications per address and the audit log names
/// the peer as it does for the Chibo listener.
enum PeerAddress {
    /// The address, or nil for a form that is not an IP peer (a Unix socket).
    static func parse(_ peer: String) -> SocketAddress? {
        let rest: Substring
        if peer.hasPrefix("ipv4:") {
            rest = peer.dropFirst(5)
        } else if peer.hasPrefix("ipv6:") {
            rest = peer.dropFirst(5)
        } else {
            return nil
        }
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]) else {
            return nil
        }
        var host = rest[..<colon]
        if host.hasPrefix("[") && host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        return try? SocketAddress(ipAddress: String(host), port: port)
    }
}
