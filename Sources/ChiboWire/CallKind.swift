/// How the messages of a call flow.
public enum CallKind: Hashable, Sendable {
    /// One request in `Open`, one response in `Close`.
    case unary
    /// One request in `Open`; responses as `StreamMessage`s, then `Close`.
    case serverStreaming
    /// Requests as `StreamMessage`s after an empty `Open`; one response in `Close`.
    case clientStreaming
}
