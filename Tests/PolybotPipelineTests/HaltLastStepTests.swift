import Foundation
import Logging
import PolybotCore
import PolybotPipeline
import PolybotStore
import PolybotTestSupport
import Polymarket
import PolymarketSim
import Testing

/// Issue 27: the trading state is checked right before every POST. A copy waiting out a 425 restart, a post-only
/// window or a 429 back-off when trading is halted is never sent: it ends `cancelled` with `trading_halted`, and the
/// venue never holds an order for it. A halt also resolves an order whose outcome is unknown and cancels it.
@Suite("A halt reaches the last step", .serialized)
struct HaltLastStepTests {
    let logger = Logger(label: "test.halt")

    /// The gate the gateway's venue wait sees now.
    func venueGate(_ v: LiveVenue) -> VenueWindow.Gate { v.gateway.venue.gate(now: Date().timeIntervalSince1970) }

    /// The copy ended `cancelled`, unsent, with `trading_halted` on the order and in the outcome.
    func expectHalted(_ outcome: PlacementOutcome, in store: PolybotStore) async throws {
        guard case .rejected(let order, let reason) = outcome else {
            Issue.record("expected the copy to end unsent, got \(outcome)")
            return
        }
        #expect(order.status == .cancelled && reason.contains("trading_halted"), "\(order.status) \(reason)")
        let stored = try #require(try await store.orders.get(id: order.id))
        #expect(stored.status == .cancelled && (stored.error ?? "").contains("trading_halted"))
        #expect(stored.filledSize == .zero)
    }

    @Test func aHaltDuringA425WaitSendsNothing() async throws {
        try await withLiveVenue(logger: logger) { v in
            await v.exchange.restartEngine(downSeconds: 3_600, postOnlySeconds: 0)
            let placement = Task { try await v.gateway.place(v.request("entry:halt-425", price: v.ask)) }
            #expect(await eventually { if case .restarting = venueGate(v) { true } else { false } })
            v.gateway.trading.set(.halted)
            let postsAtHalt = await v.exchange.orderPosts
            // The engine comes back at once: only the halt keeps the copy from being taken now.
            await v.exchange.restartEngine(downSeconds: 0, postOnlySeconds: 0)
            try await expectHalted(try await placement.value, in: v.store)
            #expect(await v.exchange.allOrders.isEmpty)
            // At most the POST already on the wire when the halt came (answered 425); none after it.
            #expect(await v.exchange.orderPosts <= postsAtHalt + 1)
        }
    }

