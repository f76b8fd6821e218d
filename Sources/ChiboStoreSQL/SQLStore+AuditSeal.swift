import ChiboStore

extension SQLStore {
    /// Checks, before a server writes with its audit key, that the key and the log agree: the
    /// newest keyed entry was made with this key, and the log still holds the seal's last
    /// checkpoint unchanged (a log cut short or rewritten while no server ran is refused, and the
    /// checkpoint, its evidence, left in place). Then writes a checkpoint of the current head.
    public func checkAuditSeal() async throws {
        guard let seal = auditSeal else { return }
        let last = seal.lastCheckpoint
        let (mac, head, lastHash, keyedFrom) = try await engine.readPrimary { db in
            let mac = try String.fetchOne(
                db,
                sql: "SELECT mac FROM audit_log WHERE mac <> '' ORDER BY seq DESC LIMIT 1"
            )
            let head = try SQLRow.fetchOne(db, sql: "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").map {
                AuditChainTail(seq: $0["seq"], hash: $0["hash"])
            }
            let lastHash = try last.flatMap { last in
                try String.fetchOne(db, sql: "SELECT hash FROM audit_log WHERE seq = ?", arguments: [last.seq])
            }
            let keyedFrom = try Int64.fetchOne(db, sql: "SELECT MIN(seq) FROM audit_log WHERE mac <> ''") ?? 0
            return (mac, head, lastHash, keyedFrom)
        }
        if let mac {
            let keyID = mac.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
            if keyID != seal.key.id {
                throw StoreError.failedPrecondition(
                    "the audit log's entries are authenticated with the key of id \(keyID), "
                        + "not with the audit key given (id \(seal.key.id)): give the key the log was made with"
                )
            }
        }
        if let last {
            let path = seal.checkpointPath ?? "the checkpoint"
            if (head?.seq ?? 0) < last.seq {
                throw StoreError.failedPrecondition(
                    "the audit log ends at entry \(head?.seq ?? 0) but \(path) records entry \(last.seq): the newest "
                        + "entries were deleted. Keep the checkpoint as evidence and move it aside to start anyway"
                )
            }
            if lastHash != last.headHash {
                throw StoreError.failedPrecondition(
                    "audit entry \(last.seq) differs from \(path): the log was rewritten. Keep the checkpoint as "
                        + "evidence and move it aside to start anyway"
                )
            }
        }
        if let head {
            seal.committed(seq: head.seq, headHash: head.hash, keyedFromSeq: keyedFrom, extendsLast: true)
            if let failure = seal.checkpointFailure { throw StoreError.unavailable(failure) }
        }
    }
}
