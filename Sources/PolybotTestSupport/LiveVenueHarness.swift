import Foundation
import Logging
import PolybotCore
import PolybotPipeline
import PolybotStore
import Polymarket
import PolymarketSim

/// A live-mode account on the simulated CLOB: real L1/L2 auth, real signing, a fresh database.
package struct LiveVenue: Sendable {
    package let exchange: SimExchange
    package let store: PolybotStore
    package let clob: ClobClient
    package let credentials: ApiCredentials
    package let ledger: FillLedger
    package let gateway: LiveOrderGateway
    /// A token with a two-sided book, its best ask, tick and neg-risk flag.
    package let token: String
    package let ask: Micros
    package let tick: TickSize
    package let negRisk: Bool

    /// A tracker over this venue's gateway.
    package func tracker(now: (@Sendable () -> Int64)? = nil, logger: Logger) -> OrderTracker {
        if let now {
            return OrderTracker(
                store: store, clob: clob, gateway: gateway, ledger: ledger,
                books: { [clob] in try await clob.book(tokenId: $0) },
                userFeed: nil, events: PipelineEvents(), logger: logger, now: now)
        }
        return OrderTracker(
            store: store, clob: clob, gateway: gateway, ledger: ledger,
            books: { [clob] in try await clob.book(tokenId: $0) },
            userFeed: nil, events: PipelineEvents(), logger: logger)
    }

    /// A BUY of `shares` at `price` in ``token`` under `key`.
    package func request(
        _ key: String, price: Micros, shares: Micros = Micros(10_000_000), purpose: OrderPurpose = .entry,
        signalId: Int64? = nil, lifetimeSeconds: Int64 = 300
    ) -> ExecutionRequest {
        let market = exchange.markets.values.first { $0.tokens.contains(token) }?.conditionId
        let intent = OrderIntent(
            signalKey: key, basketId: nil, conditionId: market ?? exchange.history[0].conditionId, eventSlug: "",
            asset: token,
            side: .buy, price: price, shares: shares, whalePrice: price, wallets: [])
        return ExecutionRequest(
            intent: intent, signalId: signalId, purpose: purpose, idempotencyKey: key, tickSize: tick, negRisk: negRisk,
            minimumSize: Micros(5_000_000), lifetimeSeconds: lifetimeSeconds,
            detectedAtMs: SystemPipelineClock().nowMs())
    }
}

/// The Hardhat test key #0 (public; never funded anywhere that matters).
package let testTradingKey = try! PrivateKey(hex: "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")

/// Runs `body` against a simulator replaying a generated history (400 trades, all published) and a fresh database,
/// with credentials derived for ``testTradingKey`` and a transport whose request timeout is `timeout`; `fees` gives the
/// markets their fee schedules (none by default), which the gateway reads from the simulator's `/clob-markets`.
package func withLiveVenue(
    timeout: Duration = .seconds(2), fees: FeePlan = .none, venue: VenueStatus = VenueStatus(), logger: Logger,
    _ body: @Sendable (LiveVenue) async throws -> Void
) async throws {
    let exchange = SimExchange(trades: generated(400), fees: { fees.fees(for: $0) })
    await exchange.publishNext(400)
    let (token, ask, tick, negRisk) = try await tradableToken(exchange)
    try await withSimulator(exchange) { base, _ in
        try await withTestDatabase { store, _ in
            let transport = HTTPTransport(retry: .none, timeout: timeout, logger: logger)
            defer { Task { try? await transport.shutdown() } }
            let key = testTradingKey
            let creds = try await ClobClient(baseURL: base + "/clob", transport: transport).createOrDeriveApiKey(
                key: key, chainId: 137)
            let clob = ClobClient(baseURL: base + "/clob", transport: transport, auth: (creds, key.address))
            let ledger = FillLedger(store: store, equity: { Micros(10_000_000_000) })
            let gateway = LiveOrderGateway(
                store: store, clob: clob,
                builder: try OrderBuilder(key: key, domain: ExchangeDomain.forVersion(2, chainId: 137)!),
                apiKey: creds.apiKey, ledger: ledger, fees: MarketPorts.clob(clob, clock: SystemPipelineClock()).fees,
                logger: logger, venue: venue,
                marketVersion: MarketVersions.reading(GammaClient(baseURL: base + "/gamma", transport: transport)))
            try await body(
                LiveVenue(
                    exchange: exchange, store: store, clob: clob, credentials: creds, ledger: ledger, gateway: gateway,
                    token: token, ask: ask, tick: tick, negRisk: negRisk))
        }
    }
}
