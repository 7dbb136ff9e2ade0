import Foundation
import Logging
import PolybotCore
import PolybotPipeline
import PolybotStore
import PolybotTestSupport
import Polymarket
import PolymarketSim
import Synchronization
import Testing

/// Issue 30: a whale trade the chain takes back after a signal used it. The trade leaves the books and the consensus
/// windows; the signal is reported to the operator (alert and audit), never silently kept.
@Suite("Chain retraction", .tags(.spawnsProcesses))
struct ChainRetractionTests {
    let whales = (1...3).map { Fixtures.address(0x3E0 + $0) }

    @Test func aRetractedTradeBehindASignalIsReportedAndLeavesTheBooks() async throws {
        let start = Int64(Date().timeIntervalSince1970) - 300
        let exchange = SimExchange(trades: Scenario.consensus(signals: 1, wallets: whales, start: start))
        try await withSimulator(exchange) { base, ws in
            try await withTestDatabase { store, _ in
                let b = try await store.baskets.create(Basket(name: "trio"))
                for w in whales {
                    try await store.whales.upsert(Whale(address: w))
                    try await store.baskets.upsertMember(basketId: b.id, BasketMember(wallet: w))
                }
                let settings = chainPipelineSettings(base: base, ws: ws)
                try await withPipeline(settings: settings, store: store, base: base) { p in
                    let alerts = Mutex<[Alert]>([])
                    let events = p.events.subscribe(buffer: 1_000)
                    let watcher = Task {
                        for await e in events {
                            if let a = Alert.from(e, now: 0) { alerts.withLock { $0.append(a) } }
                        }
                    }
                    defer { watcher.cancel() }
                    #expect(await eventually { await p.listener.sourceHealth().1 != nil })
                    #expect(await eventually { await exchange.rpcSubscribers > 0 })
                    await exchange.publishNext(3)
                    #expect(try await eventually { try await store.signals.recent(limit: 5).count == 1 })
                    let signal = try #require(try await store.signals.recent(limit: 5).first)
                    // The third whale's trade is dropped by a reorg.
                    let dropped = exchange.history[2]
                    #expect(await exchange.reorgDropping(transaction: dropped.transactionHash))
                    await exchange.mine(blocks: 1)
                    #expect(try await eventually { try await store.trades.count() == 2 })
                    #expect(try await store.trades.sources(dropped.key) == nil)
                    #expect(
                        try await eventually {
                            try await store.audit.recent(limit: 20).contains {
                                $0.action == "trade.retracted" && $0.details.contains("\(signal.id)")
                            }
                        })
                    #expect(
                        await eventually {
                            alerts.withLock {
                                $0.contains { $0.kind == .tradeRetracted && $0.text.contains("#\(signal.id)") }
                            }
                        })
                }
            }
        }
    }

    /// A reorg deeper than the blocks the source remembers cannot be undone from memory: the operator is told.
    @Test func aReorgDeeperThanTheMemoryRaisesAnAlarm() async throws {
        let start = Int64(Date().timeIntervalSince1970) - 300
        let exchange = SimExchange(trades: Scenario.consensus(signals: 1, wallets: whales, start: start))
        try await withSimulator(exchange) { base, ws in
            try await withTestDatabase { store, _ in
                let settings = chainPipelineSettings(base: base, ws: ws)
                try await withPipeline(settings: settings, store: store, base: base) { (p: Pipeline) async throws in
                    let feedTexts = Mutex<[String]>([])
                    let events = p.events.subscribe(buffer: 1_000)
                    let watcher = Task {
                        for await e in events { if case .feed(let text) = e { feedTexts.withLock { $0.append(text) } } }
                    }
                    defer { watcher.cancel() }
                    #expect(await eventually { await p.listener.sourceHealth().1 != nil })
                    #expect(await eventually { await exchange.rpcSubscribers > 0 })
                    await exchange.publishNext(3)
                    #expect(try await eventually { try await store.trades.count() == 3 })
                    // 300 blocks in three steps, each read (its last block remembered), then the first trade dropped:
                    // every remembered block is replaced.
                    for _ in 0..<3 {
                        await exchange.mine(blocks: 100)
                        let head = await exchange.chainHead
                        #expect(await eventually { (await p.listener.sourceHealth().1?.block ?? 0) >= head })
                    }
                    #expect(await exchange.reorgDropping(transaction: exchange.history[0].transactionHash))
                    await exchange.mine(blocks: 1)
                    #expect(
                        await eventually {
                            feedTexts.withLock { $0.contains { $0.contains("deeper than the") } }
                        })
                }
            }
        }
    }
}
