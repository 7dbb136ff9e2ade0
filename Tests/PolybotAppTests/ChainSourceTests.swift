import Foundation
import Logging
import NIOHTTP1
import PolybotApp
import PolybotCore
import PolybotStore
import PolybotTestSupport
import Polymarket
import PolymarketSim
import Synchronization
import Testing

/// Issue 30's acceptance on the daemon: whale trades from the simulator's chain with RTDS `activity` silent, through
/// reorgs and dropped sockets, one row per trade with the sources that saw it, and the feeds watching each other.
@Suite("Trades from the chain", .serialized, .tags(.spawnsProcesses))
struct ChainSourceTests {
    /// The settings of a daemon reading trades from the simulator's chain (and the Data API).
    func chain(confirmations: Int, _ more: [String: String] = [:]) -> [String: String] {
        var env = [
            "POLYBOT_FEED_SOURCES": "chain,data-api", "POLYBOT_POLYGON_RPC_URL": "$SIM/rpc",
            "POLYBOT_POLYGON_WS_URL": "$WS/rpc", "POLYBOT_CHAIN_CONFIRMATIONS": "\(confirmations)",
        ]
        for (k, v) in more { env[k] = v }
        return env
    }

    /// The keys of the trades the whale filter passes at $100 (exact size × price, as the filter judges it).
    func whaleKeys(_ trades: [Trade]) -> Set<TradeKey> {
        let rules = WhaleRules(minNotional: Micros(100_000_000))
        return Set(trades.filter { rules.evaluate($0).passes }.map(\.key))
    }

    /// The overview's feed section.
    func feed(_ d: Daemon) async throws -> [String: Any] {
        try #require(try await d.json(.GET, "/api/v1/overview", token: Daemon.readOnly)["feed"] as? [String: Any])
    }

    /// The daemon's chain source has started (it knows its first block) and subscribed: what is published from now
    /// on is after its start.
    func chainStarted(_ d: Daemon, _ exchange: SimExchange) async throws -> Bool {
        try await eventually(timeout: .processWait) {
            guard await exchange.rpcSubscribers > 0 else { return false }
            let feed = try await d.json(.GET, "/api/v1/overview", token: Daemon.readOnly)["feed"] as? [String: Any]
            return feed?["chain"] is [String: Any]
        }
    }

    func nobel() throws -> [Trade] {
        try recordedTrades("nobel2025_trades.data-api.csv")
    }

