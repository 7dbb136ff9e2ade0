import Foundation
import Logging
import PolybotCore
import PolybotPipeline
import PolybotStore
import PolybotTestSupport
import Polymarket
import PolymarketSim
import Testing

/// Issue 27: capital comes back after resolution. A won live position on a market the AutoRedeemer does not cover is
/// redeemed by the funder's own transaction, and the funder's pUSD then equals the books; one it covers is left to it.
@Suite("Redemption after resolution", .serialized)
struct RedemptionTests {
    let logger = Logger(label: "test.redeem")
    let politics = FeeSchedule(rate: Micros(40_000), exponent: 1)!

    func service(_ v: LiveVenue, type: SignatureType = .eoa, transport: HTTPTransport) -> RedemptionService {
        let base = String(v.clob.baseURL.dropLast("/clob".count))
        return RedemptionService(
            dataAPI: DataAPIClient(baseURL: base + "/data-api", transport: transport),
            rpc: PolygonRPC(url: base + "/rpc", transport: transport), key: testTradingKey, signatureType: type,
            funder: testTradingKey.address, store: v.store, trading: TradingGate(), clock: SystemPipelineClock(),
            autoRedeemGraceSeconds: 0, events: PipelineEvents(), logger: logger)
    }

    /// Buys 10 shares of the venue's token on a fee market and settles the books when the market resolves for it.
    func buyAndResolve(_ v: LiveVenue, autoRedeem: Bool) async throws -> (market: String, realized: Micros) {
        let placed = try await v.gateway.place(v.request("entry:redeem", price: v.ask, shares: Micros(10_000_000)))
        #expect(placed.order.filledSize == Micros(10_000_000), "\(placed)")
        let market = try #require(v.exchange.markets.values.first { $0.tokens.contains(v.token) })
        await v.exchange.resolve(conditionId: market.conditionId, winner: v.token, autoRedeem: autoRedeem)
        // The books settle it (what the position tracker does when the CLOB reports the winner).
        let position = try #require(try await v.store.positions.openPosition(mode: .live, asset: v.token))
        let settled = try #require(
            try await v.store.execution.settle(positionId: position.id, won: true, day: "2026-12-06", equity: .zero))
        #expect(settled.realized > .zero)
        let realized = try #require(try await v.store.positions.get(id: position.id)?.realizedPnl)
        return (market.conditionId, realized)
    }

    @Test func aWonPositionWithoutAutoRedeemIsRedeemedAndThePUSDEqualsTheBooks() async throws {
        try await withLiveVenue(fees: .uniform(politics, type: "politics"), logger: logger) { v in
            let me = testTradingKey.address
            let start = await v.exchange.balance(of: me)
            let (market, realized) = try await buyAndResolve(v, autoRedeem: false)
            #expect(await v.exchange.holding(of: me, token: v.token) == Micros(10_000_000))

            let transport = HTTPTransport(retry: .none, timeout: .seconds(5), logger: logger)
            defer { Task { try? await transport.shutdown() } }
            // A proxy/Safe/deposit-wallet funder is told to redeem through the relayer; nothing is sent.
            #expect(try await service(v, type: .polyProxy, transport: transport).tick().isEmpty)
            #expect(await v.exchange.manualRedemptions == 0)

            let redemptions = service(v, transport: transport)
            #expect(try await redemptions.tick() == [market])
            #expect(await v.exchange.manualRedemptions == 1)
            #expect(await v.exchange.holding(of: me, token: v.token) == .zero)
            // The funder's pUSD moved by exactly what the books say it made: proceeds − cost − fees.
            #expect(await v.exchange.balance(of: me) - start == realized)
            #expect(try await v.store.audit.recent(limit: 5).contains { $0.action == "position.redeemed" })
            // Nothing is left to redeem.
            #expect(try await redemptions.tick().isEmpty)
            #expect(await v.exchange.manualRedemptions == 1)
        }
    }

    @Test func aMarketTheAutoRedeemerCoversIsLeftToIt() async throws {
        try await withLiveVenue(fees: .uniform(politics, type: "politics"), logger: logger) { v in
            let me = testTradingKey.address
            let start = await v.exchange.balance(of: me)
            let (_, realized) = try await buyAndResolve(v, autoRedeem: true)
            #expect(await v.exchange.holding(of: me, token: v.token) == .zero)
            let transport = HTTPTransport(retry: .none, timeout: .seconds(5), logger: logger)
            defer { Task { try? await transport.shutdown() } }
            #expect(try await service(v, transport: transport).tick().isEmpty)
            #expect(await v.exchange.manualRedemptions == 0)
            #expect(await v.exchange.autoRedemptions == 1)
            #expect(await v.exchange.balance(of: me) - start == realized)
        }
    }
}
