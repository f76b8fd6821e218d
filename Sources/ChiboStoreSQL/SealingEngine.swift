import ChiboStore

/// A backend's engine with an audit seal: every write operation appends its audit entries with
/// MACs from the seal's key, and once committed, the log's new head is handed to the seal for
/// its checkpoint.
struct SealingEngine: SQLEngine {
    let inner: any SQLEngine
    let seal: AuditSeal

    var schemaVersion: Int {
        get async throws { try await inner.schemaVersion }
    }

    func read<T: Sendable>(_ body: @Sendable @escaping (any SQLDatabase) throws -> T) async throws -> T {
        try await inner.read(body)
    }

    func readPrimary<T: Sendable>(_ body: @Sendable @escaping (any SQLDatabase) throws -> T) async throws -> T {
        try await inner.readPrimary(body)
    }

    func write<T: Sendable>(_ body: @Sendable @escaping (any SQLDatabase) throws -> T) async throws -> T {
        let key = seal.key
        let (result, tail) = try await inner.write { db in
            db.auditKey = key
            let result = try body(db)
            return (result, db.auditTail)
        }
        if let tail { try await committed(tail) }
        return result
    }

    func writeWithoutTransaction<T: Sendable>(
        _ body: @Sendable @escaping (any SQLDatabase) throws -> T
    ) async throws -> T {
        let key = seal.key
        let result = try await inner.writeWithoutTransaction { db in
            db.auditKey = key
            return try body(db)
        }
        // The operation may have committed several transactions: the head is read back.
        if let tail = try await Self.head(inner) { try await committed(tail) }
        return result
    }

    /// Hands a committed head to the seal, first learning where keyed entries begin and
    /// whether the log still holds the last checkpoint's entry as it was.
    private func committed(_ tail: AuditChainTail) async throws {
        let known = seal.keyedFromSeq
        let last = seal.lastCheckpoint
        guard tail.seq > (last?.seq ?? 0) else { return }
        let (keyedFrom, lastHash) = try await inner.readPrimary { db in
            let keyedFrom =
                known != 0 ? known : try Int64.fetchOne(db, sql: "SELECT MIN(seq) FROM audit_log WHERE mac <> ''") ?? 0
            let lastHash = try last.flatMap { last in
                try String.fetchOne(db, sql: "SELECT hash FROM audit_log WHERE seq = ?", arguments: [last.seq])
            }
            return (keyedFrom, lastHash)
        }
        seal.committed(
            seq: tail.seq,
            headHash: tail.hash,
            keyedFromSeq: keyedFrom,
            extendsLast: last == nil || lastHash == last?.headHash
        )
    }

    /// The last entry of the log; nil when it is empty.
    static func head(_ engine: any SQLEngine) async throws -> AuditChainTail? {
        try await engine.readPrimary { db in
            try SQLRow.fetchOne(db, sql: "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").map {
                AuditChainTail(seq: $0["seq"], hash: $0["hash"])
            }
        }
    }
}
