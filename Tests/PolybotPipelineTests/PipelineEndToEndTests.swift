import Foundation
import Logging
import PolybotCore
import PolybotPipeline
import PolybotStore
import PolybotTestSupport
import Polymarket
import PolymarketSim
import PostgresNIO
import Testing

/// The whole pipeline — RTDS frames from the simulator to orders on it — with a real database.
@Suite("Pipeline end to end", .serialized)
struct PipelineEndToEndTests {
    let whales = (1...3).map { Fixtures.address(0xA0 + $0) }
    let key = try! PrivateKey(hex: "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")

    private func basket(_ store: PolybotStore) async throws {
        let b = try await store.baskets.create(Basket(name: "trio"))
        for w in whales {
            try await store.whales.upsert(Whale(address: w))
            try await store.baskets.upsertMember(basketId: b.id, BasketMember(wallet: w))
        }
    }

    private func connected(_ p: Pipeline) async -> Bool { await p.listener.health().connections > 0 }

    /// Runs the pipeline against `exchange` served by the simulator, with the three whales as a basket, a fresh
    /// database and (in live mode) credentials derived over L1; `body` starts once the feed is subscribed.
    private func scenario(
        _ exchange: SimExchange, mode: RunMode = .paper, requestTimeout: Duration = .seconds(2),
        before: @escaping @Sendable (PolybotStore) async throws -> Void = { _ in },
        configure: @escaping @Sendable (inout PipelineSettings) -> Void = { _ in },
        _ body: @escaping @Sendable (PolybotStore, Pipeline) async throws -> Void
    ) async throws {
        try await withSimulator(exchange) { base, ws in
            try await withTestDatabase { store, _ in
                try await basket(store)
                try await before(store)
                var settings = testPipelineSettings(mode: mode, base: base, ws: ws)
                configure(&settings)
                let live =
                    mode == .live
                    ? try await simulatorLiveTrading(base: base, key: key, logger: Logger(label: "test")) : nil
                try await withPipeline(
                    settings: settings, store: store, base: base, live: live, requestTimeout: requestTimeout
                ) { p in
                    // Subscribed on both ends: the simulator only sends to sockets whose subscribe it has processed.
                    #expect(await eventually { await connected(p) })
                    #expect(await eventually { await exchange.rtdsSubscribers > 0 })
                    try await body(store, p)
                }
            }
        }
    }

    private func statuses(_ store: PolybotStore) async throws -> [String: Int] {
        var out: [String: Int] = [:]
        for s in try await store.signals.recent(limit: 1_000) { out[s.status, default: 0] += 1 }
        return out
    }

