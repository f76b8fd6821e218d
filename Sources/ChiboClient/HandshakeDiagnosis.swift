import ChiboModel
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Keeps the first bytes a peer sends, as they arrive off the socket (before TLS), so that a
/// handshake that fails can say what answered: an HTTP server, a TLS server, silence.
final class PeerBytesObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// How many bytes are kept.
    static let kept = 16
    /// The first bytes received.
    private(set) var firstBytes: [UInt8] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if firstBytes.count < Self.kept {
            let buffer = unwrapInboundIn(data)
            firstBytes +=
                buffer.getBytes(
                    at: buffer.readerIndex,
                    length: min(Self.kept - firstBytes.count, buffer.readableBytes)
                ) ?? []
        }
        context.fireChannelRead(data)
    }
}

/// What went wrong with a TLS handshake, read from the TLS library's error while the
/// connection is still open (the peer's certificate is gone once it closes).
enum TLSProblem: Sendable, Hashable {
    /// The certificate does not name the host connected to.
    case wrongHostName
    /// The certificate's validity ended at this time (seconds since 1970).
    case expired(Int)
    /// The certificate is not valid yet.
    case notYetValid(Int)
    /// The certificate chain does not lead to a trusted CA.
    case unknownCA
    /// Another failure, with the TLS library's reason ("TLSV1_ALERT_PROTOCOL_VERSION").
    case other(String)

    /// Reads the problem from an error the TLS handler raised; nil for an error that is not a
    /// TLS one. `peer` is the certificate the peer presented, when known.
    init?(error: any Error, peer: NIOSSLCertificate?, nowSeconds: Int) {
        if let extra = error as? NIOSSLExtraError {
            guard extra == .failedToValidateHostname else {
                self = .other("\(extra)")
                return
            }
            self = .wrongHostName
            return
        }
        guard error is NIOSSLError || error is BoringSSLError else { return nil }
        let text = "\(error)"
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            if let peer, Int(peer.notValidAfter) < nowSeconds {
                self = .expired(Int(peer.notValidAfter))
            } else if let peer, Int(peer.notValidBefore) > nowSeconds {
                self = .notYetValid(Int(peer.notValidBefore))
            } else {
                self = .unknownCA
            }
            return
        }
        self = .other(Self.reason(in: text))
    }

    /// The last reason code in a BoringSSL error text, in words: "tlsv1 alert protocol version".
    static func reason(in text: String) -> String {
        let codes = text.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") })
            .filter { $0.count > 3 && $0.contains("_") && $0.uppercased() == $0 }
        guard let last = codes.last else { return text }
        return last.lowercased().replacingOccurrences(of: "_", with: " ")
    }
}

/// The messages a person reads when a connection or its handshake fails: what answered, or why
/// its certificate was refused, without the network library's internals.
enum HandshakeDiagnosis {
    /// Why the TCP connection could not be made.
    static func connectFailure(_ error: any Error, host: String, port: Int) -> ClientError {
        let address = "\(host):\(port)"
        var reasons: [String] = []
        if let failure = error as? NIOConnectionError {
            if failure.connectionErrors.isEmpty {
                return final(.unavailable, "cannot find the address of \(host) (is the name right?)")
            }
            reasons = failure.connectionErrors.map { describe($0.error) }
        } else {
            reasons = [describe(error)]
        }
        let unique = reasons.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        if unique == ["refused"] {
            return ClientError(
                code: .unavailable,
                message: "\(address) refused the connection: no server is listening there (is chibo-server running, "
                    + "and on that port?)"
            )
        }
        if unique == ["timeout"] {
            return ClientError(
                code: .unavailable,
                message: "\(address) did not accept the connection in time (a firewall, or the wrong address?)"
            )
        }
        return ClientError(
            code: .unavailable,
            message: "cannot connect to \(address): "
                + unique.map { $0 == "refused" ? "connection refused" : $0 == "timeout" ? "timed out" : $0 }
                .joined(separator: "; ")
        )
    }

    /// One connection error in words: "refused", "timeout" or the system's message.
    private static func describe(_ error: any Error) -> String {
        if let io = error as? IOError {
            if io.errnoCode == ECONNREFUSED { return "refused" }
            if io.errnoCode == ETIMEDOUT { return "timeout" }
            return String(cString: strerror(io.errnoCode)).lowercased()
        }
        if case ChannelError.connectTimeout = error { return "timeout" }
        return "\(error)"
    }

