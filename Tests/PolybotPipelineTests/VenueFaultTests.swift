import Foundation
import Logging
import PolybotCore
import PolybotPipeline
import PolybotStore
import PolybotTestSupport
import Polymarket
import PolymarketSim
import Testing

/// Issue 17: the venue's 2026 behaviour against the simulator — matching-engine restarts (HTTP 425, then a post-only
/// window), per-signer rate limits (429 with Retry-After, over-capacity refusals) and order answers that carry trade
/// ids without settlement hashes. Each ends with exactly the orders it should (never a duplicate) and a named outcome.
@Suite("Venue faults of 2026", .serialized)
struct VenueFaultTests {
    let logger = Logger(label: "test.venue")

    /// An order that ended `expired`, never sent, with a "not sent: …" reason naming `cause` (stored on the order).
    func expectNotSent(_ outcome: PlacementOutcome, naming cause: String, in store: PolybotStore) async throws {
        guard case .rejected(let order, let reason) = outcome else {
            Issue.record("expected a named end, got \(outcome)")
            return
        }
        #expect(order.status == .expired && reason.hasPrefix("not sent:") && reason.contains(cause), "\(reason)")
        #expect(try await store.orders.get(id: order.id)?.error == reason)
    }

    /// The gate the gateway sees now.
    func gate(_ v: LiveVenue) -> VenueWindow.Gate { v.gateway.venue.gate(now: Date().timeIntervalSince1970) }

    @Test func aMatchingEngineRestartDelaysTheCopyAndSendsItOnce() async throws {
        try await withLiveVenue(venue: VenueStatus(postOnlySeconds: 1), logger: logger) { v in
            // The engine restarts (425) until the test sees the gateway waiting for it, then stays post-only until the
            // gateway has seen that too: the copy waits through both and the identical order is taken once.
            await v.exchange.restartEngine(downSeconds: 3_600, postOnlySeconds: 0)
            let placement = Task { try await v.gateway.place(v.request("entry:restart", price: v.ask)) }
            #expect(await eventually { if case .restarting = gate(v) { true } else { false } })
            // The venue's 503 says when post-only ends (retry_after_seconds): the copy waits that long, then goes. Ten
            // seconds, so the gateway's next attempt lands inside the window even on a loaded machine.
            await v.exchange.restartEngine(downSeconds: 0, postOnlySeconds: 10)
            #expect(await eventually { if case .postOnly = gate(v) { true } else { false } })
            let outcome = try await placement.value
            guard case .placed(let order) = outcome else {
                Issue.record("expected placed, got \(outcome)")
                return
            }
            #expect(order.status == .filled)
            #expect(await v.exchange.allOrders.map(\.id) == [order.orderDigest])
            // At least one 425, one post-only refusal and the accepted POST.
            #expect(await v.exchange.orderPosts >= 3)
        }
    }

    @Test func aCopyTheVenueCannotTakeInTimeEndsNamedAndUnsent() async throws {
        try await withLiveVenue(venue: VenueStatus(postOnlySeconds: 120), logger: logger) { v in
            // A restart (425) that outlasts the order's validity (a 62 s GTD can be sent for 2 s): never sent, ended
            // with the restart named.
            await v.exchange.restartEngine(downSeconds: 3_600, postOnlySeconds: 0)
            let restart = try await v.gateway.place(v.request("entry:restart", price: v.ask, lifetimeSeconds: 62))
            try await expectNotSent(restart, naming: "restarting (HTTP 425)", in: v.store)

            // Then post-only for longer than the next order may wait: the same, with the post-only window named.
            await v.exchange.restartEngine(downSeconds: 0, postOnlySeconds: 3_600)
            let postOnly = try await v.gateway.place(v.request("entry:post-only", price: v.ask, lifetimeSeconds: 62))
            try await expectNotSent(postOnly, naming: "post-only", in: v.store)
            #expect(await v.exchange.allOrders.isEmpty)
        }
    }

    @Test func perSignerLimitsPaceBatchesAndNeverDuplicate() async throws {
        try await withLiveVenue(logger: logger) { v in
            var faults = SimFaults()
            faults.signerRate = 2
            faults.signerBurst = 2
            await v.exchange.setFaults(faults)
            let builder = try OrderBuilder(key: testTradingKey, domain: ExchangeDomain.forVersion(2, chainId: 137)!)
            func bodies(_ n: Int, from salt: UInt64) throws -> [String] {
                try (0..<UInt64(n)).map {
                    try builder.build(
                        OrderRequest(
                            tokenId: v.token, side: .buy, price: v.ask, size: Micros(5_000_000), tickSize: v.tick,
                            negRisk: v.negRisk),
                        salt: salt + $0, timestampMs: 1_780_000_000_000, now: 1_780_000_000
                    ).postBody(owner: v.credentials.apiKey, orderType: .gtc)
                }
            }
            // Client-side buckets at the venue's rate: a batch of 3 is split to the burst of 2 and paced; no 429.
            var paced = v.clob
            paced.signerLimits = SignerRateLimiter(orderRate: 2, orderBurst: 2)
            let answers = try await paced.postOrders(bodies: try bodies(3, from: 100))
            #expect(answers.count == 3 && answers.allSatisfy(\.accepted))
            #expect(await v.exchange.signerRefusals == 0)
            #expect(await paced.signerLimits?.remaining(.orders) ?? -1 <= 2)

            // A batch above the burst, unpaced: refused for good (429 without Retry-After), not retried, nothing placed.
            do {
                _ = try await v.clob.postOrders(bodies: try bodies(3, from: 200))
                Issue.record("an over-capacity batch was accepted")
            } catch {
                #expect((error as? PolymarketHTTPError) == .rateLimited(retryAfter: nil), "\(error)")
            }
            #expect(await v.exchange.allOrders.count == 3)

            // Four copies at once, unpaced: the venue answers some with 429 + Retry-After; each waits and its identical
            // order is sent again. Four orders on the venue, each once.
            let refusalsBefore = await v.exchange.signerRefusals
            let outcomes = try await withThrowingTaskGroup(of: PlacementOutcome.self) { group in
                for n in 1...4 {
                    group.addTask { try await v.gateway.place(v.request("entry:burst-\(n)", price: v.ask)) }
                }
                var out: [PlacementOutcome] = []
                for try await o in group { out.append(o) }
                return out
            }
            #expect(outcomes.allSatisfy { if case .placed = $0 { true } else { false } }, "\(outcomes)")
            #expect(await v.exchange.signerRefusals > refusalsBefore)
            let digests = outcomes.compactMap(\.order.orderDigest)
            let onVenue = await v.exchange.allOrders.map(\.id)
            #expect(onVenue.count == 7 && Set(digests).isSubset(of: Set(onVenue)))
        }
    }

