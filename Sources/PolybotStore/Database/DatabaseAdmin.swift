import Logging
import PostgresNIO

/// Creating and dropping whole databases on a server (the test harness's throwaway databases). The names are made by
/// the caller from `[a-z0-9_]` only: identifiers cannot be bound as parameters.
package enum DatabaseAdmin {
    /// Creates database `name`, empty or as a copy of database `template` (which must have no open connections).
    package static func create(_ name: String, template: String? = nil, on client: PostgresClient) async throws {
        checkName(name)
        if let template {
            checkName(template)
            try await client.query("CREATE DATABASE \(unescaped: name) TEMPLATE \(unescaped: template)")
        } else {
            try await client.query("CREATE DATABASE \(unescaped: name)")
        }
    }

    /// Creates database `name` unless it exists (the embedded cluster's application database on first start).
    package static func ensure(_ name: String, on client: PostgresClient, logger: Logger) async throws {
        checkName(name)
        let rows = try await client.query("SELECT 1 FROM pg_database WHERE datname = \(name)", logger: logger)
        var exists = false
        for try await _ in rows { exists = true }
        if !exists { try await client.query("CREATE DATABASE \(unescaped: name)", logger: logger) }
    }

    /// Drops database `name` if it exists, closing its connections.
    package static func drop(_ name: String, on client: PostgresClient) async throws {
        checkName(name)
        try await client.query("DROP DATABASE IF EXISTS \(unescaped: name) WITH (FORCE)")
    }

    /// Identifiers cannot be bound: a name outside `[a-z0-9_]` is a programming error.
    private static func checkName(_ name: String) {
        precondition(name.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" }, "database name \(name)")
    }
}
