import Foundation
import Logging
import PolybotStore
import PolybotTestSupport
import PostgresNIO
import Testing

@Suite("Migration runner against a real PostgreSQL")
struct MigrationRunnerTests {
    let logger = Logger(label: "test.migrations")

    @Test func appliesFreshDatabaseThenIsANoOp() async throws {
        try await withTestDatabase(migrate: false) { _, client in
            let files = try MigrationRunner.embedded()
            #expect(files.first?.name == "0001_init.sql")
            let runner = try MigrationRunner(migrations: files, client: client, logger: logger)
            #expect(try await runner.pending().map(\.name) == files.map(\.name))
            let applied = try await runner.apply()
            #expect(applied == files.map(\.name))
            #expect(try await runner.pending().isEmpty)
            // Re-running applies nothing and changes nothing.
            #expect(try await runner.apply().isEmpty)
            let rows = try await client.query("SELECT count(*)::bigint FROM schema_migrations")
            for try await n in rows.decode(Int64.self) { #expect(Int(n) == files.count) }
            // The design's tables exist.
            let tables = try await client.query(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")
            var names: Set<String> = []
            for try await t in tables.decode(String.self) { names.insert(t) }
            for required in [
                "whales", "whale_baskets", "basket_wallets", "whale_trades", "copy_orders", "positions",
                "daily_pnl", "markets", "wallet_scores", "scoring_runs", "signals", "risk_decisions",
                "order_events", "feed_checkpoints", "audit_log",
            ] {
                #expect(names.contains(required), "missing table \(required)")
            }
        }
    }

    @Test func refusesAChangedChecksum() async throws {
        try await withTestDatabase(migrate: false) { _, client in
            let v1 = Migration(version: 1, name: "0001_a.sql", sql: "CREATE TABLE a (x int);")
            try await MigrationRunner(migrations: [v1], client: client, logger: logger).apply()
            let edited = Migration(version: 1, name: "0001_a.sql", sql: "CREATE TABLE a (x bigint);")
            let runner = try MigrationRunner(migrations: [edited], client: client, logger: logger)
            await #expect(
                throws: MigrationError.checksumMismatch(
                    name: "0001_a.sql", applied: v1.checksum, onDisk: edited.checksum)
            ) {
                try await runner.apply()
            }
            await #expect(throws: MigrationError.self) { try await runner.pending() }
        }
    }

    @Test func rollsBackAFailingFileWhole() async throws {
        try await withTestDatabase(migrate: false) { _, client in
            let good = Migration(version: 1, name: "0001_good.sql", sql: "CREATE TABLE good (x int);")
            let bad = Migration(
                version: 2, name: "0002_bad.sql",
                sql: "CREATE TABLE half (x int);\nINSERT INTO half VALUES (1);\nSELECT * FROM no_such_table;")
            let runner = try MigrationRunner(migrations: [good, bad], client: client, logger: logger)
            do {
                try await runner.apply()
                Issue.record("a failing migration must throw")
            } catch let MigrationError.failed(name, statement, reason) {
                #expect(name == "0002_bad.sql")
                #expect(statement == 3)
                #expect(reason.contains("no_such_table"))
            }
            // The good file stays applied; nothing of the bad one was kept.
            #expect(try await runner.pending().map(\.name) == ["0002_bad.sql"])
            let rows = try await client.query("SELECT to_regclass('half') IS NULL")
            for try await gone in rows.decode(Bool.self) { #expect(gone) }
        }
    }

    @Test func reportsHistoryWithoutAFile() async throws {
        try await withTestDatabase(migrate: false) { _, client in
            let a = Migration(version: 1, name: "0001_a.sql", sql: "SELECT 1;")
            try await MigrationRunner(migrations: [a], client: client, logger: logger).apply()
            let runner = try MigrationRunner(migrations: [], client: client, logger: logger)
            await #expect(throws: MigrationError.missingFile(name: "0001_a.sql")) { try await runner.pending() }
        }
    }

    @Test func rejectsBadFileNamesAndDuplicateVersions() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mig-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "SELECT 1;".write(toFile: dir + "/init.sql", atomically: true, encoding: .utf8)
        #expect(throws: MigrationError.badFileName("init.sql")) { try MigrationRunner.load(folder: dir) }
        let a = Migration(version: 3, name: "0003_a.sql", sql: "")
        let b = Migration(version: 3, name: "0003_b.sql", sql: "")
        let client = PostgresClient(
            configuration: .init(host: "127.0.0.1", username: "x", password: nil, database: nil, tls: .disable))
        #expect(throws: MigrationError.duplicateVersion(3)) {
            try MigrationRunner(migrations: [a, b], client: client, logger: logger)
        }
    }
}

