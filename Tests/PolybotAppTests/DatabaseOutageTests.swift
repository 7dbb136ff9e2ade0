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

    /// A private, migrated cluster on a fixed port that `body` may stop and start again (`restart`); whichever cluster
    /// is up at the end is stopped and its folder removed.
    func withPrivateCluster(
        _ body:
            @Sendable (_ url: String, _ stop: @Sendable () throws -> Void, _ restart: @Sendable () throws -> Void)
            async throws -> Void
    ) async throws {
        let dir = "/tmp/polybot-outage-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        // Below the ephemeral range: while the cluster is down, no other test's `bind(0)` or outgoing connection can
        // take its port, so the restart comes back where the daemon reconnects.
        let port = try #require(FreePort.find(in: 20_000..<32_000))
        let options = EmbeddedPostgres.Options(dataDirectory: dir, database: "postgres", durable: false, port: port)
        let first = try EmbeddedPostgres.start(options, logger: logger)
        let running = Mutex<EmbeddedPostgres?>(first)
        let logger = self.logger
        defer {
            if let last = running.withLock({ $0 }), last.isRunning {
                do { try last.stop(logger: logger) } catch { Issue.record("cluster not stopped: \(error)") }
            }
            try? FileManager.default.removeItem(atPath: first.dataDirectory)
        }
        let migrator = PostgresClient(configuration: try DatabaseURL(first.url).clientConfiguration())
        _ = try await migrator.whileRunning { client in
            try await MigrationRunner(
                migrations: try MigrationRunner.embedded(), client: client, logger: logger
            ).apply()
        }
        try await body(
            first.url,
            {
                try running.withLock { $0 }?.stop(logger: logger)
                #expect(!first.isRunning)
            },
            {
                let again = try EmbeddedPostgres.start(options, logger: logger)
                running.withLock { $0 = again }
                #expect(again.port == port)
            })
    }

    @Test func haltWorksWithTheDatabaseDownAndResumeWaitsForReconciliation() async throws {
        try await withPrivateCluster { url, stopDatabase, restartDatabase in
            try await haltScenario(url: url, stopDatabase: stopDatabase, restartDatabase: restartDatabase)
        }
    }

    func haltScenario(
        url: String, stopDatabase: @Sendable () throws -> Void, restartDatabase: @Sendable () throws -> Void
    ) async throws {
        let start = Int64(Date().timeIntervalSince1970) - 300
        let exchange = SimExchange(trades: Scenario.consensus(signals: 1, wallets: whales, start: start))
        try await withDaemon(exchange: exchange, databaseURL: url) { d in
            let token = try await d.login()
            let b = try await d.json(.POST, "/api/v1/baskets", token: token, body: #"{"name":"outage"}"#)
            let basket = try #require(b["id"] as? Int)
            for w in whales { _ = try await d.json(.PUT, "/api/v1/baskets/\(basket)/members/\(w.hex)", token: token) }
            #expect(
                try await eventually(timeout: .processWait) {
                    try await d.json(.GET, "/api/v1/trading-state", token: token)["state"] as? String == "active"
                })

            // The database goes away.
            try stopDatabase()
            let (halt, haltBody) = try await d.call(
                .PUT, "/api/v1/trading-state", token: token, body: #"{"state":"halted","reason":"db down"}"#)
            let haltText = String(decoding: haltBody, as: UTF8.self)
            #expect(halt == 200 && haltText.contains(#""persisted":false"#), "\(halt) \(haltText)")
            #expect(try await d.json(.GET, "/api/v1/trading-state", token: token)["state"] as? String == "halted")
            // Kept on disk too, so a restart before the database returns would still start halted.
            let pendingFile = try AppConfiguration(
                source: ConfigurationSource(environment: ["DATABASE_URL": url])
            ).pendingStateFilePath
            #expect(FileManager.default.fileExists(atPath: pendingFile), "\(pendingFile)")
            // Resuming needs the database: refused, still halted.
            #expect(
                try await d.call(.PUT, "/api/v1/trading-state", token: token, body: #"{"state":"active"}"#).0 == 503)
            #expect(try await d.json(.GET, "/api/v1/trading-state", token: token)["state"] as? String == "halted")

            // The database comes back on the same port: the halt is written without anyone asking again.
            try restartDatabase()
            #expect(try await eventually(timeout: .seconds(60)) { try await stateRow(d.store) == "halted" })
            // The row and its audit entry are two writes: wait for the second too.
            #expect(
                try await eventually {
                    try await d.store.audit.recent(limit: 20).contains {
                        $0.action == "trading_state.halted" && $0.actor == "operator"
                    }
                })
            // The file goes right after the row is written (the flush writes first, then removes it): wait for that.
            #expect(await eventually { !FileManager.default.fileExists(atPath: pendingFile) })

            // Halted: whales agree, the signal is denied, no order exists.
            #expect(await eventually(timeout: .processWait) { await exchange.rtdsSubscribers > 0 })
            await exchange.publishNext(3)
            #expect(
                try await eventually(timeout: .processWait) {
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

    /// Items 1 and 7: whale trades published while PostgreSQL is down are held (not dropped after three retries) and all
    /// stored once it returns, with their signals; meanwhile API reads and `/ready` answer 503 at once instead of
    /// hanging for a minute.
    @Test func whaleTradesDuringAnOutageAreAllStoredAndTheAPIAnswers503() async throws {
        try await withPrivateCluster { url, stopDatabase, restartDatabase in
            let start = Int64(Date().timeIntervalSince1970) - 300
            let trades = Scenario.consensus(signals: 4, wallets: whales, start: start)
            let exchange = SimExchange(trades: trades)
            // A 60 s stall limit: a loaded machine must not turn a slow PONG into a reconnect, so the nine trades
            // arrive over the socket during the outage (a reconnect would bring them by backfill instead).
            let extra = ["POLYBOT_FEED_STALL_SECONDS": "60"]
            try await withDaemon(exchange: exchange, extra: extra, databaseURL: url) { d in
                let token = try await d.login()
                let b = try await d.json(.POST, "/api/v1/baskets", token: token, body: #"{"name":"outage"}"#)
                let basket = try #require(b["id"] as? Int)
                for w in whales {
                    _ = try await d.json(.PUT, "/api/v1/baskets/\(basket)/members/\(w.hex)", token: token)
                }
                #expect(await eventually(timeout: .processWait) { await exchange.rtdsSubscribers > 0 })
                await exchange.publishNext(3)
                #expect(
                    try await eventually(timeout: .processWait) {
                        try await d.store.signals.recent(limit: 10).count == 1
                    })

                try stopDatabase()
                await exchange.publishNext(9)
                // The sim delivered all twelve over the socket (its own count, no database involved)…
                #expect(await eventually(timeout: .processWait) { await exchange.rtdsFramesSent >= 12 })
                // …and a read of stored data is refused with a reason, not held (the client gives up after 10 s).
                let (status, body) = try await d.call(.GET, "/api/v1/signals", token: token)
                #expect(status == 503 && String(decoding: body, as: UTF8.self).contains("database unavailable"))
                #expect(try await d.call(.GET, "/ready", token: Daemon.readOnly).0 == 503)

                try restartDatabase()
                #expect(try await eventually(timeout: .seconds(60)) { try await d.store.trades.count() == 12 })
                #expect(
                    try await eventually(timeout: .processWait) {
                        try await d.store.signals.recent(limit: 10).count == 4
                    })
                // Every signal ends with an outcome (paper fills here), none left `new` or `sized`.
                #expect(
                    try await eventually(timeout: .processWait) {
                        try await d.store.signals.recent(limit: 10).allSatisfy {
                            !["new", "sized"].contains($0.status)
                        }
                    })
                #expect(try await d.call(.GET, "/ready", token: Daemon.readOnly).0 == 200)
            }
        }
    }
}
