/// What an .xlsx file may make the reader hold or inflate, so that a hostile file (a zip bomb,
/// a shared-strings table of millions of entries, a cell reference past the sheet's end) is an
/// error naming the limit, never a crash or unbounded memory.
public struct XLSXLimits: Hashable, Sendable {
    /// Most bytes one part of the file (a sheet, the shared strings) may inflate to.
    public var maxPartBytes: Int
    /// Most times its compressed size a part may inflate to, once past `ratioFloorBytes`.
    public var maxCompressionRatio: Int
    /// Inflated size below which the ratio is not checked (small parts compress very well).
    public var ratioFloorBytes: Int
    /// Most entries of the shared-strings table.
    public var maxSharedStrings: Int
    /// Most bytes of text the shared-strings table may hold.
    public var maxSharedStringBytes: Int
    /// Most merged ranges a sheet may declare.
    public var maxMergedRanges: Int
    /// Longest tag or cell text, in bytes.
    public var maxTokenBytes: Int

    /// The limits: parts up to 1 GiB and 200 times their compressed size (past 16 MiB), two million
    /// shared strings of 256 MiB in all, 100,000 merged ranges, 1 MiB a tag or text.
    public init(
        maxPartBytes: Int = 1 << 30,
        maxCompressionRatio: Int = 200,
        ratioFloorBytes: Int = 16 << 20,
        maxSharedStrings: Int = 2_000_000,
        maxSharedStringBytes: Int = 256 << 20,
        maxMergedRanges: Int = 100_000,
        maxTokenBytes: Int = 1 << 20
    ) {
        self.maxPartBytes = maxPartBytes
        self.maxCompressionRatio = maxCompressionRatio
        self.ratioFloorBytes = ratioFloorBytes
        self.maxSharedStrings = maxSharedStrings
        self.maxSharedStringBytes = maxSharedStringBytes
        self.maxMergedRanges = maxMergedRanges
        self.maxTokenBytes = maxTokenBytes
    }

    /// Excel's own sheet size: 1,048,576 rows and 16,384 columns (XFD).
    static let maxRow = 1_048_576
    /// The last column, XFD.
    static let maxColumn = 16_384
}