    /// Every whale trade of the Nobel day ($100 and up), stored exactly once from the chain alone: RTDS says nothing.
    @Test(.enabled(if: SharedData.runs, Comment(rawValue: SharedData.skipReason)))
    func theNobelDayFromTheChainStoresEveryWhaleTradeOnce() async throws {
        let exchange = SimExchange(trades: try nobel())
        var f = SimFaults()
        f.rtdsActivityOff = true
        await exchange.setFaults(f)
        let expected = whaleKeys(exchange.history)
        let env = chain(confirmations: 2, ["POLYBOT_WHALE_MIN_NOTIONAL": "100", "POLYBOT_FEED_SWEEP_SECONDS": "1"])
        try await withDaemon(exchange: exchange, extra: env) { d in
            #expect(try await chainStarted(d, exchange))
            while await exchange.publishNext(100) > 0 {}
            await exchange.mine(blocks: 2)
            #expect(try await eventually(reaching: expected.count) { try await d.store.trades.count() })
            let stored = try await d.store.trades.all(limit: 100_000)
            let exact = Set(stored.map(\.key)) == expected && stored.count == expected.count
            #expect(exact, "\(stored.count) rows for \(expected.count) whale trades")
            var fromChain = 0
            for t in stored where try await d.store.trades.sources(t.key)?.contains(.chain) == true { fromChain += 1 }
            #expect(fromChain == expected.count, "every row was seen by the chain")
            #expect(await exchange.rtdsFramesSent == 0)
            let feed = try #require(
                try await d.json(.GET, "/api/v1/overview", token: Daemon.readOnly)["feed"] as? [String: Any])
            let chain = try #require(feed["chain"] as? [String: Any], "\(feed)")
            #expect((chain["block"] as? Int ?? 0) > 65_000_000)
            let sources = (feed["sources"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(sources.contains("chain") && sources.contains("data_api"), "\(feed)")
        }
        print("nobel via the chain: \(expected.count) whale trades stored once")
    }

    /// The same whales agreeing: RTDS and the chain give the same stored trades and the same signals.
    @Test func signalsFromTheChainAreTheSignalsFromRTDS() async throws {
        let whales = (1...3).map { Fixtures.address(0x3C0 + $0) }
        let start = Int64(Date().timeIntervalSince1970) - 600
        func run(_ env: [String: String], rtdsOff: Bool) async throws -> (trades: Set<TradeKey>, signals: [String]) {
            let exchange = SimExchange(trades: Scenario.consensus(signals: 3, wallets: whales, start: start))
            var f = SimFaults()
            f.rtdsActivityOff = rtdsOff
            await exchange.setFaults(f)
            return try await withDaemon(exchange: exchange, extra: env) { d in
                let token = try await d.login()
                let b = try await d.json(.POST, "/api/v1/baskets", token: token, body: #"{"name":"trio"}"#)
                let basket = try #require(b["id"] as? Int)
                for w in whales {
                    _ = try await d.json(.PUT, "/api/v1/baskets/\(basket)/members/\(w.hex)", token: token)
                }
                if rtdsOff {
                    #expect(try await chainStarted(d, exchange))
                } else {
                    #expect(await eventually(timeout: .processWait) { await exchange.rtdsSubscribers > 0 })
                }
                await exchange.publishNext(9)
                await exchange.mine(blocks: 3)
                #expect(try await eventually(timeout: .processWait) { try await d.store.trades.count() == 9 })
                #expect(
                    try await eventually(timeout: .processWait) {
                        try await d.store.signals.recent(limit: 10).count == 3
                    })
                let signals = try await d.store.signals.recent(limit: 10).map(\.key).sorted()
                return (Set(try await d.store.trades.all(limit: 100).map(\.key)), signals)
            }
        }
        let rtds = try await run(["POLYBOT_FEED_SOURCES": "rtds,data-api"], rtdsOff: false)
        let chain = try await run(chain(confirmations: 1), rtdsOff: true)
        #expect(rtds.trades == chain.trades)
        #expect(rtds.signals == chain.signals && chain.signals.count == 3)
    }

    /// `reorg=3:40` with no confirmations: the orphaned whale trades of replaced blocks are stored, then taken back;
    /// the trades re-included in the new blocks stay, once each.
    @Test(.enabled(if: SharedData.runs, Comment(rawValue: SharedData.skipReason)))
    func aReorgLeavesNoTradeOfAReplacedBlockAndLosesNone() async throws {
        let exchange = SimExchange(trades: Array(try nobel().prefix(600)))
        var f = SimFaults()
        f.rtdsActivityOff = true
        try f.apply(spec: "reorg=3:40")
        await exchange.setFaults(f)
        let expected = whaleKeys(exchange.history)
        let env = chain(confirmations: 0, ["POLYBOT_WHALE_MIN_NOTIONAL": "100", "POLYBOT_FEED_SWEEP_SECONDS": "0"])
        try await withDaemon(exchange: exchange, extra: env) { d in
            #expect(try await chainStarted(d, exchange))
            var orphansStored = 0
            var planted = 0
            while await exchange.publishNext(100) > 0 {
                // An orphan planted in this batch's head block is final at once: wait until it is stored, so the next
                // batch's reorg has something to take back.
                let orphans = await exchange.orphanedTransactions
                defer { planted = orphans.count }
                if orphans.count > planted, let orphan = orphans.last {
                    let stored = try await eventually(timeout: .processWait) {
                        try await d.store.trades.all(limit: 100_000).contains { $0.transactionHash == orphan }
                    }
                    if stored { orphansStored += 1 }
                }
            }
            await exchange.mine(blocks: 5)
            let orphans = Set(await exchange.orphanedTransactions)
            #expect(orphansStored > 0 && orphansStored == orphans.count, "every orphan was stored, then retracted")
            #expect(
                try await eventually(timeout: .processWait) {
                    let rows = try await d.store.trades.all(limit: 100_000)
                    return Set(rows.map(\.key)) == expected && rows.count == expected.count
                })
            let rows = try await d.store.trades.all(limit: 100_000)
            #expect(!rows.contains { orphans.contains($0.transactionHash) }, "an orphaned trade remains")
        }
    }

