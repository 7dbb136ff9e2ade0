import Foundation
import Logging
import PolybotCore
import PolybotPipeline
import PolybotStore
import PolybotTestSupport
import Polymarket
import PolymarketSim
import Testing

/// Issue 27: the books are the venue's trades. Whichever path reports a trade first (the user channel before the POST
/// answers, a lookup after a timeout, the POST answer itself), it is recorded once, at its own price with its own fee;
/// cost, fees and realised PnL are sums over those trades — on a fee market, to the micro of the venue's pUSD.
@Suite("Books from the venue's trades", .serialized)
struct TradeBooksTests {
    let logger = Logger(label: "test.books")
    let politics = FeeSchedule(rate: Micros(40_000), exponent: 1)!

    /// The venue's trades of our API key: cost (size × price per trade) and fees.
    func venueFigures(_ v: LiveVenue, side: TradeSide? = nil) async -> (cost: Micros, fee: Micros, count: Int) {
        let fills = await v.exchange.fills(apiKey: v.credentials.apiKey).filter { side == nil || $0.side == side }
        return (Micros.sum(fills.map { $0.size.multiplied(by: $0.price) }), Micros.sum(fills.map(\.fee)), fills.count)
    }

    @Test func theUserChannelReportingAMatchBeforeThePOSTAnswersBooksTheTradesOnce() async throws {
        try await withLiveVenue(timeout: .seconds(30), fees: .uniform(politics, type: "politics"), logger: logger) {
            v in
            // The venue matches the order at once but holds its answer for 3 s: the user channel's trade frame comes
            // first, as it does on the real venue when the socket is faster than the HTTP answer.
            var faults = SimFaults()
            faults.timeoutButFillNextOrders = 1
            faults.holdResponseSeconds = 3
            await v.exchange.setFaults(faults)
            // Two levels of the book: two trades at two prices (a limit two ticks above the ask).
            let limit = Micros(min(v.ask.raw + 2 * v.tick.micros, Micros.scale - v.tick.micros))
            let placement = Task {
                try await v.gateway.place(v.request("entry:ws-first", price: limit, shares: Micros(10_000_000)))
            }
            #expect(await eventually { await !v.exchange.fills(apiKey: v.credentials.apiKey).isEmpty })
            let waiting = try #require(try await v.store.orders.get(idempotencyKey: "entry:ws-first"))
            #expect(waiting.status == .submitting, "the POST has not answered yet: \(waiting.status)")

            // The frames as the venue sends them on the user channel (wire JSON, decoded by the daemon's decoder).
            let tracker = v.tracker(logger: logger)
            for f in await v.exchange.fills(apiKey: v.credentials.apiKey) {
                let frame = """
                    {"event_type":"trade","type":"TRADE","id":"\(f.id)","taker_order_id":"\(f.orderId)",\
                    "asset_id":"\(f.tokenId)","market":"\(f.market)","side":"BUY","size":"\(f.size)","price":"\(f.price)",\
                    "status":"MATCHED","owner":"\(f.apiKey)","maker_orders":[],"trader_side":"TAKER",\
                    "fee_rate_bps":"\(f.feeRateBps)","matchtime":"\(f.matchTime)","timestamp":"\(f.matchTime)"}
                    """
                for event in try UserChannelDecoder.decode(frame) { await tracker.handle(event) }
            }
            let venue = await venueFigures(v)
            let early = try #require(try await v.store.orders.get(id: waiting.id))
            #expect(early.filledCost == venue.cost && early.fee == venue.fee, "booked from the frames: \(early)")

            // Then the POST answers with the same trade ids: nothing is booked twice.
            let placed = try await placement.value
            let order = try #require(try await v.store.orders.get(id: placed.order.id))
            #expect(order.filledSize == Micros(10_000_000) && order.status == .filled)
            #expect(order.filledCost == venue.cost && order.fee == venue.fee && venue.fee > .zero)
            let trades = try await v.store.orders.trades(orderId: order.id)
            #expect(trades.count == venue.count && trades.allSatisfy { $0.isComplete })
            let position = try #require(try await v.store.positions.openPosition(mode: .live, asset: v.token))
            #expect(position.size == Micros(10_000_000) && position.cost == venue.cost + venue.fee)
            #expect(position.fees == venue.fee)
        }
    }

