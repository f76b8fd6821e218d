import ChiboServer
import Testing

/// The allocator's heaps are limited when the server starts (`MallocArenas`).
@Suite struct MallocArenasTests {
    @Test func glibcTakesTheLimit() {
        #if os(Linux)
        #expect(MallocArenas.limit(cores: 2))
        #else
        #expect(!MallocArenas.limit(cores: 2))
        #endif
    }
}
