#if os(Linux)
/// glibc's `mallopt(3)`: `<malloc.h>` is not in the Glibc module Swift imports, so the function
/// is named here; its two `int` parameters and result pass as `Int32` in the C convention.
@_silgen_name("mallopt")
private func cMallopt(_ parameter: Int32, _ value: Int32) -> Int32

/// `M_ARENA_MAX` of `<malloc.h>`.
private let mArenaMax: Int32 = -8
#endif

/// How many heaps the C allocator keeps, set once when the server starts.
///
/// glibc gives threads that allocate at once heaps (arenas) of their own, up to eight per core,
/// and keeps what is freed in each for that heap's next allocations. A server whose work moves
/// between threads (event loops, the store's writer and readers, Swift's cooperative pool) fills
/// many of them: during the load of the nation its resident memory grew by about 10 MB a
/// province, nearly all of it free space spread over ten arenas. Two heaps per core keep the
/// free space in a few places where it is reused. No library sets this, hence a call of our own.
public enum MallocArenas {
    /// Limits the allocator to `perCore` heaps per core (Linux with glibc; elsewhere nothing).
    /// Returns whether the limit was set.
    @discardableResult
    public static func limit(perCore: Int = 2, cores: Int) -> Bool {
        #if os(Linux)
        return cMallopt(mArenaMax, Int32(max(1, perCore * cores))) == 1
        #else
        return false
        #endif
    }
}