    @Test func paperFillsWalkTheBookAndRecordTheCopyDelayCost() async throws {
        let start = Int64(Date().timeIntervalSince1970) - 300
        let exchange = SimExchange(trades: Scenario.consensus(signals: 3, wallets: whales, start: start))
        try await scenario(exchange) { store, p in
            // Books before the whales trade: what a paper order must find after them.
            await exchange.publishNext(9)
            #expect(try await eventually { try await statuses(store)["filled"] == 3 })
            for i in 0..<3 {
                let order = try #require(
                    try await store.orders.list(statuses: nil, limit: 10, beforeId: nil)
                        .first { $0.asset == Scenario.token(i) })
                // The book after the last whale trade at 0.40: asks from 0.41 up. The limit is the whales' 0.40 + the
                // 5¢ slippage cap, and the $50 stake is sized at that limit (issue 27: a fill up to the limit never
                // spends more than the stake): $50 at 0.45 = 111.11 shares, all filled at the 0.41 level ($45.56).
                let book = try #require(await exchange.book(token: Scenario.token(i)))
                #expect(order.mode == .paper && order.status == .filled && order.price == Micros(450_000))
                #expect(order.filledSize == Micros(111_110_000) && order.averageFillPrice == Micros(410_000))
                #expect(order.filledCost <= Micros(50_000_000))
                #expect(book.asks.first?.price == Micros(410_000))
                let events = try await store.orders.events(orderId: order.id)
                let walk = try #require(events.first { $0.eventType == "PAPER_BOOK" })
                // Copy-delay cost: (0.41 − 0.40) × 111.11 = 1.1111 USDC.
                #expect(walk.payload.replacingOccurrences(of: " ", with: "").contains(#""copy_delay_cost":"1.1111""#))
                let position = try #require(
                    try await store.positions.openPosition(mode: .paper, asset: Scenario.token(i)))
                #expect(
                    position.size == order.filledSize && position.cost == order.filledCost
                        && position.entrySignalId == order.signalId)
            }
            // Every decision is on record.
            let decisions = try await store.db.client.query(
                "SELECT count(*)::bigint FROM risk_decisions WHERE approved")
            for try await n in decisions.decode(Int64.self) { #expect(n == 3) }
        }
    }

    @Test func twoHundredLiveSignalsUnderFaultsGiveNoDuplicate() async throws {
        let start = Int64(Date().timeIntervalSince1970) - 3_600
        let exchange = SimExchange(trades: Scenario.consensus(signals: 200, wallets: whales, start: start))
        try await scenario(
            exchange, mode: .live, requestTimeout: .milliseconds(800),
            configure: { $0.orderPollEvery = .milliseconds(200) }
        ) { store, p in
            var f = SimFaults()
            f.errorRate = 0.1
            f.rateLimitRate = 0.1
            f.retryAfterSeconds = 0.05
            await exchange.setFaults(f)
            await exchange.publishNext(600)
            let ended: @Sendable () async throws -> Bool = {
                let s = try await statuses(store)
                return s.values.reduce(0, +) == 200
                    && (s["filled"] ?? 0) + (s["rejected"] ?? 0) + (s["expired"] ?? 0) == 200
            }
            let done = try await eventually(timeout: .seconds(90), ended)
            let s = try await statuses(store)
            #expect(done, "signal statuses: \(s)")
            await exchange.setFaults(SimFaults())
            // Zero duplicates: one venue order per token at most, and every venue order is one of ours.
            let venue = await exchange.allOrders
            var perToken: [String: Int] = [:]
            for o in venue { perToken[o.tokenId, default: 0] += 1 }
            #expect(
                perToken.values.allSatisfy { $0 == 1 }, "venue orders per token: \(perToken.filter { $0.value > 1 })")
            let ours = try await store.orders.list(statuses: nil, limit: 1_000, beforeId: nil)
            #expect(Set(venue.map(\.id)).isSubset(of: Set(ours.compactMap(\.orderDigest))))
            // A rejected or expired signal says why.
            for sig in try await store.signals.recent(limit: 1_000) where sig.status != "filled" {
                #expect(!sig.reason.isEmpty, "signal \(sig.id) \(sig.status) without a reason")
            }
            // Positions equal the filled orders.
            for o in ours where o.filledSize > .zero {
                let pos = try await store.positions.openPosition(mode: .live, asset: o.asset)
                #expect(pos?.size == o.filledSize)
            }
        }
    }

    @Test func approveModeWaitsForTheOperator() async throws {
        let start = Int64(Date().timeIntervalSince1970) - 300
        let exchange = SimExchange(trades: Scenario.consensus(signals: 3, wallets: whales, start: start))
        try await scenario(exchange, mode: .approve, configure: { $0.approvalTimeToLive = .seconds(3) }) { store, p in
            await exchange.publishNext(9)
            #expect(try await eventually { try await store.execution.pendingApprovals().count == 3 })
            let queue = try await store.execution.pendingApprovals()
            // The operator's levers as the API reaches them: the port, one domain step per call.
            let control: any TradingControl = OperatorActions(p, store: store)
            let published = p.events.subscribe()
            // Nothing is filled or on a position before an operator decides.
            #expect(try await store.positions.openPositions(mode: .approve).isEmpty)
            let filled = try await control.approve(orderId: queue[0].id, actor: "op")
            #expect(filled.status == .filled && filled.filledSize > .zero)
            await #expect(throws: OperatorRefusal(ApprovalError.notPending(queue[0].id).description)) {
                _ = try await control.approve(orderId: queue[0].id, actor: "op")
            }
            let rejected = try await control.reject(orderId: queue[1].id, actor: "op", reason: "not this one")
            #expect(rejected.status == .rejected)
            #expect(try await store.orders.get(id: queue[1].id)?.status == .rejected)
            // Each step also set its signal's status and told the dashboard.
            let signals = try await store.signals.recent(limit: 10)
            #expect(signals.first { $0.id == filled.signalId }?.status == "filled")
            #expect(signals.first { $0.id == rejected.signalId }?.status == "rejected")
            var told: [Int64] = []
            for await event in published {
                if case .order(let o) = event { told.append(o.id) }
                if told.contains(filled.id) && told.contains(rejected.id) { break }
            }
            #expect(told.contains(filled.id) && told.contains(rejected.id))
            // The third one expires unanswered.
            #expect(
                try await eventually {
                    try await store.orders.get(id: queue[2].id)?.status == .expired
                })
            #expect(try await store.positions.openPositions(mode: .approve).count == 1)
            let audit = try await store.audit.recent(limit: 10).map(\.action)
            #expect(audit.contains("order.approve") && audit.contains("order.reject"))
        }
    }

    /// Issue 13, item 4: approving from the queue used to execute whatever was queued, halted or not, over any cap.
    @Test func approvingAQueuedOrderRunsTheRiskRulesAgain() async throws {
        let start = Int64(Date().timeIntervalSince1970) - 300
        let exchange = SimExchange(trades: Scenario.consensus(signals: 3, wallets: whales, start: start))
        try await scenario(exchange, mode: .approve) { store, p in
            await exchange.publishNext(9)
            #expect(try await eventually { try await store.execution.pendingApprovals().count == 3 })
            let queue = try await store.execution.pendingApprovals()
            let approvals = try #require(p.approvals)
            // Three $50 entries are reserved while they wait.
            #expect(
                await p.risk.snapshot().reserved
                    == Micros(queue.reduce(Int64(0)) { $0 + $1.size.multiplied(by: $1.price).raw }))
            // Halted: the approval is refused with the reason, nothing is filled, the order keeps waiting.
            try await p.risk.setTradingState(.halted, reason: "test", actor: "op")
            await #expect(throws: ApprovalError.denied(queue[0].id, .tradingHalted, [:])) {
                _ = try await approvals.approve(orderId: queue[0].id, actor: "op")
            }
            #expect(try await store.orders.get(id: queue[0].id)?.status == .pendingApproval)
            #expect(try await store.positions.openPositions(mode: .approve).isEmpty)
            // Resumed with an exposure cap that just fits the three reservations: the first approval goes through.
            try await p.risk.setTradingState(.active, reason: "test", actor: "op")
            var limits = await p.risk.snapshot().limits
            limits.maxExposure = await p.risk.snapshot().reserved
            await p.risk.update(limits: limits)
            guard case .placed(let filled) = try await approvals.approve(orderId: queue[0].id, actor: "op") else {
                Issue.record("approval did not execute")
                return
            }
            #expect(filled.filledSize > .zero)
            // A lower cap: the filled first order plus the third one's reservation leave no room for the second (counting
            // filled positions only, as before, it would have fitted).
            limits.maxExposure = Micros(120_000_000)
            await p.risk.update(limits: limits)
            #expect(await p.risk.snapshot().exposure + Micros(50_000_000) <= limits.maxExposure)
            do {
                _ = try await approvals.approve(orderId: queue[1].id, actor: "op")
                Issue.record("approved over the exposure cap")
            } catch ApprovalError.denied(let id, let reason, _) {
                #expect(id == queue[1].id && reason == .maxExposureExceeded)
            }
            #expect(try await store.orders.get(id: queue[1].id)?.status == .pendingApproval)
            // Rejecting frees its reservation: here nobody tells the risk manager (the API does), so the sweep must.
            try await approvals.reject(orderId: queue[2].id, actor: "op", reason: "no")
            let key = queue[2].idempotencyKey
            #expect(await eventually { await p.risk.snapshot().reservations[key] == nil })
            let denied = try await store.db.client.query(
                "SELECT count(*)::bigint FROM risk_decisions WHERE NOT approved AND reason = 'trading_halted'")
            for try await n in denied.decode(Int64.self) { #expect(n >= 1) }
        }
    }

    @Test func haltedTradingLetsNoEntryThrough() async throws {
        let start = Int64(Date().timeIntervalSince1970) - 300
        let exchange = SimExchange(trades: Scenario.consensus(signals: 2, wallets: whales, start: start))
        try await scenario(
            exchange,
            before: { db in try await db.execution.setTradingState(mode: .paper, .halted, reason: "test", actor: "op") }
        ) { store, p in
            await exchange.publishNext(6)
            #expect(try await eventually { try await statuses(store)["denied"] == 2 })
            #expect(try await store.orders.list(statuses: nil, limit: 10, beforeId: nil).isEmpty)
            let reasons = try await store.signals.recent(limit: 10).map(\.reason)
            #expect(reasons == ["trading_halted", "trading_halted"])
        }
    }

    @Test func aCopiedWhaleSellingIsMirroredOnce() async throws {
        let start = Int64(Date().timeIntervalSince1970) - 300
        var history = Scenario.consensus(signals: 1, wallets: whales, start: start)
        var sell = history[0]
        sell.transactionHash = Fixtures.hex32(777_777)
        sell.side = .sell
        sell.size = Micros(15_000_000_000)  // half of its 30,000 shares
        sell.timestamp = start + 60
        history.append(sell)
        let whaleSell = sell
        let exchange = SimExchange(trades: history)
        try await scenario(exchange) { store, p in
            await exchange.publishNext(3)
            #expect(try await eventually { try await statuses(store)["filled"] == 1 })
            let entry = try #require(try await store.orders.list(statuses: nil, limit: 5, beforeId: nil).first)
            await exchange.publishNext(1)
            // One of three whales sold half: we sell a sixth of the entry, into the bids.
            let exitOrder = try await eventually { [store] in
                let orders = try await store.orders.list(statuses: nil, limit: 5, beforeId: nil)
                return orders.contains { o in o.purpose == .exit && o.status == .filled }
            }
            #expect(exitOrder)
            let exit = try #require(
                try await store.orders.list(statuses: nil, limit: 5, beforeId: nil).first { $0.purpose == .exit })
            #expect(exit.side == .sell && exit.size == Micros((entry.filledSize.raw / 6 / 10_000) * 10_000))
            // The position books the exit's trades right after the order is marked filled: wait for it.
            let (asset, remaining) = (entry.asset, entry.filledSize - exit.filledSize)
            #expect(
                try await eventually {
                    try await store.positions.openPosition(mode: .paper, asset: asset)?.size == remaining
                })
            let position = try #require(try await store.positions.openPosition(mode: .paper, asset: entry.asset))
            #expect(position.size == entry.filledSize - exit.filledSize && position.realizedPnl != .zero)
            // The same trade delivered again (a backfill) does not sell twice.
            // The listener refuses it as already seen, so it never reaches the exit logic; the store agrees.
            #expect(await p.listener.accept(whaleSell) == false)
            #expect(
                try await store.orders.list(statuses: nil, limit: 5, beforeId: nil).filter { $0.purpose == .exit }.count
                    == 1)
        }
    }

    /// Settlement at resolution, fee-free and on a fee market (issue 27): realised PnL = payout − cost − fees, every
    /// figure the sum of the order's trade rows (position, order and day).
    @Test(arguments: [false, true])
    func aResolvedMarketSettlesThePositionAndTheDay(feeMarket: Bool) async throws {
        let start = Int64(Date().timeIntervalSince1970) - 300
        let history = Scenario.consensus(signals: 1, wallets: whales, start: start)
        // The market has resolved for the first token (the venue still shows its book, as a closed market's does).
        let resolution = HistoryCatalog.Resolution(
            conditionId: Scenario.market(0), question: "q", eventSlug: "scenario-event-0",
            yesToken: Scenario.token(0), noToken: "99", winningIndex: 0)
        let politics = try #require(FeeSchedule(rate: Micros(40_000), exponent: 1))
        let plan: FeePlan = feeMarket ? .uniform(politics, type: "politics") : .none
        let exchange = SimExchange(trades: history, resolutions: [resolution], fees: { plan.fees(for: $0) })
        try await scenario(exchange) { store, p in
            await exchange.publishNext(3)
            let settled = try await eventually {
                try await store.positions.list(mode: .paper, statuses: [.settled], limit: 5).count == 1
            }
            #expect(settled)
            let position = try #require(try await store.positions.list(mode: .paper, statuses: nil, limit: 5).first)
            let entry = try #require(try await store.orders.list(statuses: nil, limit: 5, beforeId: nil).first)
            let trades = try await store.orders.trades(orderId: entry.id)
            #expect(!trades.isEmpty && trades.allSatisfy { $0.isComplete })
            let fee = Micros.sum(trades.compactMap(\.fee))
            #expect((fee > .zero) == feeMarket && entry.fee == fee && position.fees == fee)
            // Won: each share pays 1 pUSD; the taker fee paid on entry is part of what it cost.
            #expect(position.realizedPnl == entry.filledSize - entry.filledCost - fee && position.size == .zero)
            let today = utcDay(Int64(Date().timeIntervalSince1970))
            let day = try #require(try await store.dailyPnl.range(mode: .paper, from: today, to: today).first)
            #expect(day.realizedPnl == position.realizedPnl && day.fees == fee)
            #expect(await p.risk.snapshot().exposure == .zero)
        }
    }

    @Test func aStopLossSellsAndLocksTheMarket() async throws {
        let start = Int64(Date().timeIntervalSince1970) - 300
        var history = Scenario.consensus(signals: 1, wallets: whales, start: start)
        // Someone else trades the token at 0.20 afterwards: the book re-centres there and our mark halves.
        var crash = history[0]
        crash.transactionHash = Fixtures.hex32(888_888)
        crash.wallet = Fixtures.address(0xDEAD)
        crash.size = Micros(100_000_000)
        crash.price = Micros(200_000)
        crash.timestamp = start + 120
        history.append(crash)
        let exchange = SimExchange(trades: history)
        try await scenario(
            exchange,
            configure: {
                $0.exitRules = ExitRules(stopLossBps: 2_000)
                $0.markEvery = .milliseconds(200)
            }
        ) { store, p in
            await exchange.publishNext(3)
            #expect(try await eventually { try await statuses(store)["filled"] == 1 })
            await exchange.publishNext(1)
            let stopped = try await eventually { [store] in
                try await store.positions.list(mode: .paper, statuses: [.closed], limit: 5).count == 1
            }
            #expect(stopped)
            let position = try #require(try await store.positions.list(mode: .paper, statuses: nil, limit: 5).first)
            #expect(position.realizedPnl < .zero && position.size == .zero)
            let exit = try #require(try await store.orders.get(idempotencyKey: "exit:\(position.id):stop_loss:1"))
            #expect(exit.side == .sell && exit.status == .filled)
            // The market is locked for new entries, in the database and in the live risk state (written right after
            // the position closes: waited for, not read at once).
            let market = Cooldown.Scope.market(Scenario.market(0))
            let locked = try await eventually { [store] in
                let locks = try await store.execution.cooldowns(activeAt: Int64(Date().timeIntervalSince1970))
                return locks.map(\.scope) == [market]
            }
            #expect(locked)
            #expect(await eventually { await p.risk.snapshot().cooldowns.count == 1 })
        }
    }
}