    @Test func aHaltDuringAPostOnlyWindowSendsNothing() async throws {
        // The gateway would assume a 1 s window; the venue's 503 says how long it really is (retry_after_seconds).
        try await withLiveVenue(venue: VenueStatus(postOnlySeconds: 1), logger: logger) { v in
            // A window the copy could wait out within its validity (300 s).
            await v.exchange.restartEngine(downSeconds: 0, postOnlySeconds: 200)
            let placement = Task { try await v.gateway.place(v.request("entry:halt-post-only", price: v.ask)) }
            #expect(
                await eventually {
                    if case .postOnly(let until) = venueGate(v) {
                        until > Date().timeIntervalSince1970 + 100
                    } else {
                        false
                    }
                })
            v.gateway.trading.set(.halted)
            try await expectHalted(try await placement.value, in: v.store)
            await v.exchange.restartEngine(downSeconds: 0, postOnlySeconds: 0)
            #expect(await v.exchange.allOrders.isEmpty)
            let events = try await v.store.orders.events(
                orderId: try #require(
                    try await v.store.orders.get(idempotencyKey: "entry:halt-post-only")
                ).id)
            #expect(events.isEmpty, "nothing filled: \(events)")
        }
    }

    @Test func aHaltDuringA429BackOffSendsNothing() async throws {
        try await withLiveVenue(logger: logger) { v in
            // One order token, refilled once a minute: the first copy is taken, the second is told to wait (429 with
            // Retry-After) and backs off within its validity.
            var faults = SimFaults()
            faults.signerRate = 1.0 / 60
            faults.signerBurst = 1
            await v.exchange.setFaults(faults)
            let first = try await v.gateway.place(v.request("entry:first", price: v.ask))
            guard case .placed = first else {
                Issue.record("the first copy was not placed: \(first)")
                return
            }
            let placement = Task { try await v.gateway.place(v.request("entry:halt-429", price: v.ask)) }
            #expect(await eventually { if case .rateLimited = venueGate(v) { true } else { false } })
            v.gateway.trading.set(.halted)
            try await expectHalted(try await placement.value, in: v.store)
            #expect(await v.exchange.allOrders.map(\.id) == [first.order.orderDigest])
        }
    }

    @Test func reduceOnlyStopsEntriesAtTheLastStepButSendsExits() async throws {
        try await withLiveVenue(logger: logger) { v in
            v.gateway.trading.set(.reduceOnly)
            let entry = try await v.gateway.place(v.request("entry:reduce-only", price: v.ask))
            guard case .rejected(let order, let reason) = entry else {
                Issue.record("an entry was sent while reduce-only: \(entry)")
                return
            }
            #expect(order.status == .cancelled && reason.contains(DenialReason.reducingOnly.rawValue))
            #expect(await v.exchange.allOrders.isEmpty)
            // An exit is not held back by reduce-only (the venue refuses it for lack of shares, which proves it was sent).
            var exit = v.request("exit:reduce-only", price: v.ask, purpose: .exit)
            exit.intent.side = .sell
            let sent = try await v.gateway.place(exit)
            if case .rejected(let o, let message) = sent {
                #expect(o.status == .rejected && message.contains("balance"), "\(message)")
            }
            #expect(await v.exchange.orderPosts == 1)
        }
    }

    @Test func aHaltResolvesAnOrderOfUnknownOutcomeAndCancelsIt() async throws {
        try await withLiveVenue(logger: logger) { v in
            // A copy rests on the venue (below the ask) but our books only know that its POST had no answer.
            let below = Micros(v.ask.raw - v.tick.micros * 3)
            let placed = try await v.gateway.place(v.request("entry:unknown", price: below))
            #expect(placed.order.status == .live, "\(placed)")
            #expect(
                try await v.store.orders.setStatus(
                    id: placed.order.id, from: [.live], to: .unknown, error: "timed out"))
            let digest = try #require(placed.order.orderDigest)
            #expect(await v.exchange.openOrders(apiKey: v.credentials.apiKey).map(\.id) == [digest])

            v.gateway.trading.set(.halted)
            await v.tracker(logger: logger).cancelResting(entriesOnly: false)

            #expect(await v.exchange.openOrders(apiKey: v.credentials.apiKey).isEmpty)
            let ended = try #require(try await v.store.orders.get(id: placed.order.id))
            #expect(ended.status == .cancelled && (ended.error ?? "").contains("trading_halted"), "\(ended)")

            // An order the venue never got ends cancelled too, and the next poll sends nothing.
            let intent = try await v.gateway.place(v.request("entry:never-sent", price: below))
            #expect(intent.order.status == .cancelled)
            try await v.tracker(logger: logger).pollOnce()
            #expect(await v.exchange.allOrders.count == 1)
        }
    }

    @Test func whatAPOSTInFlightAtTheHaltLeftRestingIsCancelledWhenItAnswers() async throws {
        try await withLiveVenue(timeout: .seconds(30), logger: logger) { v in
            // The venue takes the order (below the ask: it rests) and holds its answer; the halt comes meanwhile.
            var faults = SimFaults()
            faults.timeoutButFillNextOrders = 1
            faults.holdResponseSeconds = 3
            await v.exchange.setFaults(faults)
            let below = Micros(v.ask.raw - v.tick.micros * 3)
            let placement = Task { try await v.gateway.place(v.request("entry:in-flight", price: below)) }
            #expect(await eventually { await v.exchange.openOrders(apiKey: v.credentials.apiKey).count == 1 })
            v.gateway.trading.set(.halted)
            let outcome = try await placement.value
            #expect(outcome.order.status == .cancelled, "\(outcome)")
            #expect((outcome.order.error ?? "").contains("trading_halted"))
            #expect(await v.exchange.openOrders(apiKey: v.credentials.apiKey).isEmpty)
        }
    }

    @Test func aRestingCopyIsCancelledWhenAHaltFindsItOnALaterPoll() async throws {
        try await withLiveVenue(logger: logger) { v in
            let below = Micros(v.ask.raw - v.tick.micros * 3)
            let placed = try await v.gateway.place(v.request("entry:resting", price: below))
            #expect(placed.order.status == .live)
            v.gateway.trading.set(.halted)
            // The halt's own cancel did not happen (say the venue did not answer): the tracker's poll cancels it.
            try await v.tracker(logger: logger).pollOnce()
            #expect(await v.exchange.openOrders(apiKey: v.credentials.apiKey).isEmpty)
            let ended = try #require(try await v.store.orders.get(id: placed.order.id))
            #expect(ended.status == .cancelled && (ended.error ?? "").contains("trading_halted"))
        }
    }

    @Test func theVenueRestrictionsOf2026AreReadByName() async throws {
        try await withLiveVenue(logger: logger) { v in
            // Post-only: HTTP 503 with code post_only_mode, retry_after_seconds and Retry-After.
            await v.exchange.restartEngine(downSeconds: 0, postOnlySeconds: 90)
            let builder = try OrderBuilder(key: testTradingKey, domain: ExchangeDomain.forVersion(2, chainId: 137)!)
            let body = try builder.build(
                OrderRequest(
                    tokenId: v.token, side: .buy, price: v.ask, size: Micros(5_000_000), tickSize: v.tick,
                    negRisk: v.negRisk),
                salt: 7, timestampMs: 1_780_000_000_000, now: 1_780_000_000
            ).postBody(owner: v.credentials.apiKey, orderType: .gtc)
            do throws(PolymarketHTTPError) {
                _ = try await v.clob.postOrder(body: body)
                Issue.record("a taker order was taken in post-only mode")
            } catch .restricted(let r) {
                #expect(r.mode == .postOnly && r.message.hasPrefix("post-only mode"))
                #expect((85...90).contains(r.retryAfter ?? 0), "\(r)")
            } catch {
                Issue.record("expected a 503 post_only_mode, got \(error)")
            }
            // A batch answers success:true with an errorMsg and no order id: not placed.
            let batch = try await v.clob.postOrders(bodies: [body])
            #expect(batch.count == 1 && batch[0].success && !batch[0].errorMsg.isEmpty && batch[0].orderID.isEmpty)
            #expect(!batch[0].accepted)

            // Cancel-only: the copy ends named and unsent.
            await v.exchange.restartEngine(downSeconds: 0, postOnlySeconds: 0)
            await v.exchange.cancelOnly(seconds: 3_600)
            let outcome = try await v.gateway.place(v.request("entry:cancel-only", price: v.ask))
            guard case .rejected(let order, let reason) = outcome else {
                Issue.record("expected a named end, got \(outcome)")
                return
            }
            #expect(order.status == .expired && reason.contains("cancel-only"), "\(reason)")
            #expect(await v.exchange.allOrders.isEmpty)
        }
    }
}
