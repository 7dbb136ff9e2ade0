import PostgresNIO

/// The operator and system audit log.
package protocol AuditRepository: Sendable {
    /// Appends an entry; `details` is JSON text.
    func append(actor: String, action: String, target: String, details: String) async throws
    /// The newest entries.
    func recent(limit: Int) async throws -> [(actor: String, action: String, target: String, details: String)]
}

/// ``AuditRepository`` over PostgreSQL.
package struct AuditPostgresRepository: AuditRepository {
    let db: Database

    /// Creates the repository.
    package init(db: Database) { self.db = db }

    package func append(actor: String, action: String, target: String, details: String) async throws {
        try await mappingErrors {
            try await db.client.query(
                "INSERT INTO audit_log (actor, action, target, details) VALUES (\(actor), \(action), \(target), \(details)::jsonb)",
                logger: db.logger)
        }
    }

    package func recent(limit: Int) async throws -> [(actor: String, action: String, target: String, details: String)] {
        let rows = try await db.client.query(
            "SELECT actor, action, target, details::text FROM audit_log ORDER BY id DESC LIMIT \(Int64(limit))",
            logger: db.logger)
        var out: [(actor: String, action: String, target: String, details: String)] = []
        for try await r in rows.decode((String, String, String, String).self) { out.append((r.0, r.1, r.2, r.3)) }
        return out
    }
}