    @Test func realisedPnLOnAFeeMarketIsProceedsLessCostLessFees() async throws {
        try await withLiveVenue(fees: .uniform(politics, type: "politics"), logger: logger) { v in
            let me = testTradingKey.address
            let before = await v.exchange.balance(of: me)
            let limit = Micros(min(v.ask.raw + 2 * v.tick.micros, Micros.scale - v.tick.micros))
            let bought = try await v.gateway.place(v.request("entry:pnl", price: limit, shares: Micros(10_000_000)))
            #expect(bought.order.filledSize == Micros(10_000_000), "\(bought)")
            // Sell them back at the bid (a taker again, so both legs pay the venue's fee).
            let bid = try #require(try await v.clob.book(tokenId: v.token).bids.first?.price)
            var exit = v.request("exit:pnl", price: Micros(bid.raw - 2 * v.tick.micros), purpose: .exit)
            exit.intent.side = .sell
            let sold = try await v.gateway.place(exit)
            #expect(sold.order.filledSize == Micros(10_000_000), "\(sold)")

            let buys = await venueFigures(v, side: .buy)
            let sells = await venueFigures(v, side: .sell)
            let positionId = try #require(sold.order.positionId)
            let closed = try #require(try await v.store.positions.get(id: positionId))
            let expected = sells.cost - buys.cost - buys.fee - sells.fee
            #expect(closed.status == .closed && closed.realizedPnl == expected, "\(closed)")
            #expect(buys.fee > .zero && sells.fee > .zero)
            // The funder's pUSD moved by exactly that.
            #expect(await v.exchange.balance(of: me) - before == expected)
            #expect(bought.order.fee + sold.order.fee == buys.fee + sells.fee)
        }
    }

    @Test func reconciliationCorrectsOurTradeRowsToTheVenuesAndAuditsIt() async throws {
        try await withLiveVenue(fees: .uniform(politics, type: "politics"), logger: logger) { v in
            let placed = try await v.gateway.place(v.request("entry:reconcile", price: v.ask))
            let venue = await venueFigures(v)
            #expect(placed.order.filledCost == venue.cost && placed.order.fee == venue.fee)
            // Our row of the first trade goes wrong (say an earlier path misread its price by a cent).
            let trade = try #require(try await v.store.orders.trades(orderId: placed.order.id).first)
            let size = try #require(trade.size)
            let wrongPrice = try #require(trade.price) + Micros(10_000)
            _ = try await v.ledger.report(
                orderId: placed.order.id, venueMatched: .zero,
                trades: [
                    TradeFill(
                        tradeId: trade.tradeId, size: size, price: wrongPrice, fee: trade.fee, traderSide: "TAKER")
                ], eventType: "TEST", venueStatus: "", corrects: true)
            let wrong = try #require(try await v.store.orders.get(id: placed.order.id))
            #expect(wrong.filledCost != venue.cost)

            // Reconciliation against GET /data/trades finds it, corrects the row and the books, and says so.
            let problems = try await v.tracker(logger: logger).reconcileTrades(after: 0)
            #expect(problems.count == 1 && problems[0].contains(trade.tradeId), "\(problems)")
            let fixed = try #require(try await v.store.orders.get(id: placed.order.id))
            #expect(fixed.filledCost == venue.cost && fixed.fee == venue.fee)
            let position = try #require(try await v.store.positions.openPosition(mode: .live, asset: v.token))
            #expect(position.cost == venue.cost + venue.fee)
            #expect(try await v.store.audit.recent(limit: 5).contains { $0.action == "trades.reconciled" })
            // A second pass finds nothing.
            #expect(try await v.tracker(logger: logger).reconcileTrades(after: 0).isEmpty)
        }
    }
}
