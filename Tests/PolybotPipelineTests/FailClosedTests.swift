import AsyncAlgorithms
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

/// Issue 13 regressions that need the database or the simulator: exits retried until flat (item 7), the day's PnL
/// after a restart and under marks (item 9), halt and the daily loss stop cancelling resting orders (item 5), the
/// resend race (item 6) and venue amounts that cannot be read (item 10).
@Suite("Fail closed: pipeline")
struct FailClosedPipelineTests {
    let logger = Logger(label: "test.failclosed")

    /// An exit gateway that stores each attempt and lets it expire unfilled (a thin book): the tracker must come back
    /// with a new attempt, not the same key (which the old code did, getting `alreadyPlaced` forever).
    struct ExpiringGateway: OrderGateway {
        let store: PolybotStore
        func place(_ r: ExecutionRequest) async throws -> PlacementOutcome {
            if let existing = try await store.orders.get(idempotencyKey: r.idempotencyKey) {
                return .alreadyPlaced(existing)
            }
            let order = CopyOrder(
                idempotencyKey: r.idempotencyKey, signalId: nil, purpose: r.purpose, mode: .paper, salt: "1",
                conditionId: r.intent.conditionId, asset: r.intent.asset, side: r.intent.side, orderType: r.orderType,
                price: r.intent.price, size: r.intent.shares, status: .expired, eventSlug: r.intent.eventSlug)
            return .placed(try await store.orders.create(order))
        }
    }

    /// A position bought at 0.50 whose book now stands at 0.29/0.31 (the mark has fallen 40 %: a 20 % stop-loss fires),
    /// and a tracker over it whose exits expire unfilled.
    func stopLossScenario(
        _ store: PolybotStore, asset: String, negRisk: Bool?, locks: LockBox
    ) async throws -> (Position, PositionTracker) {
        let market = Fixtures.hex32(Int(asset) ?? 0)
        let position = try await store.positions.open(
            Position(
                mode: .paper, conditionId: market, asset: asset, size: Micros(100_000_000),
                averagePrice: Micros(500_000), cost: Micros(50_000_000)))
        let book = OrderBook(
            market: market, assetId: asset, timestampMs: 1, hash: "",
            bids: [BookLevel(price: Micros(290_000), size: Micros(1_000_000))],
            asks: [BookLevel(price: Micros(310_000), size: Micros(1_000_000))], tickSize: .hundredth, negRisk: negRisk)
        let tracker = PositionTracker(
            store: store, mode: .paper, books: { _ in book }, resolution: { _ in nil },
            gateway: ExpiringGateway(store: store),
            risk: .init(
                approveExit: { .approved($0) }, recordMarks: { _ in }, recordSettlement: { _, _ in },
                equity: { Micros(10_000_000_000) }, dayStart: { ("2026-12-01", Micros(10_000_000_000)) },
                addCooldown: { await locks.add($0) }, hasCooldown: { await locks.has($0) }),
            rules: ExitRules(stopLossBps: 2_000), events: PipelineEvents(), logger: logger)
        return (position, tracker)
    }

    @Test func aStopLossIsRetriedUntilFlatAndLocksItsMarketOnce() async throws {
        try await withTestDatabase { store, _ in
            let locks = LockBox()
            let (position, tracker) = try await stopLossScenario(store, asset: "555", negRisk: false, locks: locks)
            for _ in 0..<3 { await tracker.markOnce() }
            let attempts = try await store.orders.orders(keyPrefix: "exit:\(position.id):stop_loss:")
            #expect(attempts.map(\.idempotencyKey) == (1...3).map { "exit:\(position.id):stop_loss:\($0)" })
            #expect(await locks.count == 1)
        }
    }

    actor LockBox {
        var locks: [Cooldown] = []
        var count: Int { locks.count }
        func add(_ c: Cooldown) { locks.append(c) }
        func has(_ s: Cooldown.Scope) -> Bool { locks.contains { $0.scope == s } }
    }

