import NIOConcurrencyHelpers

/// The gRPC listener's connection caps: connections open at once, and from one IP address, with
/// the same numbers as the Chibo listener's `--max-connections` and
/// `--max-connections-per-address`. A connection over a cap is closed as soon as it is accepted.
final class ConnectionCaps: Sendable {
    private struct State {
        var total = 0
        var perAddress: [String: Int] = [:]
    }

    private let maxTotal: Int
    private let maxPerAddress: Int
    private let state = NIOLockedValueBox(State())

    init(maxTotal: Int, maxPerAddress: Int) {
        self.maxTotal = maxTotal
        self.maxPerAddress = maxPerAddress
    }

    /// Counts a new connection from `host`; the reason it is refused when over a cap.
    func admit(host: String) -> String? {
        state.withLockedValue { state in
            if state.total + 1 > maxTotal {
                return "the server has \(maxTotal) gRPC connections open, its limit"
            }
            let fromHost = state.perAddress[host, default: 0]
            if fromHost + 1 > maxPerAddress {
                return "\(host) has \(maxPerAddress) gRPC connections open, the limit per address"
            }
            state.total += 1
            state.perAddress[host] = fromHost + 1
            return nil
        }
    }

    /// A counted connection from `host` closed.
    func release(host: String) {
        state.withLockedValue { state in
            state.total -= 1
            let left = state.perAddress[host, default: 1] - 1
            state.perAddress[host] = left > 0 ? left : nil
        }
    }

    /// Connections counted now.
    var open: Int { state.withLockedValue { $0.total } }
}

/// A connection refused by a cap.
struct ConnectionRefused: Error, CustomStringConvertible {
    let description: String
}