    /// `rpc-drop` every second while the day is published: nothing lost, nothing doubled.
    @Test(.enabled(if: SharedData.runs, Comment(rawValue: SharedData.skipReason)))
    func droppedRPCSocketsLoseNothingAndDoubleNothing() async throws {
        let exchange = SimExchange(trades: Array(try nobel().prefix(600)))
        var f = SimFaults()
        f.rtdsActivityOff = true
        f.rpcDropSeconds = 1
        await exchange.setFaults(f)
        let expected = whaleKeys(exchange.history)
        let env = chain(confirmations: 1, ["POLYBOT_WHALE_MIN_NOTIONAL": "100", "POLYBOT_FEED_SWEEP_SECONDS": "0"])
        try await withDaemon(exchange: exchange, extra: env) { d in
            #expect(try await chainStarted(d, exchange))
            var batches = 0
            while await exchange.publishNext(50) > 0 {
                batches += 1
                // Every third batch waits for the socket to be dropped and opened again.
                if batches % 3 == 0 {
                    _ = await eventually { await exchange.rpcSubscribers == 0 }
                    _ = await eventually(timeout: .processWait) { await exchange.rpcSubscribers > 0 }
                }
            }
            await exchange.mine(blocks: 2)
            #expect(try await eventually(timeout: .processWait) { try await d.store.trades.count() == expected.count })
            let rows = try await d.store.trades.all(limit: 100_000)
            let exact = Set(rows.map(\.key)) == expected && rows.count == expected.count
            #expect(exact, "\(rows.count) rows for \(expected.count) whale trades")
        }
    }