    @Test func aRestartDoesNotCountEarlierUnrealisedPnlAsToday() async throws {
        try await withTestDatabase { store, _ in
            let now = Int64(Date().timeIntervalSince1970)
            let today = utcDay(now)
            // Bought yesterday for $500, marked at $400 since: unrealised −$100, all of it before today started.
            _ = try await store.positions.open(
                Position(
                    mode: .paper, conditionId: Fixtures.hex32(3), asset: "777", size: Micros(1_000_000_000),
                    averagePrice: Micros(500_000),
                    cost: Micros(500_000_000), markPrice: Micros(400_000)))
            try await store.dailyPnl.upsert(
                DailyPnl(day: today, mode: .paper, startEquity: Micros(9_900_000_000), endEquity: Micros(9_900_000_000))
            )
            let risk = RiskManager(
                input: AsyncChannel<SizedOrder>(), store: store, mode: .paper, limits: RiskLimits(),
                startingEquity: Micros(10_000_000_000), events: PipelineEvents(), logger: logger,
                clock: ReplayClock(startMs: now * 1000))
            try await risk.load()
            let s = await risk.snapshot()
            // Was −100: the old load added all unrealised PnL.
            #expect(s.equity == Micros(9_900_000_000) && s.todayPnl == .zero)
        }
    }

    /// A halt made while the database was down survives a restart that comes before the database does: the pending
    /// file wins over the stale row, and is written to the database and removed once it answers.
    @Test func aPendingHaltSurvivesARestart() async throws {
        try await withTestDatabase { store, _ in
            try await store.execution.setTradingState(mode: .paper, .active, reason: "before", actor: "op")
            let path = FileManager.default.temporaryDirectory.appendingPathComponent(
                "pending-\(UUID().uuidString).json"
            ).path
            defer { try? FileManager.default.removeItem(atPath: path) }
            try Data(#"{"state":"halted","reason":"db down","actor":"operator"}"#.utf8).write(
                to: URL(fileURLWithPath: path))
            let risk = RiskManager(
                input: AsyncChannel<SizedOrder>(), store: store, mode: .paper, limits: RiskLimits(),
                startingEquity: Micros(10_000_000_000), events: PipelineEvents(), logger: logger,
                pendingStateFile: PendingStateFile(path: path))
            try await risk.load()
            await risk.reconciled()
            #expect(await risk.snapshot().tradingState == .halted)
            #expect(await risk.hasPendingState)
            #expect(await risk.flushPendingState())
            #expect(try await store.execution.tradingState(mode: .paper)?.state == .halted)
            #expect(!FileManager.default.fileExists(atPath: path))
            // An unreadable file starts halted rather than trusting the database.
            try Data("garbage".utf8).write(to: URL(fileURLWithPath: path))
            try await store.execution.setTradingState(mode: .paper, .active, reason: "later", actor: "op")
            let again = RiskManager(
                input: AsyncChannel<SizedOrder>(), store: store, mode: .paper, limits: RiskLimits(),
                startingEquity: Micros(10_000_000_000), events: PipelineEvents(), logger: logger,
                pendingStateFile: PendingStateFile(path: path))
            try await again.load()
            await again.reconciled()
            #expect(await again.snapshot().tradingState == .halted)
        }
    }

