import Foundation
import Logging
import PolybotCore
import PolybotTestSupport
import Polymarket
import PolymarketSim
import Synchronization
import Testing

/// The simulator's Polygon chain (`/rpc` over HTTP and WebSocket) and the chain source that reads it: every trade as
/// one `OrderFilled` log, delivered once, through window refusals, reorgs, dropped sockets and a restart.
@Suite("Chain source against the simulator", .tags(.spawnsProcesses))
struct ChainSimulatorTests {
    func transport() -> HTTPTransport {
        HTTPTransport(
            retry: RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(20), maxDelay: .milliseconds(200)),
            timeout: .seconds(5), logger: Logger(label: "test.chain"))
    }

    /// `n` generated trades one second apart (two a block): the generator spreads its trades over a month, which
    /// would make every test a month-long catch-up.
    func dense(_ n: Int) -> [Trade] {
        generated(n).enumerated().map { i, t in
            var t = t
            t.timestamp = 1_760_000_000 + Int64(i)
            return t
        }
    }

    /// A chain source (confirmations, optionally the WebSocket) over `exchange` served by the simulator: `before` runs
    /// first (e.g. publishes a history to catch up), then the source starts and `body` runs once it has (and, with the
    /// socket, once it is subscribed); the source's events and counters are returned.
    func withChainFeed(
        _ exchange: SimExchange, confirmations: Int64, socket: Bool = true,
        checkpoints: MemoryCheckpoints = MemoryCheckpoints(),
        before: @Sendable () async -> Void = {}, _ body: @Sendable (ChainEvents, ChainFeedStats) async throws -> Void
    ) async throws -> (ChainEvents, ChainFeedStats) {
        let events = ChainEvents()
        let stats = ChainFeedStats()
        try await withSimulator(exchange) { base, ws in
            await before()
            let t = transport()
            defer { Task { try? await t.shutdown() } }
            let feed = simulatorChainFeed(
                base: base, ws: socket ? ws : nil, confirmations: confirmations, checkpoints: checkpoints,
                transport: t, stats: stats)
            try await following(feed, events) {
                #expect(
                    await eventually {
                        guard events.started else { return false }
                        guard socket else { return true }
                        // Subscribed once (a dropping fault may have closed that socket again since).
                        return await exchange.rpcSubscriptionsMade > 0
                    })
                try await body(events, stats)
            }
        }
        return (events, stats)
    }

    /// Runs a chain source until `body` returns, recording its events.
    func following<T: Sendable>(
        _ feed: ChainFeed, _ events: ChainEvents, _ body: @Sendable () async throws -> T
    ) async throws -> T {
        let task = Task { await feed.run { events.record($0) } }
        defer { task.cancel() }
        let value = try await body()
        task.cancel()
        await task.value
        return value
    }

    /// Publishes the whole history in batches (each publish mines its blocks), then mines `tail` empty blocks.
    func publishAll(_ exchange: SimExchange, batch: Int, tail: Int = 5, between: @Sendable () async -> Void = {}) async
    {
        while await exchange.publishNext(batch) > 0 { await between() }
        await exchange.mine(blocks: tail)
    }

    @Test func theSimulatorServesEachTradeAsAV2OrderFilledLog() async throws {
        let exchange = SimExchange(trades: dense(60))
        try await withSimulator(exchange) { base, _ in
            await exchange.publishNext(60)
            let t = transport()
            defer { Task { try? await t.shutdown() } }
            let rpc = PolygonRPC(url: base + "/rpc", transport: t)
            let head = try await rpc.blockNumber()
            let logs = try await rpc.logs(
                from: 0, to: head, addresses: ChainFeed.v2Exchanges, topic0: OrderFilled.topic0)
            #expect(logs.count == 60)
            #expect(logs.allSatisfy { $0.topics.count == 4 && $0.blockTimestamp != nil })
            let fills = try logs.map { try OrderFilled($0) }
            for (fill, trade) in zip(fills, exchange.history) {
                #expect(fill.transactionHash == trade.transactionHash && fill.maker == trade.wallet.hex)
                #expect(fill.tokenId == trade.asset && fill.side == trade.side)
                #expect(fill.shares == trade.size && fill.price == trade.price)
            }
            // Each taker's own record is followed by the match's OrdersMatched summary, served under its own topic.
            let summaries = try await rpc.logs(
                from: 0, to: head, addresses: ChainFeed.v2Exchanges, topic0: OrderFilled.ordersMatchedTopic0)
            let takers = fills.filter(\.isTakersOwnFill)
            #expect(!takers.isEmpty && summaries.count == takers.count)
            for (summary, taker) in zip(summaries, takers) {
                #expect(summary.transactionHash == taker.transactionHash && summary.topics.count == 3)
                #expect(summary.data == taker.ordersMatchedLog.data && summary.topics == taker.ordersMatchedLog.topics)
            }
            // A block header, and nothing above the head.
            let block = try #require(try await rpc.block(head))
            #expect(block.number == head && block.hash.utf8.count == 66)
            #expect(try await rpc.block(head + 1) == nil)
            // The size limit answers as nodes do.
            var f = SimFaults()
            f.getLogsLimit = 10
            await exchange.setFaults(f)
            await #expect(throws: ChainRPCError.self) {
                _ = try await rpc.logs(from: 0, to: head, addresses: [], topic0: OrderFilled.topic0)
            }
        }
    }

    @Test func everyTradeIsDeliveredOnceInBlockOrderAfterItsConfirmations() async throws {
        let exchange = SimExchange(trades: dense(400))
        let checkpoints = MemoryCheckpoints()
        let (events, stats) = try await withChainFeed(exchange, confirmations: 3, checkpoints: checkpoints) { e, _ in
            await publishAll(exchange, batch: 37, tail: 0)
            // Nothing past the last three blocks is final until the head moves.
            await exchange.mine(blocks: 3)
            #expect(await eventually(timeout: .processWait) { e.trades.count == 400 })
        }
        let inOrder = events.trades.map(\.key) == exchange.history.map(\.key)
        #expect(inOrder, "every trade once, in block order")
        #expect(events.trades.allSatisfy { $0.source == .chain && !$0.conditionId.isEmpty && !$0.slug.isEmpty })
        #expect(events.provisional > 0, "the subscription showed trades before they were final")
        #expect(await checkpoints.saved?.block == stats.snapshot.processed)
    }

    @Test func aRefusedRangeIsSplitAndNothingIsLost() async throws {
        let exchange = SimExchange(trades: dense(300))
        var f = SimFaults()
        f.getLogsLimit = 25
        await exchange.setFaults(f)
        // Published before the source starts: it catches up from a checkpoint at the genesis, in windows of 500
        // blocks, which the node refuses above 25 logs.
        let genesis = ChainCheckpoint(block: 65_000_000, hash: "0x" + String(repeating: "0", count: 64))
        let (events, stats) = try await withChainFeed(
            exchange, confirmations: 2, socket: false, checkpoints: MemoryCheckpoints(genesis),
            before: { await publishAll(exchange, batch: 300) }
        ) { e, _ in
            #expect(await eventually(timeout: .processWait) { e.trades.count == 300 })
        }
        let exact = events.standing == Dictionary(uniqueKeysWithValues: exchange.history.map { ($0.key, 1) })
        #expect(exact, "every trade once")
        #expect(stats.snapshot.refusals > 0)
    }

    @Test func aReorgRetractsTheOrphanedTradesAndKeepsTheReincludedOnes() async throws {
        let exchange = SimExchange(trades: dense(400))
        var f = SimFaults()
        (f.reorgDepth, f.reorgEvery) = (3, 4)
        await exchange.setFaults(f)
        // No confirmations: the orphans' blocks are final when seen, so the reorg must take trades back.
        let (events, stats) = try await withChainFeed(exchange, confirmations: 0) { e, stats in
            await publishAll(exchange, batch: 20) {
                // Each batch is read (orphans included) before the next one replaces its blocks.
                let head = await exchange.chainHead
                _ = await eventually { (stats.snapshot.processed ?? 0) >= head }
            }
            #expect(!(await exchange.orphanedTransactions).isEmpty)
            let history = Set(exchange.history.map(\.key))
            #expect(await eventually(timeout: .processWait) { Set(e.standing.keys) == history })
        }
        let orphans = Set(await exchange.orphanedTransactions)
        #expect(events.retracted.count > 0 && events.retracted.allSatisfy { orphans.contains($0.transactionHash) })
        #expect(events.standing.values.allSatisfy { $0 == 1 }, "no trade stands twice")
        #expect(stats.snapshot.reorgs > 0)
    }

    @Test func droppedSocketsLoseNothingAndDoubleNothing() async throws {
        let exchange = SimExchange(trades: dense(300))
        var f = SimFaults()
        f.rpcDropSeconds = 0.2
        await exchange.setFaults(f)
        let (events, stats) = try await withChainFeed(exchange, confirmations: 1) { e, stats in
            let batches = Mutex(0)
            await publishAll(exchange, batch: 10) {
                // Drops happen on the simulator's clock; every fifth batch waits for a reconnect.
                let opened = stats.snapshot.connections
                let n = batches.withLock { b in
                    b += 1
                    return b
                }
                if n % 5 == 0 { _ = await eventually { stats.snapshot.connections > opened } }
            }
            #expect(await eventually(timeout: .processWait) { e.trades.count == 300 })
        }
        let inOrder = events.trades.map(\.key) == exchange.history.map(\.key)
        #expect(inOrder, "every trade once, in block order")
        #expect(stats.snapshot.connections > 1, "the sockets were dropped and reopened")
    }

    @Test func aRestartResumesFromTheCheckpointWithoutALoss() async throws {
        let exchange = SimExchange(trades: dense(300))
        let first = ChainEvents()
        let second = ChainEvents()
        let checkpoints = MemoryCheckpoints()
        try await withSimulator(exchange) { base, _ in
            let t = transport()
            defer { Task { try? await t.shutdown() } }
            let feed = simulatorChainFeed(
                base: base, ws: nil, confirmations: 0, checkpoints: checkpoints, transport: t)
            try await following(feed, first) {
                #expect(await eventually { await checkpoints.saves > 0 })
                await exchange.publishNext(150)
                #expect(await eventually(timeout: .processWait) { first.trades.count == 150 })
            }
            // Stopped; more trades settle while it is down; a new process resumes from the checkpoint.
            await exchange.publishNext(150)
            await exchange.mine(blocks: 2)
            try await following(feed, second) {
                #expect(
                    await eventually {
                        Set(second.trades.map(\.key)).isSuperset(of: exchange.history.suffix(150).map(\.key))
                    })
            }
            let all = Set(first.trades.map(\.key)).union(second.trades.map(\.key))
            let exact = all == Set(exchange.history.map(\.key))
            #expect(exact, "nothing lost across the restart")
        }
    }

    @Test func rtdsActivityOffKeepsTheSocketAliveAndSilent() async throws {
        let exchange = SimExchange(trades: dense(30))
        var f = SimFaults()
        try f.apply(spec: "rtds-activity=off")
        await exchange.setFaults(f)
        try await withSimulator(exchange) { _, ws in
            let got = Mutex(0)
            let feed = RTDSFeed(configuration: .init(url: ws + "/ws"), logger: Logger(label: "test.rtds"))
            let task = Task { await feed.run { if case .trade = $0 { got.withLock { $0 += 1 } } } }
            defer { task.cancel() }
            #expect(await eventually { await exchange.rtdsSubscribers > 0 })
            await exchange.publishNext(30)
            #expect(await exchange.rtdsFramesSent == 0)
            #expect(got.withLock { $0 } == 0)
            #expect(await exchange.chainHead > 65_000_000, "the chain carries them instead")
        }
    }

    @Test func dataAPILagHidesNewTradesFromEveryTradesRoute() async throws {
        let exchange = SimExchange(trades: dense(40))
        var f = SimFaults()
        try f.apply(spec: "data-api-lag=3600")
        await exchange.setFaults(f)
        try await withSimulator(exchange) { base, _ in
            await exchange.publishNext(40)
            let t = transport()
            defer { Task { try? await t.shutdown() } }
            let data = DataAPIClient(baseURL: base + "/data-api", transport: t)
            let v1 = try await data.trades(.init(), limit: 100, offset: 0)
            let v2 = try await data.tradesSinceV2(minCash: .zero, since: 0)
            #expect(v1.isEmpty && v2.isEmpty)
            await exchange.setFaults(SimFaults())
            let shown = try await data.trades(.init(), limit: 100, offset: 0)
            #expect(shown.count == 40)
        }
    }

    @Test func faultSpecsParse() throws {
        var f = SimFaults()
        for spec in ["reorg=3:40", "rpc-drop=30", "rpc-getlogs-limit=1000", "data-api-lag=90", "rtds-activity=off"] {
            try f.apply(spec: spec)
        }
        #expect(f.reorgDepth == 3 && f.reorgEvery == 40 && f.rpcDropSeconds == 30 && f.getLogsLimit == 1000)
        #expect(f.dataAPILagSeconds == 90 && f.rtdsActivityOff)
        #expect(throws: SimFaultError.self) { try f.apply(spec: "reorg=40:3") }
        #expect(throws: SimFaultError.self) { try f.apply(spec: "rtds-activity=maybe") }
    }
}
