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

/// At-most-once placement against the simulator with real signing and real HMAC.
@Suite("Live order gateway")
struct LiveOrderGatewayTests {
    let logger = Logger(label: "test.gateway")
    let key = try! PrivateKey(hex: "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")

    @Test func oneOrderPerSignalThroughTimeoutsAndFailures() async throws {
        let exchange = SimExchange(trades: generated(400))
        await exchange.publishNext(400)
        let (token, ask, tick, negRisk) = try await tradableToken(exchange)
        try await withSimulator(exchange) { base, _ in
            try await withTestDatabase { store, _ in
                // 5 s: room for a loaded machine (500 ms once timed out deriving the API key); the "timed out but
                // filled" step below holds its answer for 30 s, so it still times out.
                let transport = HTTPTransport(retry: .none, timeout: .seconds(5), logger: logger)
                defer { Task { try? await transport.shutdown() } }
                let creds = try await ClobClient(baseURL: base + "/clob", transport: transport).createOrDeriveApiKey(
                    key: key, chainId: 137)
                let clob = ClobClient(baseURL: base + "/clob", transport: transport, auth: (creds, key.address))
                let basket = try await store.baskets.create(Basket(name: "b"))
                let gateway = LiveOrderGateway(
                    store: store, clob: clob,
                    builder: try OrderBuilder(key: key, domain: ExchangeDomain.forVersion(2, chainId: 137)!),
                    apiKey: creds.apiKey, ledger: FillLedger(store: store, equity: { Micros(10_000_000_000) }),
                    fees: MarketPorts.clob(clob, clock: SystemPipelineClock()).fees, logger: logger)
                func request(_ n: Int) async throws -> ExecutionRequest {
                    let signal = CopySignal(
                        key: "sig-\(n)", basketId: basket.id, conditionId: exchange.history[0].conditionId,
                        asset: token,
                        outcome: "Yes", agreeing: [], opposing: [], ratio: 1, trades: [], whaleAveragePrice: ask,
                        whaleNotional: Micros(1), bestAsk: ask, windowStart: 0, createdAt: 1)
                    let id = try await store.signals.record(signal, eventSlug: "").id
                    let intent = OrderIntent(
                        signalKey: signal.key, basketId: 1, conditionId: signal.conditionId, eventSlug: "",
                        asset: token,
                        side: .buy, price: ask, shares: Micros(10_000_000), whalePrice: ask, wallets: [])
                    return ExecutionRequest(
                        intent: intent, signalId: id, tickSize: tick, negRisk: negRisk, minimumSize: Micros(5_000_000),
                        detectedAtMs: SystemPipelineClock().nowMs())
                }

                // 1. A signal produces exactly one accepted order with the expected amounts.
                let first = try await request(1)
                guard case .placed(let o1) = try await gateway.place(first) else {
                    Issue.record("not placed")
                    return
                }
                #expect(o1.status == .filled && o1.takerAmount == 10_000_000 && o1.makerAmount == 10 * ask.raw)
                #expect(o1.exchangeOrderId == o1.orderDigest)
                // The fill reached the position in the same transaction: 10 shares at what the CLOB charged.
                let position = try #require(try await store.positions.openPosition(mode: .live, asset: token))
                #expect(position.size == Micros(10_000_000) && position.cost == o1.filledCost && o1.filledCost > .zero)
                #expect(o1.positionId == position.id && o1.filledCost <= Micros(10 * ask.raw))
                // Placing the same signal again sends nothing.
                guard case .alreadyPlaced = try await gateway.place(first) else {
                    Issue.record("placed twice")
                    return
                }
                #expect(await exchange.allOrders.count == 1)

                // 2. "Timed out but filled": the response never arrives; the lookup finds the fill. Still one order.
                var f = SimFaults()
                f.timeoutButFillNextOrders = 1
                f.holdResponseSeconds = 30
                await exchange.setFaults(f)
                let second = try await request(2)
                guard case .placed(let o2) = try await gateway.place(second) else {
                    Issue.record("timeout not resolved")
                    return
                }
                #expect(o2.status == .filled)
                #expect(
                    try await store.orders.events(orderId: o2.id).contains {
                        $0.eventType == "LOOKUP" && $0.status == "MATCHED"
                    })
                #expect(await exchange.allOrders.count == 2)
                await exchange.setFaults(SimFaults())

                // 3. The venue is down when we send: the intent stays unknown; on the next attempt the lookup proves the
                //    CLOB never got it and the identical order is sent once.
                f = SimFaults()
                f.errorRate = 1
                await exchange.setFaults(f)
                let third = try await request(3)
                let outcome3 = try await gateway.place(third)
                guard case .unknown(let pending) = outcome3 else {
                    Issue.record("expected unknown, got \(outcome3)")
                    return
                }
                #expect(pending.status == .unknown && pending.orderDigest != nil)
                await exchange.setFaults(SimFaults())
                guard case .placed(let o3) = try await gateway.place(third) else {
                    Issue.record("not resumed")
                    return
                }
                #expect(o3.id == pending.id && o3.orderDigest == pending.orderDigest && o3.status == .filled)
                #expect(await exchange.allOrders.count == 3)
                let onVenue = Set(await exchange.allOrders.map(\.id))
                #expect(onVenue == Set([o1, o2, o3].compactMap(\.orderDigest)))
                // Three filled orders of 10 shares each in one token: one position of 30 shares.
                let total = try #require(try await store.positions.openPosition(mode: .live, asset: token))
                #expect(total.size == Micros(30_000_000))
            }
        }
    }

    /// Issue 15: a copy that takes liquidity on a fee market pays the venue's taker fee. The simulator charges it on
    /// the match (0.04 × p(1 − p) per share) and debits it from the balance; the gateway books the same fee on the order,
    /// and the position's cost basis includes it.
    @Test func aTakerFillOnAFeeMarketBooksTheVenuesFee() async throws {
        let politics = try #require(FeeSchedule(rate: Micros(40_000), exponent: 1))
        try await withLiveVenue(fees: .uniform(politics, type: "politics"), logger: logger) { v in
            let me = testTradingKey.address
            let before = await v.exchange.balance(of: me)
            let outcome = try await v.gateway.place(v.request("entry:fee", price: v.ask, shares: Micros(10_000_000)))
            let order = outcome.order
            #expect(order.filledSize == Micros(10_000_000), "outcome: \(outcome)")
            let charged = Micros.sum(await v.exchange.fills(apiKey: v.credentials.apiKey).map(\.fee))
            #expect(charged == politics.takerFee(shares: Micros(10_000_000), price: v.ask))
            #expect(charged > .zero && order.fee == charged)
            let after = await v.exchange.balance(of: me)
            #expect(before - after == order.filledCost + charged)
            let position = try await v.store.positions.openPosition(mode: .live, asset: v.token)
            #expect(position?.cost == order.filledCost + charged && position?.fees == charged)
            // The match settles on the simulated chain as on Polygon: our record (taker = the exchange) with the fee,
            // followed by the match's OrdersMatched summary.
            await v.exchange.mine(blocks: 1)
            let head = await v.exchange.chainHead
            let logs = try #require(await v.exchange.chainLogs(from: 0, to: head, addresses: [], topics: []))
                .map { try JSONDecoder().decode(ChainLog.self, from: Data($0.utf8)) }
            let ours = try logs.filter { $0.topics[0] == OrderFilled.topic0 }.map { try OrderFilled($0) }
                .filter { $0.maker == me.lowercased }
            let fill = try #require(ours.first)
            #expect(ours.count == 1 && fill.isTakersOwnFill && fill.fee == charged)
            #expect(fill.shares == Micros(10_000_000) && fill.usdc == order.filledCost)
            let summary = try #require(
                logs.first {
                    $0.topics[0] == OrderFilled.ordersMatchedTopic0 && $0.transactionHash == fill.transactionHash
                })
            #expect(summary.data == fill.ordersMatchedLog.data && summary.topics == fill.ordersMatchedLog.topics)
        }
    }

    /// Issue 17: a fill found by lookup ("timed out but filled") pays the taker fee of its trades, read from the venue's
    /// trade records (`trader_side`), and the trade ids are recorded once.
    @Test func aFillFoundByLookupPaysTheTakerFeeOfItsTrades() async throws {
        let politics = try #require(FeeSchedule(rate: Micros(40_000), exponent: 1))
        try await withLiveVenue(timeout: .seconds(2), fees: .uniform(politics, type: "politics"), logger: logger) { v in
            var faults = SimFaults()
            faults.timeoutButFillNextOrders = 1
            faults.holdResponseSeconds = 30
            await v.exchange.setFaults(faults)
            let outcome = try await v.gateway.place(v.request("entry:lookup-fee", price: v.ask))
            let order = outcome.order
            #expect(order.filledSize == Micros(10_000_000), "outcome: \(outcome)")
            #expect(try await v.store.orders.events(orderId: order.id).contains { $0.eventType == "LOOKUP" })
            let fills = await v.exchange.fills(apiKey: v.credentials.apiKey)
            let charged = Micros.sum(fills.map(\.fee))
            #expect(charged > .zero && order.fee == charged)
            // Its cost is the trades' cost, never the limit price.
            #expect(order.filledCost == Micros.sum(fills.map { $0.size.multiplied(by: $0.price) }))
            let trades = try await v.store.orders.trades(orderId: order.id)
            #expect(
                Set(trades.map(\.tradeId)) == Set(fills.map(\.id)) && trades.allSatisfy { $0.traderSide == "TAKER" })
            let position = try await v.store.positions.openPosition(mode: .live, asset: v.token)
            #expect(position?.fees == charged)
        }
    }

    @Test func anUnfilledGTDRemainderIsCancelledAtExpiry() async throws {
        try await withLiveVenue(logger: logger) { v in
            // A bid well under the ask rests on the book.
            let bid = Micros(max(v.tick.micros, v.ask.raw - 20 * v.tick.micros))
            let placed = try await v.gateway.place(
                v.request("rest-1", price: bid, purpose: .exit, lifetimeSeconds: 120))
            #expect(placed.order.status == .live && placed.order.filledSize == .zero)
            let id = try #require(placed.order.exchangeOrderId)
            #expect(try await v.clob.order(id: id)?.status?.uppercased() == "LIVE")
            // Before expiry a poll changes nothing; after it, the remainder is cancelled on the CLOB and the order ends expired.
            let early = v.tracker(logger: logger)
            try await early.pollOnce()
            #expect(try await v.store.orders.get(id: placed.order.id)?.status == .live)
            let expiry = placed.order.expiration
            let late = v.tracker(now: { expiry + 1 }, logger: logger)
            try await late.pollOnce()
            #expect(try await v.store.orders.get(id: placed.order.id)?.status == .expired)
            let venue = try await v.clob.order(id: id)?.status?.uppercased() ?? "GONE"
            #expect(venue.hasPrefix("CANCEL"), "venue status \(venue)")

            // An order on the CLOB that is not in our records (placed by hand, or a lost database) is flagged.
            let stray = try await v.gateway.place(v.request("rest-2", price: bid, purpose: .exit))
            try await v.store.db.client.query("DELETE FROM copy_orders WHERE id = \(stray.order.id)")
            let reconciler = StartupReconciler(
                store: v.store, mode: .live, tracker: early, clob: v.clob, dataAPI: nil, rpc: nil, account: nil,
                approvals: nil, logger: logger)
            let report = await reconciler.run()
            #expect(
                report.problems.contains {
                    $0.contains(stray.order.orderDigest ?? "?") && $0.contains("not in our records")
                })
            #expect(try await v.store.audit.recent(limit: 5).contains { $0.action == "reconciliation.problem" })
        }
    }
}