    @Test func marksNeverOverwriteTheDaysRealisedPnl() async throws {
        try await withTestDatabase { store, _ in
            try await store.dailyPnl.upsert(
                DailyPnl(
                    day: "2026-12-01", mode: .paper, startEquity: Micros(100), endEquity: Micros(100),
                    realizedPnl: Micros(7_000_000), fees: Micros(50_000)))
            try await store.dailyPnl.mark(
                day: "2026-12-01", mode: .paper, startEquity: Micros(1), endEquity: Micros(200),
                unrealized: Micros(-3_000_000), exposure: Micros(9))
            let row = try #require(
                try await store.dailyPnl.range(mode: .paper, from: "2026-12-01", to: "2026-12-01").first)
            #expect(row.realizedPnl == Micros(7_000_000) && row.fees == Micros(50_000))
            #expect(
                row.startEquity == Micros(100) && row.endEquity == Micros(200)
                    && row.unrealizedPnl == Micros(-3_000_000))
        }
    }

    /// A book that does not say which exchange (neg-risk or not) or tick size the market uses gets no exit order: the
    /// exit is signed for the venue's values, never for assumed ones (it used to default to 0.01 and not neg-risk).
    @Test func anExitIsNeverSignedForAnAssumedExchange() async throws {
        try await withTestDatabase { store, _ in
            let (position, tracker) = try await stopLossScenario(store, asset: "556", negRisk: nil, locks: LockBox())
            await tracker.markOnce()
            #expect(try await store.orders.orders(keyPrefix: "exit:\(position.id):").isEmpty)
            // The mark itself is still taken (the stop-loss waits for a book that says where to send it).
            #expect(try await store.positions.openPositions(mode: .paper).first?.markPrice == Micros(300_000))
        }
    }

    @Test func venueAmountsAreReadOrRefusedNeverGuessed() {
        #expect(LiveOrderGateway.amount("") == .zero)  // documented: a resting order matched nothing
        #expect(LiveOrderGateway.amount("12.5") == Micros(12_500_000))
        #expect(
            LiveOrderGateway.amount("NaN") == nil && LiveOrderGateway.amount("1e3") == nil
                && LiveOrderGateway.amount("12,5") == nil)
        #expect(LiveOrderGateway.isDuplicate("order 0xabc is invalid. Duplicated."))
    }

    /// Live: a resting entry and a resting exit; reduce-only cancels the entry, halt cancels everything, and the daily
    /// loss stop cancels entries — on the simulated CLOB, not just in our records.
    @Test func haltAndTheLossStopCancelRestingOrders() async throws {
        try await withLiveVenue(logger: logger) { v in
            let tracker = v.tracker(logger: logger)
            let bid = Micros(max(v.tick.micros, v.ask.raw - 20 * v.tick.micros))
            func rest(_ key: String, _ purpose: OrderPurpose) async throws -> CopyOrder {
                let o = try await v.gateway.place(v.request(key, price: bid, purpose: purpose))
                #expect(o.order.status == .live)
                return o.order
            }
            func venueStatus(_ o: CopyOrder) async throws -> String {
                try await v.clob.order(id: o.exchangeOrderId ?? "")?.status?.uppercased() ?? "GONE"
            }
            let risk = RiskManager(
                input: AsyncChannel<SizedOrder>(), store: v.store, mode: .live, limits: RiskLimits(),
                startingEquity: Micros(10_000_000_000), events: PipelineEvents(), logger: logger)
            await risk.install(cancelResting: { await tracker.cancelResting(entriesOnly: $0) }, resumeCheck: { [] })
            try await risk.load()
            await risk.reconciled()
            let entry = try await rest("entry:1", .entry)
            let exit = try await rest("exit:1", .exit)
            try await risk.setTradingState(.reduceOnly, reason: "test", actor: "op")
            let entryOnVenue = try await venueStatus(entry)
            let exitOnVenue = try await venueStatus(exit)
            #expect(entryOnVenue.hasPrefix("CANCEL") && exitOnVenue == "LIVE")
            #expect(try await v.store.orders.get(id: entry.id)?.status == .cancelled)
            #expect(await risk.snapshot().reservations["entry:1"] == nil)
            try await risk.setTradingState(.halted, reason: "test", actor: "op")
            #expect(try await venueStatus(exit).hasPrefix("CANCEL"))
            #expect(try await v.store.orders.get(id: exit.id)?.status == .cancelled)

            // The daily loss stop: a mark loss of 3 % of the day's start cancels the resting entry (once).
            try await risk.setTradingState(.active, reason: "test", actor: "op")
            let entry2 = try await rest("entry:2", .entry)
            await risk.recordMarks(unrealizedTotal: Micros(-300_000_000))
            #expect(try await venueStatus(entry2).hasPrefix("CANCEL"))
        }
    }

    /// The resend race: while the POST of an order is in flight (the venue has not processed it yet), the tracker's poll
    /// used to resume the `submitting` order: the lookup found nothing, it sent the order again, the venue answered
    /// "Duplicated" to one of the two, and the live order was recorded `rejected`. Now the tracker leaves a leased order
    /// alone: one POST, one order.
    @Test func theTrackerLeavesAnOrderInFlightAlone() async throws {
        try await withLiveVenue(timeout: .seconds(10), logger: logger) { v in
            let tracker = v.tracker(logger: logger)
            var slow = SimFaults()
            slow.orderDelayMilliseconds = 1_500
            await v.exchange.setFaults(slow)
            async let placed = v.gateway.place(v.request("entry:race", price: v.ask))
            // Observable: the order is stored and marked submitting before the POST goes out.
            #expect(
                try await eventually {
                    try await v.store.orders.get(idempotencyKey: "entry:race")?.status == .submitting
                })
            try await tracker.pollOnce()
            let outcome = try await placed
            await v.exchange.setFaults(SimFaults())
            #expect(outcome.order.status != .rejected)
            let stored = try #require(try await v.store.orders.get(idempotencyKey: "entry:race"))
            #expect(stored.status == .filled || stored.status == .live || stored.status == .partiallyFilled)
            #expect(await v.exchange.allOrders.count == 1)
            #expect(await v.exchange.orderPosts == 1)
        }
    }
}
