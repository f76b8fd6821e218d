import Testing

@testable import ChiboGRPC

/// The text forms the gRPC listener reads: grpc-timeout headers and grpc-swift's peer names.
@Suite struct HeaderParsingTests {
    @Test func timeoutsInEveryUnit() {
        #expect(GRPCTimeout.parse("2H") == .seconds(7200))
        #expect(GRPCTimeout.parse("3M") == .seconds(180))
        #expect(GRPCTimeout.parse("5S") == .seconds(5))
        #expect(GRPCTimeout.parse("250m") == .milliseconds(250))
        #expect(GRPCTimeout.parse("99999999u") == .microseconds(99_999_999))
        #expect(GRPCTimeout.parse("10n") == .nanoseconds(10))
    }

    @Test func malformedTimeoutsAreRefused() {
        for text in ["", "S", "5", "5s", "-5S", "123456789S", "1.5S"] {
            #expect(GRPCTimeout.parse(text) == nil, "\(text)")
        }
    }

    @Test func peersAsGRPCSwiftNamesThem() {
        #expect(PeerAddress.parse("ipv4:127.0.0.1:50312")?.ipAddress == "127.0.0.1")
        #expect(PeerAddress.parse("ipv4:127.0.0.1:50312")?.port == 50312)
        #expect(PeerAddress.parse("ipv6:[::1]:443")?.ipAddress == "::1")
        #expect(PeerAddress.parse("unix:/tmp/socket") == nil)
        #expect(PeerAddress.parse("ipv4:not-an-address:1") == nil)
    }
}
