import ChiboStore
import Foundation
import Testing

/// Record ids are version-7 UUIDs behind their prefix: valid UUIDs, ordered by time, distinct.
@Suite struct RecordIDTests {
    @Test func idsAreVersionSevenUUIDsOrderedByTime() throws {
        let earlier = RecordID.make("m", nowMs: 1_795_000_000_000)
        let later = RecordID.make("m", nowMs: 1_795_000_000_001)
        #expect(earlier.hasPrefix("m-"))
        let uuid = try #require(UUID(uuidString: String(earlier.dropFirst(2))))
        #expect(uuid.uuidString.lowercased() == String(earlier.dropFirst(2)))
        #expect(Array(earlier)[2 + 14] == "7", "version nibble: \(earlier)")
        #expect(["8", "9", "a", "b"].contains(Array(earlier)[2 + 19]), "variant: \(earlier)")
        #expect(earlier < later)
        // The first 48 bits are the milliseconds: 1_795_000_000_000 is 0x01a1ee565e00.
        #expect(earlier.dropFirst(2).prefix(13) == "01a1ee56-5e00")
        let many = Set((0..<10_000).map { _ in RecordID.make("m", nowMs: 1) })
        #expect(many.count == 10_000)
    }
}
