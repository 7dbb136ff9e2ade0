import Crypto
import Foundation
import Logging
import PostgresNIO

/// One numbered SQL file of `migrations/` (built into the binary, or read from a folder an operator names).
package struct Migration: Sendable, Equatable {
    /// The number before the first underscore (`0001_init.sql` → 1).
    package var version: Int
    /// The file name.
    package var name: String
    /// The SQL text.
    package var sql: String
    /// SHA-256 of the file's bytes, lower-case hex.
    package var checksum: String

    /// Builds a migration from a file name and its contents.
    package init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// Errors of the migration runner.
package enum MigrationError: Error, CustomStringConvertible, Equatable {
    /// A migration built into the binary does not decode (a damaged build).
    case corruptEmbedded(String)
    /// A file in the folder does not follow `NNNN_name.sql`.
    case badFileName(String)
    /// Two files share a version number.
    case duplicateVersion(Int)
    /// An applied migration's file changed since it was applied.
    case checksumMismatch(name: String, applied: String, onDisk: String)
    /// The database records a migration that has no file any more.
    case missingFile(name: String)
    /// Applying a file failed; nothing of it was kept.
    case failed(name: String, statement: Int, reason: String)
    /// The daemon was asked to start with migrations pending.
    case pending([String])

    package var description: String {
        switch self {
        case .corruptEmbedded(let name): "the migration \(name) built into this binary does not decode; rebuild it"
        case .badFileName(let name): "migration file \(name) is not named NNNN_description.sql"
        case .duplicateVersion(let v): "two migration files share version \(v)"
        case .checksumMismatch(let name, let applied, let onDisk):
            "migration \(name) was changed after it was applied (applied checksum \(applied.prefix(12))…, file \(onDisk.prefix(12))…); never edit a shipped migration, add a new one"
        case .missingFile(let name): "the database has migration \(name) applied but the file is missing"
        case .failed(let name, let statement, let reason):
            "migration \(name) failed at statement \(statement) and was rolled back: \(reason)"
        case .pending(let names):
            "\(names.count) pending migration(s): \(names.joined(separator: ", ")); run `polybot migrate` first (or `polybot serve --migrate`)"
        }
    }
}

/// Applies the numbered SQL files in order, one transaction per file, recording each file's name and
/// checksum in `schema_migrations`; refuses to run when an applied file's checksum changed.
package struct MigrationRunner: Sendable {
    /// The migrations, sorted by version.
    package let migrations: [Migration]
    private let client: PostgresClient
    private let logger: Logger

    /// Creates a runner over already-loaded migrations.
    ///
    /// - Throws: ``MigrationError/duplicateVersion(_:)``.
    package init(migrations: [Migration], client: PostgresClient, logger: Logger) throws {
        let sorted = migrations.sorted { $0.version < $1.version }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.version == b.version {
            throw MigrationError.duplicateVersion(a.version)
        }
        self.migrations = sorted
        self.client = client
        self.logger = logger
    }

    /// Reads every `NNNN_*.sql` file of a folder.
    ///
    /// - Throws: ``MigrationError/badFileName(_:)`` for a stray `.sql` file; file-system errors.
    package static func load(folder: String) throws -> [Migration] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".sql") }.sorted()
        return try names.map { name in
            try migration(name: name, sql: String(contentsOfFile: folder + "/" + name, encoding: .utf8))
        }
    }

    private static func migration(name: String, sql: String) throws -> Migration {
        let digits = name.prefix { $0.isNumber }
        guard digits.count == 4, name.dropFirst(4).first == "_", let version = Int(digits) else {
            throw MigrationError.badFileName(name)
        }
        return Migration(version: version, name: name, sql: sql)
    }

    /// The migrations built into this binary (`migrations/*.sql` at build time, see `EmbedFilesPlugin`).
    ///
    /// - Throws: ``MigrationError/badFileName(_:)`` and ``MigrationError/corruptEmbedded(_:)``, neither of which a
    ///   build of this repository produces.
    package static func embedded() throws -> [Migration] {
        try EmbeddedMigrations.files.map { file in
            guard let bytes = Data(base64Encoded: file.base64), let sql = String(validating: bytes, as: UTF8.self)
            else {
                throw MigrationError.corruptEmbedded(file.name)
            }
            return try migration(name: file.name, sql: sql)
        }
    }

    /// The migrations to run: the folder an operator named (`POLYBOT_MIGRATIONS_DIR`), else the embedded ones.
    ///
    /// - Throws: as ``load(folder:)`` and ``embedded()``.
    package static func resolve(folder: String?) throws -> [Migration] {
        guard let folder else { return try embedded() }
        return try load(folder: folder)
    }

    /// The names of migrations not yet applied.
    ///
    /// - Throws: ``MigrationError/checksumMismatch(name:applied:onDisk:)`` and ``MigrationError/missingFile(name:)``
    ///   when history and files disagree; database errors.
    package func pending() async throws -> [Migration] {
        try await ensureTable()
        let applied = try await appliedChecksums()
        let byName = Dictionary(uniqueKeysWithValues: migrations.map { ($0.name, $0) })
        for (name, checksum) in applied {
            guard let file = byName[name] else { throw MigrationError.missingFile(name: name) }
            guard file.checksum == checksum else {
                throw MigrationError.checksumMismatch(name: name, applied: checksum, onDisk: file.checksum)
            }
        }
        return migrations.filter { applied[$0.name] == nil }
    }

    /// Applies every pending migration, each in its own transaction.
    ///
    /// - Returns: the names applied (empty when the database was up to date).
    /// - Throws: ``MigrationError`` as in ``pending()``, and ``MigrationError/failed(name:statement:reason:)``.
    @discardableResult
    package func apply() async throws -> [String] {
        // One migrator at a time: a transaction-level advisory lock would end with each file's transaction,
        // so hold a session lock on one leased connection for the whole run.
        try await client.withConnection { connection in
            try await connection.query("SELECT pg_advisory_lock(7400710001)", logger: logger)
            do {
                let todo = try await pending()
                for migration in todo {
                    try await applyOne(migration, on: connection)
                }
                try await connection.query("SELECT pg_advisory_unlock(7400710001)", logger: logger)
                return todo.map(\.name)
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(7400710001)", logger: logger)
                throw error
            }
        }
    }

    private func applyOne(_ migration: Migration, on connection: PostgresConnection) async throws {
        let statements = SQLStatementSplitter.split(migration.sql)
        var index = 0
        do {
            try await connection.withTransaction(logger: logger) { tx in
                for statement in statements {
                    index += 1
                    try await tx.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await tx.query(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (\(migration.version), \(migration.name), \(migration.checksum))",
                    logger: logger)
            }
        } catch let error as PostgresTransactionError {
            let reason = error.closureError.map { String(reflecting: $0) } ?? String(reflecting: error)
            throw MigrationError.failed(name: migration.name, statement: index, reason: Self.serverMessage(reason))
        }
        logger.info(
            "applied migration",
            metadata: ["migration.name": "\(migration.name)", "migration.statements": "\(statements.count)"])
    }

    private func ensureTable() async throws {
        try await client.query(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    INTEGER PRIMARY KEY,
                name       TEXT NOT NULL UNIQUE,
                checksum   TEXT NOT NULL,
                applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
            )
            """, logger: logger)
    }

    private func appliedChecksums() async throws -> [String: String] {
        var result: [String: String] = [:]
        let rows = try await client.query(
            "SELECT name, checksum FROM schema_migrations ORDER BY version", logger: logger)
        for try await (name, checksum) in rows.decode((String, String).self) {
            result[name] = checksum
        }
        return result
    }

    /// Pulls the server's message out of postgres-nio's reflected error text, which is long.
    private static func serverMessage(_ text: String) -> String {
        if let r = text.range(of: "message: ") {
            return String(text[r.upperBound...].prefix { $0 != "," && $0 != "\n" })
        }
        return String(text.prefix(500))
    }
}
