import ChiboStore

/// The store over any SQL backend: every `Store` operation written once in portable SQL against
/// `SQLDatabase`. A backend subclasses it with its engine, its migrations and its operations
/// (backup, connection settings); the records, checks and queries are the same for all.
open class SQLStore: Store, @unchecked Sendable {
    // Unchecked: the class is open for the backends; its stored properties are immutable and
    // Sendable, and subclasses add only immutable Sendable ones.

    /// Runs the operations.
    public let engine: any SQLEngine
    /// Wakes change-feed followers after each committed change.
    public let changeSignal: ChangeSignal

    /// What authenticates the audit log; nil for a log written without a key (a plain chain).
    public let auditSeal: AuditSeal?

    /// A store running on `engine`; with `auditSeal`, audit entries get MACs from its key and
    /// each commit that adds entries writes its checkpoint.
    public init(engine: any SQLEngine, changeSignal: ChangeSignal = ChangeSignal(), auditSeal: AuditSeal? = nil) {
        self.engine = auditSeal.map { SealingEngine(inner: engine, seal: $0) } ?? engine
        self.changeSignal = changeSignal
        self.auditSeal = auditSeal
    }

    /// A short name for server info.
    open var backendName: String { "sql" }

    /// The number of migrations applied: the schema version of the database.
    public var schemaVersion: Int {
        get async throws { try await engine.schemaVersion }
    }
}
