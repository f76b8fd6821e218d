import ChiboCodec
import ChiboDomain
import ChiboModel
import ChiboStore
import Foundation

extension SQLStore {
    /// Stores a new token (see `Store.createToken`).
    public func createToken(_ token: TokenRecord) async throws -> TokenRecord {
        try await engine.write { db in
            var token = token
            if token.id.isEmpty { token.id = RecordID.make("tok") }
            if try SQLRow.fetchOne(
                db.cachedStatement(sql: "SELECT 1 FROM token WHERE name = ?"),
                arguments: [token.name]
            )
                != nil
            {
                throw StoreError.alreadyExists(entity: "token named", key: token.name)
            }
            try db.cachedStatement(
                sql: """
                    INSERT INTO token (id, name, role, scope_unit_id, hash, hint, created_at_ms, expires_on, revoked_at_ms)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                token.id, token.name, token.role, token.scopeUnitID.isEmpty ? nil : token.scopeUnitID, token.hash,
                token.hint, token.createdAtMs, DateKeys.key(token.expiresOn), token.revokedAtMs,
            ]
            )
            let scope = token.scopeUnitID.isEmpty ? "everything" : "scope \(token.scopeUnitID)"
            let expiry = token.expiresOn.map { ", expires \(DateKeys.key($0) ?? "")" } ?? ""
            try Self.appendAudit(
                db,
                [
                    AuditEntry(
                        atMs: token.createdAtMs,
                        method: "token.create",
                        entity: "token",
                        entityId: token.id,
                        outcome: "OK",
                        detail: "token \(token.name) (\(token.role), \(scope)\(expiry)) created"
                    )
                ]
            )
            return token
        }
    }

    /// Every token (see `Store.tokens`).
    public func tokens() async throws -> [TokenRecord] {
        try await engine.read { db in
            try SQLRow.fetchAll(db.cachedStatement(sql: "SELECT * FROM token ORDER BY created_at_ms, id")).map(
                Self.token(from:)
            )
        }
    }

    /// The token with this hash (see `Store.token(hash:)`).
    public func token(hash: String) async throws -> TokenRecord? {
        try await engine.read { db in
            try SQLRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM token WHERE hash = ?"), arguments: [hash]).map(
                Self.token(from:)
            )
        }
    }

    /// Revokes a token (see `Store.revokeToken`).
    public func revokeToken(idOrName: String, atMs: Int64) async throws -> TokenRecord {
        try await engine.write { db in
            guard
                let row = try SQLRow.fetchOne(
                    db.cachedStatement(sql: "SELECT * FROM token WHERE id = ? OR name = ?"),
                    arguments: [idOrName, idOrName]
                )
            else {
                throw StoreError.notFound(entity: "token", id: idOrName)
            }
            var token = Self.token(from: row)
            if token.revokedAtMs != nil {
                throw StoreError.failedPrecondition("token \(token.name) is already revoked")
            }
            token.revokedAtMs = atMs
            try db.cachedStatement(sql: "UPDATE token SET revoked_at_ms = ? WHERE id = ?").execute(arguments: [
                atMs, token.id,
            ])
            try Self.appendAudit(
                db,
                [
                    AuditEntry(
                        atMs: atMs,
                        method: "token.revoke",
                        entity: "token",
                        entityId: token.id,
                        outcome: "OK",
                        detail: "token \(token.name) (\(token.role)) revoked"
                    )
                ]
            )
            return token
        }
    }

    /// Appends audit entries (see `Store.appendAudit`).
    public func appendAudit(_ entries: [AuditEntry]) async throws {
        guard !entries.isEmpty else { return }
        try await engine.write { db in try Self.appendAudit(db, entries) }
    }

    /// Audit entries (see `Store.auditEntries`).
    public func auditEntries(_ query: AuditQuery) async throws -> [AuditEntry] {
        try await engine.read { db in
            var conditions = ["seq > ?"]
            var arguments: SQLArguments = [query.afterSeq]
            if let actor = query.actor {
                conditions.append("actor = ?")
                arguments += [actor]
            }
            var named: [String] = []
            var namedArguments: SQLArguments = []
            for (column, value) in [("entity", query.entity), ("entity_id", query.entityID)] {
                if let value {
                    named.append("\(column) = ?")
                    namedArguments += [value]
                }
            }
            if !named.isEmpty {
                var about = "(" + named.joined(separator: " AND ")
                if let entityID = query.entityID {
                    let covering = try Self.auditSeqsCovering(db, entity: query.entity, entityID: entityID)
                    if !covering.isEmpty {
                        about += " OR seq IN (\(covering.map(String.init).joined(separator: ", ")))"
                    }
                }
                conditions.append(about + ")")
                arguments += namedArguments
            }
            let limit = max(1, min(query.limit, 10_000))
            var entries = try SQLRow.fetchAll(
                db,
                sql:
                    "SELECT * FROM audit_log WHERE \(conditions.joined(separator: " AND ")) ORDER BY seq LIMIT \(limit)",
                arguments: arguments
            ).map(Self.auditEntry(from:))
            if query.withRecords {
                for index in entries.indices { try Self.assembleRecords(db, &entries[index]) }
            }
            return entries
        }
    }

    /// An audit entry as stored.
    static func auditEntry(from row: SQLRow) -> AuditEntry {
        AuditEntry(
            seq: row["seq"],
            atMs: row["at_ms"],
            actor: row["actor"],
            role: row["role"],
            peer: row["peer"],
            method: row["method"],
            entity: row["entity"],
            entityId: row["entity_id"],
            outcome: row["outcome"],
            detail: row["detail"],
            beforeJson: row["before_json"],
            afterJson: row["after_json"],
            prevHash: row["prev_hash"],
            hash: row["hash"],
            mac: row["mac"],
            layout: Int32(row["layout"] as Int64),
            changes: row["changes"],
            recordsHash: row["records_hash"]
        )
    }

    /// The positions of entries that cover a change of the record (at most the 1,000 newest
    /// changes are looked at).
    static func auditSeqsCovering(_ db: any SQLDatabase, entity: String?, entityID: String) throws -> [Int64] {
        let changes = try Int64.fetchAll(
            db,
            sql: entity == nil
                ? "SELECT seq FROM change_log WHERE entity_id = ? ORDER BY seq DESC LIMIT 1000"
                : "SELECT seq FROM change_log WHERE entity = ? AND entity_id = ? ORDER BY seq DESC LIMIT 1000",
            arguments: entity.map { [$0, entityID] } ?? [entityID]
        )
        var found: [Int64] = []
        for change in changes {
            // Entries of concurrent writers may interleave their positions: the nearest few
            // entries starting at or before the change are read and the one listing it kept.
            let rows = try SQLRow.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT seq, changes FROM audit_log WHERE change_first <= ? AND change_last >= ?
                        ORDER BY change_first DESC LIMIT 16
                        """
                ),
                arguments: [change, change]
            )
            for row in rows where ChangePositions(text: row["changes"])?.positions.contains(change) == true {
                found.append(row["seq"])
            }
        }
        return found
    }

    /// Fills an entry of layout 2 that covers one change with the record before and after, as
    /// the audit log shows records (JSON without personal fields), read from the change log.
    static func assembleRecords(_ db: any SQLDatabase, _ entry: inout AuditEntry) throws {
        guard entry.layout >= 2, let positions = ChangePositions(text: entry.changes),
            positions.positions.count == 1
        else { return }
        guard
            let change = try SQLRow.fetchOne(
                db.cachedStatement(
                    sql:
                        "SELECT c.entity, c.entity_id, \(changeRecordColumn("c")) AS record FROM change_log c WHERE c.seq = ?"
                ),
                arguments: [positions.first]
            )
        else { return }
        let entity: String = change["entity"]
        entry.afterJson = try minimisedJSON(entity: entity, bytes: [UInt8](change["record"] as Data))
        if let before = try Data.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT \(changeRecordColumn("c")) FROM change_log c WHERE c.entity = ? AND c.entity_id = ?
                    AND c.seq < ? ORDER BY c.seq DESC LIMIT 1
                    """
            ),
            arguments: [entity, change["entity_id"] as String, positions.first]
        ) {
            entry.beforeJson = try minimisedJSON(entity: entity, bytes: [UInt8](before))
        }
    }

    /// The hashes of the changes entries cover (see `Store.auditedChangeDigests`).
    public func auditedChangeDigests(_ entries: [AuditEntry]) async throws -> [Int64: String] {
        let covering = entries.compactMap { entry -> (Int64, ChangePositions)? in
            guard entry.layout >= 2, !entry.changes.isEmpty else { return nil }
            return (entry.seq, ChangePositions(text: entry.changes) ?? ChangePositions([]))
        }
        guard !covering.isEmpty else { return [:] }
        return try await engine.read { db in
            var digests: [Int64: String] = [:]
            for (seq, positions) in covering {
                guard !positions.positions.isEmpty else {
                    digests[seq] = "unreadable change positions"
                    continue
                }
                // The changes of one entry are read as they come: an import batch's entry
                // covers hundreds, and a page of entries is never held at once.
                var digest = ChangeDigest()
                var wanted = positions.positions.makeIterator()
                var next = wanted.next()
                var missing: Int64?
                try SQLRow.forEach(
                    db,
                    sql: """
                        SELECT c.seq, c.at_ms, c.actor, c.entity, c.entity_id, c.revision, c.change,
                            \(Self.changeRecordColumn("c")) AS record
                        FROM change_log c WHERE c.seq >= ? AND c.seq <= ? ORDER BY c.seq
                        """,
                    arguments: [positions.first, positions.last]
                ) { row in
                    let position: Int64 = row["seq"]
                    guard missing == nil, let expected = next, position >= expected else { return }
                    if position > expected {
                        missing = expected
                        return
                    }
                    digest.add(
                        StoredChange(
                            seq: position,
                            atMs: row["at_ms"],
                            actor: row["actor"],
                            entity: row["entity"],
                            entityID: row["entity_id"],
                            revision: row["revision"],
                            change: row["change"],
                            record: [UInt8](row["record"] as Data)
                        )
                    )
                    next = wanted.next()
                }
                if missing == nil, let expected = next { missing = expected }
                digests[seq] = missing.map { "missing change \($0)" } ?? digest.hex
            }
            return digests
        }
    }

    /// The number of changes in a range of positions (see `Store.changeCount`).
    public func changeCount(from first: Int64, through last: Int64) async throws -> Int64 {
        try await engine.read { db in
            try Int64.fetchOne(
                db,
                sql: "SELECT COUNT(*) FROM change_log WHERE seq >= ? AND seq <= ?",
                arguments: [first, last]
            ) ?? 0
        }
    }

    static func token(from row: SQLRow) -> TokenRecord {
        TokenRecord(
            id: row["id"],
            name: row["name"],
            role: row["role"],
            scopeUnitID: row["scope_unit_id"] ?? "",
            hash: row["hash"],
            hint: row["hint"],
            createdAtMs: row["created_at_ms"],
            expiresOn: (row["expires_on"] as String?).map(Self.date),
            revokedAtMs: row["revoked_at_ms"]
        )
    }
}