    @Test func tradeIdsWithoutHashesAreFollowedOnce() async throws {
        try await withLiveVenue(logger: logger) { v in
            var faults = SimFaults()
            faults.noHashes = true
            await v.exchange.setFaults(faults)
            var request = v.request("entry:fak", price: v.ask)
            request.orderType = .fak
            let placed = try await v.gateway.place(request)
            #expect(placed.order.filledSize > .zero, "\(placed)")
            let fills = await v.exchange.fills(apiKey: v.credentials.apiKey).map(\.id)
            let trades = try await v.store.orders.trades(orderId: placed.order.id)
            #expect(!trades.isEmpty && Set(trades.map(\.tradeId)) == Set(fills))
            // Each trade is read by its id at once (the books are its size, price and fee); none is booked twice.
            #expect(trades.allSatisfy { $0.isComplete })
            let venueCost = await v.exchange.fills(apiKey: v.credentials.apiKey).reduce(Micros.zero) {
                $0 + $1.size.multiplied(by: $1.price)
            }
            let booked = try await v.store.orders.get(id: placed.order.id)?.filledCost
            #expect(booked == venueCost)

            // A second attempt sends nothing and records nothing twice.
            guard case .alreadyPlaced = try await v.gateway.place(request) else {
                Issue.record("placed twice")
                return
            }
            #expect(try await v.store.orders.recordTrades(orderId: placed.order.id, tradeIds: fills) == 0)

            // Polling by trade id resolves each: CONFIRMED, with its settlement hash and our side.
            let tracker = v.tracker(logger: logger)
            #expect(try await tracker.resolveTrades() == trades.count)
            let resolved = try await v.store.orders.trades(orderId: placed.order.id)
            #expect(
                resolved.allSatisfy {
                    $0.status == "CONFIRMED" && ($0.transactionHash ?? "").hasPrefix("0x") && $0.traderSide == "TAKER"
                })
            #expect(try await v.store.orders.unresolvedTrades(limit: 10).isEmpty)
            #expect(await v.exchange.allOrders.count == 1)
        }
    }

    @Test func aV3MarketIsSignedForItsOwnDomainAndAnUnknownVersionIsNotTraded() async throws {
        try await withLiveVenue(logger: logger) { v in
            let market = try #require(v.exchange.markets.values.first { $0.tokens.contains(v.token) })
            await v.exchange.setExchangeVersion(3, conditionId: market.conditionId)
            let placed = try await v.gateway.place(v.request("entry:v3", price: v.ask))
            #expect(placed.order.status == .filled, "\(placed)")
            // The venue verified it under ExchangeV3's domain: the order id is the V3 digest, not the V2 one.
            let v3 = try #require(ExchangeDomain.forVersion(3, chainId: 137))
            let venueId = await v.exchange.allOrders.first?.id
            #expect(v3.version == "3" && placed.order.orderDigest == venueId)

            // A version this build cannot sign for: nothing is stored, signed or sent, and the error names it.
            await v.exchange.setExchangeVersion(9, conditionId: market.conditionId)
            let fresh = LiveOrderGateway(
                store: v.store, clob: v.clob,
                builder: try OrderBuilder(key: testTradingKey, domain: ExchangeDomain.forVersion(2, chainId: 137)!),
                apiKey: v.credentials.apiKey, ledger: v.ledger, fees: { _ in FeeSchedule.free }, logger: logger,
                marketVersion: MarketVersions.reading(
                    GammaClient(
                        baseURL: String(v.clob.baseURL.dropLast("/clob".count)) + "/gamma", transport: v.clob.transport)
                ))
            do {
                _ = try await fresh.place(v.request("entry:v9", price: v.ask))
                Issue.record("an order was placed for an unknown exchange version")
            } catch let error as LiveOrderError {
                // Gamma shows it as protocol version "v8": unknown, so never signed.
                #expect("\(error)".contains("protocol version \"v8\""), "\(error)")
            }
            #expect(try await v.store.orders.get(idempotencyKey: "entry:v9") == nil)
            #expect(await v.exchange.allOrders.count == 1)
        }
    }
}