    /// Why the handshake (TLS, then the Chibo hello and welcome) did not finish: what the peer
    /// sent first, whether the deadline passed, what the TLS library said.
    static func handshakeFailure(
        host: String,
        port: Int,
        usingTLS: Bool,
        firstBytes: [UInt8],
        tlsProblem: TLSProblem?,
        timedOut: Bool,
        deadline: Duration,
        serverName: String
    ) -> ClientError {
        let address = "\(host):\(port)"
        if let mismatch = mismatch(firstBytes, address: address, usingTLS: usingTLS) {
            return final(.unavailable, mismatch)
        }
        let seconds = deadline.formattedSeconds
        if timedOut && firstBytes.isEmpty {
            return final(
                .unavailable,
                "\(address) does not speak the Chibo protocol (it accepted the connection but did not answer "
                    + (usingTLS ? "the TLS handshake" : "the hello") + " within \(seconds) s)"
            )
        }
        if let tlsProblem {
            return final(.unavailable, describe(tlsProblem, address: address, serverName: serverName))
        }
        if timedOut {
            return final(.unavailable, "\(address) did not finish the Chibo handshake within \(seconds) s")
        }
        if firstBytes.isEmpty && !usingTLS {
            return ClientError(
                code: .unavailable,
                message: "\(address) closed the connection without answering the hello (a server that wants TLS "
                    + "does this: connect with TLS)"
            )
        }
        return ClientError(code: .unavailable, message: "\(address) closed the connection during the handshake")
    }

    /// What the first bytes show about a peer that is not the Chibo server the client expects,
    /// in words, or nil when they could come from one (or nothing came).
    static func mismatch(_ bytes: [UInt8], address: String, usingTLS: Bool) -> String? {
        guard !bytes.isEmpty else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        let foreign = "\(address) does not speak the Chibo protocol"
        let lowered = text.lowercased()
        if text.hasPrefix("HTTP/") || lowered.hasPrefix("<!doctype html") || lowered.hasPrefix("<html") {
            return "\(foreign) (it answered like an HTTP server)"
        }
        if text.hasPrefix("SSH-") { return "\(foreign) (it answered like an SSH server)" }
        if text.hasPrefix("220 ") || text.hasPrefix("220-") {
            return "\(foreign) (it answered like a mail or FTP server)"
        }
        let isTLSRecord = bytes.count >= 2 && (0x14...0x17).contains(bytes[0]) && bytes[1] == 0x03
        if usingTLS {
            if isTLSRecord { return nil }
            return looksLikeFrame(bytes)
                ? "\(address) does not speak TLS (it answered in plaintext, like a Chibo server without TLS): "
                    + "connect without TLS"
                : "\(foreign) (it answered without TLS, with bytes that are not a TLS record)"
        }
        if isTLSRecord {
            return "\(address) speaks TLS, not plaintext (it answered with a TLS record): connect with TLS "
                + "(--tls, or --cacert FILE)"
        }
        return looksLikeFrame(bytes) ? nil : "\(foreign) (it answered with bytes that are not a Chibo frame)"
    }

    /// Whether the bytes start with a frame length a Chibo peer might send.
    private static func looksLikeFrame(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 4 else { return true }
        let length = bytes.prefix(4).reduce(0) { $0 << 8 | Int($1) }
        return length < 16 << 20
    }

    /// A certificate or TLS failure in words.
    private static func describe(_ problem: TLSProblem, address: String, serverName: String) -> String {
        switch problem {
        case .wrongHostName:
            "the TLS certificate of \(address) is not for \(serverName) (wrong host name): connect by a name the "
                + "certificate carries"
        case .expired(let seconds):
            "the TLS certificate of \(address) expired on \(day(seconds))"
        case .notYetValid(let seconds):
            "the TLS certificate of \(address) is not valid until \(day(seconds)) (check this machine's clock)"
        case .unknownCA:
            "the TLS certificate of \(address) is not signed by a CA this client trusts (unknown CA): give the "
                + "CA's certificate with --cacert FILE"
        case .other(let reason):
            "the TLS handshake with \(address) failed (\(reason))"
        }
    }

    /// "2026-12-07" for seconds since 1970, in UTC.
    private static func day(_ seconds: Int) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let date = CalendarDate(daysSince1970: days)
        return date.isoKey
    }

    /// An error that retrying cannot fix.
    private static func final(_ code: StatusCode, _ message: String) -> ClientError {
        var error = ClientError(code: code, message: message)
        error.isFinal = true
        return error
    }
}

extension Duration {
    /// "5" or "0.3": seconds for a message.
    var formattedSeconds: String {
        let milliseconds = nanoseconds / 1_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000)" : "\(Double(milliseconds) / 1000)"
    }
}
