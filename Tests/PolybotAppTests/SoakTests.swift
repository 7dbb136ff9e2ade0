import Foundation
import Logging
import PolybotApp
import PolybotCore
import PolybotPipeline
import PolybotStore
import PolybotTestSupport
import Polymarket
import PolymarketSim
import Synchronization
import Testing

/// `make soak` (not part of `make test`): the fault counts of issue 14, printed as `soak:` lines.
/// - 50 SIGTERMs of `serve` at random moments while the simulator replays → 50 exits with code 0, no cluster left.
/// - 10 `kill -9` during live-mode orders → no duplicate venue order, positions equal fills.
/// - a 95 s database outage and a 15 s silent stall during a replay → every whale trade of the file stored exactly once.
@Suite(
    "Soak", .serialized, .tags(.spawnsProcesses),
    .enabled(if: ProcessInfo.processInfo.environment["POLYBOT_SOAK"] != nil, "run by `make soak` (POLYBOT_SOAK=1)"))
struct SoakTests {
    let logger = Logger(label: "soak")

    /// The Nobel history when ../shared/data is present, otherwise a generated one.
    static func history() throws -> (trades: [Trade], name: String) {
        if SharedData.isAvailable {
            let rows = try ReplayCommand.readTrades(
                SharedData.path("nobel2025_trades.data-api.csv"), timeZone: TimeZone(identifier: "UTC")!)
            return (rows, "Nobel 2025 (\(rows.count) trades)")
        }
        return (generated(3_000), "generated (3000 trades)")
    }

    /// Publishes the history one trade every `every` until cancelled or exhausted.
    static func pace(_ exchange: SimExchange, every: Duration) -> Task<Void, Never> {
        Task {
            while !Task.isCancelled, await exchange.publishNext(1) > 0 {
                do { try await Task.sleep(for: every) } catch { return }
            }
        }
    }

    static func report(_ line: String) { print("soak: \(line)") }

    @Test func fiftySigtermsDuringAReplayAllExitZeroAndLeaveNoCluster() async throws {
        let (trades, name) = try Self.history()
        let data = "/tmp/polybot-soak-term-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: data) }
        let log = URL(fileURLWithPath: data + ".log")
        defer { try? FileManager.default.removeItem(at: log) }
        let exchange = SimExchange(trades: trades)
        let (exits, killed, leftRunning) = try await withSimulator(exchange) { base, ws in
            var draws = SeededDraws(seed: 14)
            var exits: [Int32: Int] = [:]
            var killed = 0
            var leftRunning = 0
            let replay = Self.pace(exchange, every: .milliseconds(50))
            defer { replay.cancel() }
            let env = DaemonProcess.environment(
                base: base, ws: ws, extra: ["POLYBOT_DATA_DIR": data, "POLYBOT_WHALE_MIN_NOTIONAL": "1000"])
            for _ in 0..<50 {
                let daemon = try DaemonProcess.start(["serve", "--migrate"], env: env, log: log)
                try await Task.sleep(for: .milliseconds(draws.next(4_000)))  // a random moment of its life
                daemon.signal(SIGTERM)
                switch await daemon.exit() {
                case .some((.exit, let status)): exits[status, default: 0] += 1
                default: killed += 1
                }
                if EmbeddedPostgres.runningPort(dataDirectory: data + "/pg") != nil { leftRunning += 1 }
            }
            return (exits, killed, leftRunning)
        }
        Self.report(
            "SIGTERM ×50 during a replay of \(name): exit codes \(exits.sorted { $0.key < $1.key }), "
                + "killed by a signal or hung \(killed), PostgreSQL left running \(leftRunning)")
        #expect(exits[0] == 50 && killed == 0 && leftRunning == 0)
    }

