import ChiboCodec
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
            for (column, value) in [("entity", query.entity), ("entity_id", query.entityID), ("actor", query.actor)] {
                if let value {
                    conditions.append("\(column) = ?")
                    arguments += [value]
                }
            }
            let limit = max(1, min(query.limit, 10_000))
            return try SQLRow.fetchAll(
                db,
                sql:
                    "SELECT * FROM audit_log WHERE \(conditions.joined(separator: " AND ")) ORDER BY seq LIMIT \(limit)",
                arguments: arguments
            ).map { row in
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
                    mac: row["mac"]
                )
            }
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
