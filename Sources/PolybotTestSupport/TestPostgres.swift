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

    /// Creates an empty database with a unique name and returns the name.
    package func createDatabase() async throws -> String {
        let name = "t_" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        try await admin { client in
            try await DatabaseAdmin.create(name, on: client)
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

/// The repository's `migrations/` folder, found from this source file's path.
package let repositoryMigrationsFolder: String = {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("migrations").path
}()

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
    let name = try await TestPostgres.shared.createDatabase()
    let url = try await TestPostgres.shared.url(database: name)
    let logger = Logger(label: "polybot.test")
    let client = PostgresClient(configuration: try await TestPostgres.shared.configuration(database: name))
    do {
        let result = try await client.whileRunning { client in
            if migrate {
                let runner = try MigrationRunner(
                    migrations: try MigrationRunner.load(folder: repositoryMigrationsFolder), client: client,
                    logger: logger)
                try await runner.apply()
            }
            return try await body(url, PolybotStore(client: client, logger: logger), client)
        }
        try? await TestPostgres.shared.dropDatabase(name)
        return result
    } catch {
        try? await TestPostgres.shared.dropDatabase(name)
        throw error
    }
}
