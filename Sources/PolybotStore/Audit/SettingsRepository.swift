import Foundation
import PostgresNIO

/// Operator settings stored in the database (they override the environment; never secrets).
package struct SettingsRepository: Sendable {
    let db: Database

    /// Creates the repository.
    package init(db: Database) { self.db = db }

    /// Every stored setting.
    package func all() async throws -> [String: String] {
        let rows = try await db.client.query("SELECT key, value FROM settings", logger: db.logger)
        var out: [String: String] = [:]
        for try await (k, v) in rows.decode((String, String).self) { out[k] = v }
        return out
    }

    /// Removes stored settings (the environment's or the default value applies again) with their audit entry, in one
    /// transaction. Returns the keys that were stored.
    package func reset(_ keys: [String], actor: String) async throws -> [String] {
        try await mappingErrors {
            try await db.client.withTransaction(logger: db.logger) { conn in
                var removed: [String] = []
                for k in keys.sorted() {
                    let rows = try await conn.query(
                        "DELETE FROM settings WHERE key = \(k) RETURNING key", logger: db.logger)
                    for try await key in rows.decode(String.self) { removed.append(key) }
                }
                let details = String(decoding: try JSONEncoder().encode(["reset": removed]), as: UTF8.self)
                try await conn.query(
                    """
                    INSERT INTO audit_log (actor, action, target, details) VALUES (\(actor), 'settings.reset', 'settings', \(details)::jsonb)
                    """, logger: db.logger)
                return removed
            }
        }
    }

    /// Stores settings and their audit entry in one transaction.
    package func save(_ changes: [String: String], actor: String, auditDetails: String) async throws {
        try await mappingErrors {
            try await db.client.withTransaction(logger: db.logger) { conn in
                for (k, v) in changes.sorted(by: { $0.key < $1.key }) {
                    try await conn.query(
                        """
                        INSERT INTO settings (key, value, updated_by) VALUES (\(k), \(v), \(actor))
                        ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_by = EXCLUDED.updated_by, updated_at = now()
                        """, logger: db.logger)
                }
                try await conn.query(
                    """
                    INSERT INTO audit_log (actor, action, target, details) VALUES (\(actor), 'settings.change', 'settings', \(auditDetails)::jsonb)
                    """, logger: db.logger)
            }
        }
    }
}
