import Foundation
import Logging
import PolybotStore
import PostgresNIO
import Synchronization

/// The PostgreSQL server tests run against: `POLYBOT_TEST_DATABASE_URL` when set, otherwise a throwaway
/// cluster this process starts in `/tmp` (fsync off) and stops when the process exits.
package actor TestPostgres {
    /// The one server of this test process.
    package static let shared = TestPostgres()

    private struct Server: Sendable {
        var host: String
        var port: Int
        var username: String
        var password: String?
        var tls: DatabaseURL.TLSMode
    }

    private var server: Server?
    private let logger = Logger(label: "polybot.test.postgres")

    /// Starts (once) and returns the server's connection parameters.
    private func ensureServer() throws -> Server {
        if let server { return server }
        let env = ProcessInfo.processInfo.environment
        let made: Server
        if let url = env["POLYBOT_TEST_DATABASE_URL"], !url.isEmpty {
            let parsed = try DatabaseURL(url)
            made = Server(
                host: parsed.host, port: parsed.port, username: parsed.username, password: parsed.password,
                tls: parsed.tls)
        } else {
            // /tmp is traversable by the postgres user, unlike a 0700 mktemp folder.
            let dir = "/tmp/polybot-test-pg-\(getpid())"
            let pg = try EmbeddedPostgres.start(
                EmbeddedPostgres.Options(dataDirectory: dir, database: "postgres", durable: false), logger: logger)
            testClusterDirectory.withLock { $0 = pg.dataDirectory }
            atexit { stopTestCluster() }
            made = Server(host: "127.0.0.1", port: pg.port, username: "postgres", password: nil, tls: .disable)
        }
        server = made
        return made
    }

    /// Client configuration for a database on the test server.
    package func configuration(database: String) throws -> PostgresClient.Configuration {
        let s = try ensureServer()
        return DatabaseURL.make(
            host: s.host, port: s.port, username: s.username, password: s.password,
            database: database, tls: s.tls
        ).clientConfiguration()
    }

    /// A `postgres://` URL of a database on the test server (for child processes).
    package func url(database: String) throws -> String {
        let s = try ensureServer()
        let auth = s.password.map { "\(s.username):\($0)" } ?? s.username
        return "postgres://\(auth)@\(s.host):\(s.port)/\(database)?sslmode=disable"
    }

    /// Creates a database with a unique name and returns the name: empty, or (`migrated`) a copy of a template the
    /// repository's migrations were applied to once per test process — a copy takes milliseconds, a migration run
    /// hundreds of them.
    package func createDatabase(migrated: Bool = false) async throws -> String {
        let name = "t_" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let template = migrated ? try await migratedTemplate() : nil
        try await admin { client in
            try await DatabaseAdmin.create(name, template: template, on: client)
        }
        return name
    }

    private var template: Task<String, any Error>?

    /// The migrated template's name, made on first use (actor re-entrancy: every caller awaits the one task).
    private func migratedTemplate() async throws -> String {
        if let template { return try await template.value }
        let made = Task { try await self.makeTemplate() }
        template = made
        return try await made.value
    }

    private func makeTemplate() async throws -> String {
        let name = "tpl_\(getpid())_" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
        try await admin { client in try await DatabaseAdmin.create(name, on: client) }
        let logger = logger
        // The client ends before any copy is made: a template must have no open connections.
        try await PostgresClient(configuration: try configuration(database: name)).whileRunning { client in
            try await MigrationRunner(migrations: try MigrationRunner.embedded(), client: client, logger: logger)
                .apply()
        }
        return name
    }

    /// Drops a database created by ``createDatabase()``.
    package func dropDatabase(_ name: String) async throws {
        try await admin { client in
            try await DatabaseAdmin.drop(name, on: client)
        }
    }

    private func admin(_ body: @Sendable (PostgresClient) async throws -> Void) async throws {
        let client = PostgresClient(configuration: try configuration(database: "postgres"))
        try await client.whileRunning(body)
    }
}

/// The data directory of this process's throwaway cluster, for the exit handler.
private let testClusterDirectory = Mutex<String?>(nil)

/// Stops the throwaway cluster at process exit: SIGINT is PostgreSQL's fast shutdown.
private func stopTestCluster() {
    guard let dir = testClusterDirectory.withLock({ $0 }) else { return }
    if let text = try? String(contentsOfFile: dir + "/postmaster.pid", encoding: .utf8),
        let pid = Int32(text.split(separator: "\n").first ?? "")
    {
        kill(pid, SIGINT)
        for _ in 0..<100 where kill(pid, 0) == 0 { usleep(50_000) }
    }
    try? FileManager.default.removeItem(atPath: dir)
}

/// The repository's `migrations/` folder, found from this source file's path (tests compare it with the embedded copy).
package let repositoryMigrationsFolder: String = {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("migrations").path
}()

/// The query limit of stores and daemons on the shared test server, in seconds. A test run starts throwaway clusters
/// and copies databases while other tests query, and CI machines run other work: the production 5 s limit
/// (`POLYBOT_DB_QUERY_SECONDS`) there is a wall-clock bound a loaded machine breaks. Tests of the limit itself run on
/// clusters of their own.
package let testQueryLimitSeconds = 120

/// Runs `body` against a fresh, fully migrated database that is dropped afterwards.
///
/// - Parameters:
///   - migrate: apply the repository's migrations first (default true).
///   - body: receives the store and the running client.
/// - Returns: whatever `body` returns.
package func withTestDatabase<T: Sendable>(
    migrate: Bool = true,
    _ body: @Sendable (PolybotStore, PostgresClient) async throws -> T
) async throws -> T {
    try await withNamedTestDatabase(migrate: migrate) { _, store, client in try await body(store, client) }
}

/// ``withTestDatabase(migrate:_:)`` that also passes the database's `postgres://` URL (for child processes).
package func withNamedTestDatabase<T: Sendable>(
    migrate: Bool = true,
    _ body: @Sendable (_ url: String, PolybotStore, PostgresClient) async throws -> T
) async throws -> T {
    let name = try await TestPostgres.shared.createDatabase(migrated: migrate)
    let url = try await TestPostgres.shared.url(database: name)
    let logger = Logger(label: "polybot.test")
    let client = PostgresClient(configuration: try await TestPostgres.shared.configuration(database: name))
    do {
        let result = try await client.whileRunning { client in
            let store = PolybotStore(client: client, logger: logger, queryLimit: .seconds(testQueryLimitSeconds))
            return try await body(url, store, client)
        }
        try? await TestPostgres.shared.dropDatabase(name)
        return result
    } catch {
        try? await TestPostgres.shared.dropDatabase(name)
        throw error
    }
}