    /// `data-api-lag` hides new trades from the Data API longer than the grace: the alarm fires, then clears once the
    /// Data API shows them; the rows record both sources.
    @Test func theDivergenceAlarmFiresWhileTheDataAPILagsAndClearsAfter() async throws {
        let whales = (1...3).map { Fixtures.address(0x3D0 + $0) }
        let exchange = SimExchange(
            trades: Scenario.consensus(signals: 1, wallets: whales, start: Int64(Date().timeIntervalSince1970) - 600))
        var f = SimFaults()
        f.rtdsActivityOff = true
        // The lag far above the grace: the alarm is on from ~2 s to ~15 s after the trades, whatever the machine's load.
        f.dataAPILagSeconds = 15
        await exchange.setFaults(f)
        let env = chain(
            confirmations: 0, ["POLYBOT_FEED_SWEEP_SECONDS": "1", "POLYBOT_FEED_DIVERGENCE_GRACE_SECONDS": "2"])
        try await withDaemon(exchange: exchange, extra: env) { d in
            #expect(try await chainStarted(d, exchange))
            await exchange.publishNext(3)
            #expect(try await eventually { try await d.store.trades.count() == 3 })
            // Past the grace, the Data API still shows nothing: the alarm is on, naming the source and the count.
            #expect(
                try await eventually {
                    let f = try await feed(d)
                    let rows = f["sources"] as? [[String: Any]] ?? []
                    return f["divergence"] as? Bool == true
                        && rows.contains { $0["name"] as? String == "data_api" && $0["missing"] as? Int == 3 }
                })
            // The Data API says so itself: /v2/status puts it 15 s behind, past the 2 s grace.
            #expect(
                try await eventually {
                    let f = try await feed(d)
                    return f["dataApiStale"] as? Bool == true && f["dataApiStaleSeconds"] as? Int == 15
                })
            // The lag passes, the sweep sees them: the alarm clears, and each row names both sources.
            #expect(try await eventually { try await feed(d)["divergence"] as? Bool == false })
            for t in try await d.store.trades.all(limit: 10) {
                let sources = try await d.store.trades.sources(t.key) ?? []
                #expect(Set(sources) == [.chain, .dataAPI], "\(sources)")
            }
        }
    }

    /// RTDS configured but silent from the start (the venue no longer serves `activity`): its subscription covers
    /// every trade from the moment it opened, so the whale trades the chain delivers are seen missing from it — the
    /// divergence alarm names RTDS, not only the stall watchdog.
    @Test func aSilentRTDSIsSeenMissingTradesFromItsFirstSubscription() async throws {
        let whales = (1...3).map { Fixtures.address(0x3E0 + $0) }
        // Trades timed just after the daemon starts (a silent topic misses only what happens while subscribed).
        let exchange = SimExchange(
            trades: Scenario.consensus(signals: 1, wallets: whales, start: Int64(Date().timeIntervalSince1970) + 20))
        var f = SimFaults()
        f.rtdsActivityOff = true
        await exchange.setFaults(f)
        let env = chain(
            confirmations: 0,
            [
                "POLYBOT_FEED_SOURCES": "chain,rtds,data-api", "POLYBOT_FEED_DIVERGENCE_GRACE_SECONDS": "2",
                "POLYBOT_FEED_SWEEP_SECONDS": "1",
            ])
        try await withDaemon(exchange: exchange, extra: env) { (d: Daemon) async throws in
            #expect(try await chainStarted(d, exchange))
            await exchange.publishNext(3)
            #expect(try await eventually { try await d.store.trades.count() == 3 })
            #expect(
                try await eventually(timeout: .seconds(60)) {
                    let f = try await feed(d)
                    let rows = f["sources"] as? [[String: Any]] ?? []
                    return f["divergence"] as? Bool == true
                        && rows.contains { $0["name"] as? String == "rtds" && ($0["missing"] as? Int ?? 0) >= 1 }
                })
            #expect(await exchange.rtdsFramesSent == 0)
        }
    }

    /// `polybot backfill --chain`: a block range's whale trades, resumable per block; a row another source stored gains
    /// the chain as a source.
    @Test func aChainBackfillStoresTheRangesWhaleTradesAndResumes() async throws {
        let trades = generated(300).enumerated().map { i, t in
            var t = t
            t.timestamp = 1_760_000_000 + Int64(i)
            return t
        }
        let exchange = SimExchange(trades: trades)
        let whales = whaleKeys(exchange.history)
        try await withSimulator(exchange) { base, _ in
            await exchange.publishNext(300)
            let head = await exchange.chainHead
            let transport = HTTPTransport(logger: Logger(label: "test.backfill"))
            defer { Task { try? await transport.shutdown() } }
            let reader = ChainRangeReader(
                rpc: PolygonRPC(url: base + "/rpc", transport: transport),
                tokens: GammaTokenDirectory(gamma: GammaClient(baseURL: base + "/gamma", transport: transport)))
            try await withTestDatabase { store, _ in
                // One whale trade is already stored from the Data API.
                let first = try #require(exchange.history.first { whales.contains($0.key) })
                var fromData = first
                fromData.source = .dataAPI
                _ = try await store.trades.insert(fromData)
                let lines = Mutex<[String]>([])
                // The first half of the range, then the whole: the second run resumes after the first's last block.
                // Small batches (closed by one whale-sized row or by three windows): several stores, each overlapping
                // the next windows' reads, each checkpoint saved right after its rows.
                let half = try await ChainBackfillCommand.backfill(
                    store: store, reader: reader, from: 65_000_000, to: 65_000_150, confirmations: 0,
                    minNotional: Micros(100_000_000), window: 20, batches: .init(rows: 1, windows: 3)
                ) { line in lines.withLock { $0.append(line) } }
                #expect(half.resumedAt == nil && half.to == 65_000_150 && half.windows > 4)
                #expect(half.batches > 1 && half.batches <= half.windows, "\(half)")
                let rest = try await ChainBackfillCommand.backfill(
                    store: store, reader: reader, from: 65_000_000, to: nil, confirmations: 2,
                    minNotional: Micros(100_000_000), window: 20
                ) { line in lines.withLock { $0.append(line) } }
                #expect(rest.resumedAt == 65_000_151 && rest.to == head - 2)
                #expect(half.trades + rest.trades <= 300 && half.whaleTrades + rest.whaleTrades <= whales.count)
                // Everything up to the confirmed head is stored, once; the first row names both sources.
                let confirmed = Set(
                    exchange.history.filter {
                        whales.contains($0.key) && $0.timestamp < 1_760_000_000 + 2 * (head - 2 - 65_000_000)
                    }.map(\.key))
                let rows = try await store.trades.all(limit: 1_000)
                #expect(Set(rows.map(\.key)).isSuperset(of: confirmed) && rows.count == Set(rows.map(\.key)).count)
                #expect(try await store.trades.sources(first.key) == [.dataAPI, .chain])
                #expect(lines.withLock { $0.contains { $0.hasPrefix("block ") } }, "progress is printed")
                // The same range again: nothing left to read.
                let again = try await ChainBackfillCommand.backfill(
                    store: store, reader: reader, from: 65_000_000, to: head - 2, confirmations: 2,
                    minNotional: Micros(100_000_000), window: 20
                ) { _ in }
                #expect(again.windows == 0 && again.stored == 0)
                // A node that refuses large answers: windows are halved (the read-ahead window too) and every fill of
                // the range is still read, in order, once.
                var f = SimFaults()
                f.getLogsLimit = 5
                await exchange.setFaults(f)
                let halved = try await ChainBackfillCommand.backfill(
                    store: store, reader: reader, from: 65_000_001, to: 65_000_080, confirmations: 0,
                    minNotional: Micros(100_000_000), window: 20
                ) { _ in }
                let inRange = exchange.history.filter { $0.timestamp >= 1_760_000_002 && $0.timestamp < 1_760_000_162 }
                #expect(halved.refusals > 0 && halved.stored == 0)
                #expect(halved.trades == inRange.count, "\(halved)")
            }
        }
    }
}
