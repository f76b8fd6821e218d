import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A loopback port that is not a Chibo server, on a plain socket: one that answers like an HTTP
/// server, one that accepts and never answers, or one where nothing listens (bound, not
/// listening, so the port stays reserved and connections are refused).
public final class ForeignPeer: Sendable {
    /// How the peer behaves.
    public enum Behaviour: Sendable {
        /// Reads what the client sends and answers "HTTP/1.1 400 Bad Request".
        case http
        /// Accepts connections and sends nothing.
        case silent
        /// Refuses connections.
        case closed
    }

    /// The port, on 127.0.0.1.
    public let port: Int
    private let socketDescriptor: Int32
    private let accepted = AcceptedSockets()

    /// Opens the peer's socket and, unless closed, accepts on a thread of its own.
    public init(_ behaviour: Behaviour) throws {
        #if canImport(Glibc)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(descriptor, generic, length) == 0 && getsockname(descriptor, generic, &length) == 0
            }
        }
        guard bound, behaviour == .closed || listen(descriptor, 16) == 0 else {
            close(descriptor)
            throw POSIXError(.EADDRNOTAVAIL)
        }
        socketDescriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
        if behaviour != .closed {
            let accepted = self.accepted
            Thread.detachNewThread {
                Self.serve(descriptor, behaviour: behaviour, accepted: accepted)
            }
        }
    }

    /// Accepts until the listening socket is shut down.
    private static func serve(_ descriptor: Int32, behaviour: Behaviour, accepted: AcceptedSockets) {
        while true {
            let connection = accept(descriptor, nil, nil)
            guard connection >= 0 else { return }
            accepted.add(connection)
            if behaviour == .http {
                var request = [UInt8](repeating: 0, count: 4096)
                _ = read(connection, &request, request.count)
                let answer = Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
                _ = write(connection, answer, answer.count)
            }
        }
    }

    /// Closes the listening socket and every accepted connection.
    public func stop() {
        #if canImport(Glibc)
        shutdown(socketDescriptor, Int32(SHUT_RDWR))
        #else
        shutdown(socketDescriptor, SHUT_RDWR)
        #endif
        close(socketDescriptor)
        for connection in accepted.all { close(connection) }
    }
}

/// The sockets a `ForeignPeer` accepted, closed when it stops.
private final class AcceptedSockets: @unchecked Sendable {
    // Guarded by `lock`.
    private let lock = NSLock()
    private var sockets: [Int32] = []

    func add(_ socket: Int32) { lock.withLock { sockets.append(socket) } }
    var all: [Int32] { lock.withLock { sockets } }
}
