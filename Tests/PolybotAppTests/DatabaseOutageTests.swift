import Foundation
import Logging
import NIOHTTP1
import PolybotApp
import PolybotCore
import PolybotStore
import PolybotTestSupport
import PolymarketSim
import PostgresNIO
import Synchronization
import Testing

/// Issue 13, item 8 and its acceptance line: with PostgreSQL stopped under a running daemon the halt button halts (in
/// memory, persisted when the database returns), no entry is sent, and trading resumes only after reconciliation
/// passes. Before the fix, halting wrote to the database first, so with the database down the button failed and
/// trading went on. The daemon runs on a private cluster of its own, which the test really stops and starts again on
/// the same port.
@Suite("Database outage", .serialized)
struct DatabaseOutageTests {
    let logger = Logger(label: "test.outage")
    let whales = (1...3).map { Fixtures.address(0xF0 + $0) }

    func stateRow(_ store: PolybotStore) async throws -> String? {
        try await store.execution.tradingState(mode: .paper)?.state.rawValue
    }

    @Test func haltWorksWithTheDatabaseDownAndResumeWaitsForReconciliation() async throws {
        let dir = "/tmp/polybot-outage-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let port = try #require(FreePort.find())
        let options = EmbeddedPostgres.Options(dataDirectory: dir, database: "postgres", durable: false, port: port)
        let first = try EmbeddedPostgres.start(options, logger: logger)
        let running = Mutex<EmbeddedPostgres?>(first)
        defer {
            // Whichever cluster is up at the end is stopped; then its folder goes.
            if let last = running.withLock({ $0 }), last.isRunning {
                do { try last.stop(logger: logger) } catch { Issue.record("cluster not stopped: \(error)") }
            }
            try? FileManager.default.removeItem(atPath: first.dataDirectory)
        }
        let migrator = PostgresClient(configuration: try DatabaseURL(first.url).clientConfiguration())
        _ = try await migrator.whileRunning { client in
            try await MigrationRunner(
                migrations: try MigrationRunner.load(folder: repositoryMigrationsFolder), client: client, logger: logger
            ).apply()
        }
        let start = Int64(Date().timeIntervalSince1970) - 300
        let exchange = SimExchange(trades: Scenario.consensus(signals: 1, wallets: whales, start: start))
        try await withDaemon(exchange: exchange, databaseURL: first.url) { d in
            let token = try await d.login()
            let b = try await d.json(.POST, "/api/v1/baskets", token: token, body: #"{"name":"outage"}"#)
            let basket = try #require(b["id"] as? Int)
            for w in whales { _ = try await d.json(.PUT, "/api/v1/baskets/\(basket)/members/\(w.hex)", token: token) }
            #expect(
                try await eventually {
                    try await d.json(.GET, "/api/v1/trading-state", token: token)["state"] as? String == "active"
                })

            // The database goes away.
            try first.stop(logger: logger)
            #expect(!first.isRunning)
            let (halt, haltBody) = try await d.call(
                .PUT, "/api/v1/trading-state", token: token, body: #"{"state":"halted","reason":"db down"}"#)
            let haltText = String(decoding: haltBody, as: UTF8.self)
            #expect(halt == 200 && haltText.contains(#""persisted":false"#), "\(halt) \(haltText)")
            #expect(try await d.json(.GET, "/api/v1/trading-state", token: token)["state"] as? String == "halted")
            // Kept on disk too, so a restart before the database returns would still start halted.
            let pendingFile = try AppConfiguration(
                source: ConfigurationSource(environment: ["DATABASE_URL": first.url])
            ).pendingStateFilePath
            #expect(FileManager.default.fileExists(atPath: pendingFile), "\(pendingFile)")
            // Resuming needs the database: refused, still halted.
            #expect(
                try await d.call(.PUT, "/api/v1/trading-state", token: token, body: #"{"state":"active"}"#).0 == 503)
            #expect(try await d.json(.GET, "/api/v1/trading-state", token: token)["state"] as? String == "halted")

            // The database comes back on the same port: the halt is written without anyone asking again.
            let second = try EmbeddedPostgres.start(options, logger: logger)
            running.withLock { $0 = second }
            #expect(second.port == port)
            #expect(try await eventually(timeout: .seconds(60)) { try await stateRow(d.store) == "halted" })
            // The row and its audit entry are two writes: wait for the second too.
            #expect(
                try await eventually(timeout: .seconds(30)) {
                    try await d.store.audit.recent(limit: 20).contains {
                        $0.action == "trading_state.halted" && $0.actor == "operator"
                    }
                })
            // The file goes right after the row is written (the flush writes first, then removes it): wait for that.
            #expect(await eventually(timeout: .seconds(30)) { !FileManager.default.fileExists(atPath: pendingFile) })

            // Halted: whales agree, the signal is denied, no order exists.
            #expect(await eventually { await exchange.rtdsSubscribers > 0 })
            await exchange.publishNext(3)
            #expect(
                try await eventually {
                    try await d.store.signals.recent(limit: 10).contains {
                        $0.status == "denied" && $0.reason == "trading_halted"
                    }
                })
            #expect(try await d.store.orders.list(statuses: nil, limit: 10, beforeId: nil).isEmpty)

            // Resume: persisted first, then the reconciliation check, then active.
            let (resume, resumeBody) = try await d.call(
                .PUT, "/api/v1/trading-state", token: token, body: #"{"state":"active"}"#)
            #expect(resume == 200, "\(String(decoding: resumeBody, as: UTF8.self))")
            #expect(try await stateRow(d.store) == "active")
            let actions = try await d.store.audit.recent(limit: 20).map(\.action)
            #expect(actions.contains("reconciliation.passed") && actions.contains("trading_state.active"))
            #expect(try await d.json(.GET, "/api/v1/trading-state", token: token)["state"] as? String == "active")
        }
    }
}
