import BenchSupport
import Foundation

/// Command-line options of wire-bench.
struct Options {
    /// Measured seconds per unary phase (after a one-second warm-up).
    var seconds = 5.0
    /// Rounds of every unary row and every stream; rows are interleaved within a round.
    var rounds = 3
    /// Messages per measured stream and per slow-reader stream.
    var streamMessages = BenchWork.defaultStreamMessages
    /// Which parts to run: unary, stream, bytes, rss.
    var parts: Set<String> = ["unary", "stream", "bytes", "rss"]
    /// Which unary rows to run (all by default), by `UnaryPeer.name`.
    var peers = Set(UnaryPeer.allCases.map(\.name))

    static let usage = """
        usage: wire-bench [--seconds S] [--rounds R] [--stream-messages N] [--only unary,stream,bytes,rss]
               [--peers chibo-inline,chibo-async,chibo-client,grpc,chibo-grpc,grpc-protobuf,nio]
        """

    init(arguments: [String]) {
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { Self.usageError() }
            switch flag {
            case "--seconds": seconds = Double(value) ?? Self.fail()
            case "--rounds": rounds = Int(value) ?? Self.fail()
            case "--stream-messages": streamMessages = Int(value) ?? Self.fail()
            case "--only": parts = Set(value.split(separator: ",").map(String.init))
            case "--peers": peers = Set(value.split(separator: ",").map(String.init))
            default: Self.usageError()
            }
        }
    }

    private static func usageError() -> Never {
        print(usage)
        exit(2)
    }

    private static func fail<T>() -> T { usageError() }
}
