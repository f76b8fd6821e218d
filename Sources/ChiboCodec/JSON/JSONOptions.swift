/// How messages are written as proto3 JSON.
public struct JSONEncodingOptions: Hashable, Sendable {
    /// Indent nested objects by two spaces and put each member on its own line.
    public var prettyPrinted: Bool

    /// Creates options; the default is compact output.
    public init(prettyPrinted: Bool = false) {
        self.prettyPrinted = prettyPrinted
    }
}

/// How proto3 JSON is read.
public struct JSONDecodingOptions: Hashable, Sendable {
    /// Skip object members the message does not have instead of failing.
    public var ignoreUnknownFields: Bool
    /// Deepest nesting of objects and arrays accepted.
    public var maxDepth: Int
    /// Largest input accepted, in bytes.
    public var maxBytes: Int

    /// Creates options: strict about unknown fields, 64 levels, 4 MiB.
    public init(ignoreUnknownFields: Bool = false, maxDepth: Int = 64, maxBytes: Int = 4 << 20) {
        self.ignoreUnknownFields = ignoreUnknownFields
        self.maxDepth = maxDepth
        self.maxBytes = maxBytes
    }
}