@Suite("SQL statement splitter")
struct SQLStatementSplitterTests {
    @Test func splitsOnTopLevelSemicolonsOnly() {
        let sql = """
            -- a comment; with a semicolon
            CREATE TABLE t (x text DEFAULT 'a;b', "we;ird" int); /* block; comment */
            INSERT INTO t VALUES ('it''s; fine');
            CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;
            ;
            """
        let parts = SQLStatementSplitter.split(sql)
        #expect(parts.count == 3)
        #expect(parts[0].hasSuffix("\"we;ird\" int)"))
        #expect(parts[1] == "/* block; comment */\nINSERT INTO t VALUES ('it''s; fine')")
        #expect(parts[2].contains("$body$ SELECT 1; $body$"))
    }

    @Test func theBinaryCarriesExactlyTheRepositoryMigrations() throws {
        let embedded = try MigrationRunner.embedded()
        let folder = try MigrationRunner.load(folder: repositoryMigrationsFolder)
        #expect(embedded.count >= 11)
        // Same names, same bytes (the checksum a database records is the file's own).
        #expect(embedded.map(\.name) == folder.map(\.name))
        #expect(embedded.map(\.checksum) == folder.map(\.checksum))
        // An operator's folder still wins when named; none named means the embedded ones.
        #expect(try MigrationRunner.resolve(folder: nil) == embedded)
        #expect(try MigrationRunner.resolve(folder: repositoryMigrationsFolder) == folder)
    }

    @Test func splitsTheShippedSchema() throws {
        let sql = try String(contentsOfFile: repositoryMigrationsFolder + "/0001_init.sql", encoding: .utf8)
        let parts = SQLStatementSplitter.split(sql)
        #expect(parts.count > 20)
        #expect(parts.allSatisfy { !$0.hasSuffix(";") })
    }
}

/// Migration 0014 on a database with rows the old key (with the price) kept apart: one match rounded two ways by two
/// sources becomes one row (sources joined, the signal that named the second re-pointed at the first); one source's
/// two fills at two prices stay as twins.
@Suite("The price-less trade key on existing rows")
struct TradeKeyMigrationTests {
    @Test func sameMatchRoundedTwoWaysMergesAndTwinsStay() async throws {
        try await withTestDatabase(migrate: false) { _, client in
            let logger = Logger(label: "test.migration0014")
            let all = try MigrationRunner.embedded()
            let before = all.filter { $0.name < "0014" }
            #expect(before.count == 13 && all.contains { $0.name.hasPrefix("0014") })
            try await MigrationRunner(migrations: before, client: client, logger: logger).apply()
            let tx = "0x" + String(repeating: "ab", count: 32)
            let wallet = "0x" + String(repeating: "1", count: 40)
            let condition = "0x" + String(repeating: "c", count: 64)
            func row(_ price: Int64, _ source: String) async throws -> Int64 {
                let rows = try await client.query(
                    """
                    INSERT INTO whale_trades (transaction_hash, wallet, asset, condition_id, side, size_micros,
                        price_micros, notional_micros, traded_at, source, sources)
                    VALUES (\(tx), \(wallet), '77', \(condition), 'BUY', 10000000, \(price), \(price * 10),
                        to_timestamp(1760000000), \(source), ARRAY[\(source)])
                    RETURNING id
                    """)
                for try await id in rows.decode(Int64.self) { return id }
                throw StoreError.corruptRow("no id")
            }
            let feed = try await row(400_000, "rtds")
            let chain = try await row(400_001, "chain")
            let twin = try await row(450_000, "rtds")
            try await client.query(
                """
                INSERT INTO signals (signal_key, condition_id, asset, agreeing, opposing, ratio, wallets,
                    whale_avg_price_micros, whale_notional_micros, trade_ids)
                VALUES ('k', \(condition), '77', 1, 0, 1, ARRAY[\(wallet)], 400000, 4000000, ARRAY[\(chain), \(feed)])
                """)
            try await MigrationRunner(migrations: all, client: client, logger: logger).apply()
            var left: [Int64: (String, Int32)] = [:]
            for try await (id, sources, ordinal) in try await client.query(
                "SELECT id, array_to_string(sources, ','), ordinal FROM whale_trades ORDER BY id"
            ).decode((Int64, String, Int32).self) { left[id] = (sources, ordinal) }
            #expect(left.count == 2)
            #expect(left[feed]?.0 == "rtds,chain" && left[feed]?.1 == 0)
            #expect(left[twin]?.0 == "rtds" && left[twin]?.1 == 1)
            for try await ids in try await client.query("SELECT trade_ids FROM signals").decode([Int64].self) {
                #expect(ids == [feed])
            }
        }
    }
}