    @Test func tenKillNinesDuringLiveOrdersLeaveNoDuplicateAndPositionsEqualFills() async throws {
        let whales = (1...3).map { Fixtures.address(0xE0 + $0) }
        let key = try PrivateKey(hex: "0x" + DaemonProcess.testKeyHex)
        let exchange = SimExchange(
            trades: Scenario.consensus(signals: 10, wallets: whales, start: Int64(Date().timeIntervalSince1970) - 600))
        // Kept for reading after the run (.build/soak-kill.log).
        let log = DaemonProcess.root.appendingPathComponent(".build/soak-kill.log")
        try? FileManager.default.removeItem(at: log)
        try await withSimulator(exchange) { base, ws in
            try await withNamedTestDatabase { url, store, _ in
                try await DaemonProcess.createBasket("soak", whales: whales, in: store)
                let live = try await simulatorLiveTrading(base: base, key: key, logger: logger)
                let env = DaemonProcess.environment(
                    base: base, ws: ws,
                    extra: ["DATABASE_URL": url, "POLYBOT_OPERATOR_PASSWORD": "soak-operator-password"].merging(
                        DaemonProcess.liveMode(live)
                    ) { $1 })
                // Every POST waits 0.8 s before the venue processes it: kills land before, during and after.
                var f = SimFaults()
                f.orderDelayMilliseconds = 800
                await exchange.setFaults(f)
                var draws = SeededDraws(seed: 9)
                for round in 0..<10 {
                    let daemon = try DaemonProcess.start(env: env, log: log)
                    #expect(
                        await eventually(timeout: .processWait) { await exchange.rtdsSubscribers > 0 },
                        "\(daemon.output())")
                    // A kill mid-POST leaves an order reconciliation cannot resolve, so the daemon restarts
                    // reduce-only; as an operator would after reading the report, resume (the resume re-checks).
                    if round > 0 {
                        #expect(
                            try await eventually(timeout: .processWait) {
                                try await daemon.resumeTrading(password: "soak-operator-password") == 200
                            }, "\(daemon.output())")
                    }
                    await exchange.publishNext(3)  // one consensus → one entry order
                    #expect(
                        try await eventually(timeout: .processWait) {
                            try await store.orders.orders(keyPrefix: "entry:").count >= round + 1
                        })
                    try await Task.sleep(for: .milliseconds(draws.next(1_500)))  // a random moment of the order's life
                    daemon.signal(SIGKILL)
                    _ = await daemon.exit()
                }
                // A last start with a healthy venue: reconciliation settles whatever the kills left, then SIGTERM.
                await exchange.setFaults(SimFaults())
                let last = try DaemonProcess.start(env: env, log: log)
                let settled = try await eventually(timeout: .seconds(120)) {
                    try await store.orders.orders(keyPrefix: "").allSatisfy {
                        ![.intent, .submitting].contains($0.status)
                    }
                }
                last.signal(SIGTERM)
                let ended = await last.exit()
                let ours = try await store.orders.orders(keyPrefix: "")
                let venue = await exchange.allOrders
                let digests = Set(ours.compactMap(\.orderDigest))
                let strangers = venue.filter { !digests.contains($0.id) }.count
                var perOrder: [String: Int] = [:]
                for v in venue { perOrder[v.id, default: 0] += 1 }
                let duplicates = strangers + perOrder.values.filter { $0 > 1 }.count
                var mismatched = 0
                for p in try await store.positions.openPositions(mode: .live) {
                    let fills = ours.filter { $0.asset == p.asset }.reduce(Micros.zero) {
                        $1.side == .buy ? $0 + $1.filledSize : $0 - $1.filledSize
                    }
                    if fills != p.size { mismatched += 1 }
                }
                Self.report(
                    "kill -9 ×10 during live orders: our orders \(ours.count), venue orders \(venue.count), "
                        + "duplicates \(duplicates), positions ≠ fills \(mismatched), settled \(settled), "
                        + "final exit \(ended.map { "\($0.reason == .exit ? "code" : "signal") \($0.status)" } ?? "hung")"
                )
                #expect(settled && duplicates == 0 && mismatched == 0 && ended?.status == 0)
            }
        }
    }

    @Test func aDatabaseOutageAndASilentStallDuringAReplayLoseNoWhaleTrade() async throws {
        let (trades, name) = try Self.history()
        let rules = WhaleRules(minNotional: Micros(1_000_000_000))
        let expected = Set(trades.filter { rules.evaluate($0).passes }.map(\.key))
        try await DatabaseOutageTests().withPrivateCluster { url, stopDatabase, restartDatabase in
            let exchange = SimExchange(trades: trades)
            let extra = [
                "POLYBOT_WHALE_MIN_NOTIONAL": "1000", "POLYBOT_FEED_STALL_SECONDS": "30",
                // A replay compresses market time: the sweep looks back a day of it, every 5 s.
                "POLYBOT_FEED_SWEEP_SECONDS": "5", "POLYBOT_FEED_SWEEP_WINDOW_SECONDS": "86400",
            ]
            try await withDaemon(exchange: exchange, extra: extra, databaseURL: url) { d in
                #expect(await eventually(timeout: .processWait) { await exchange.rtdsSubscribers > 0 })
                let started = ContinuousClock.now
                let replay = Self.pace(exchange, every: .milliseconds(trades.count > 2_000 ? 60 : 120))
                defer { replay.cancel() }
                try await Task.sleep(for: .seconds(20))
                try stopDatabase()
                try await Task.sleep(for: .seconds(95))
                try restartDatabase()
                try await Task.sleep(for: .seconds(10))
                var f = SimFaults()
                f.stallSeconds = 15
                await exchange.setFaults(f)
                _ = await replay.value
                let complete = try await eventually(timeout: .seconds(300)) {
                    try await d.store.trades.count() >= expected.count
                }
                let stored = try await d.store.trades.recent(limit: 100_000).map(\.trade.key)
                let storedSet = Set(stored)
                let missing = expected.subtracting(storedSet).count
                let extra = storedSet.subtracting(expected).count
                Self.report(
                    "95 s outage + 15 s stall during a replay of \(name): whale trades in the file \(expected.count), "
                        + "stored \(stored.count) (distinct \(storedSet.count)), missing \(missing), unexpected \(extra), "
                        + "complete \(complete) after \(ContinuousClock.now - started)")
                #expect(missing == 0 && stored.count == storedSet.count && extra == 0)
            }
        }
    }
}
