import Foundation
import Logging
import PolybotCore
import PolybotPipeline
import PolybotStore
import PolybotTestSupport
import Polymarket
import PolymarketSim
import Testing

/// Issue 30: resolutions from the Data API's `/v2/resolutions` (payouts and the resolution's own time), Gamma the
/// fallback when the Data API has no v2.
@Suite("Market catalog resolutions", .tags(.spawnsProcesses))
struct MarketCatalogResolutionTests {
    @Test func aResolutionComesFromTheDataAPIWithItsTimeAndFromGammaWithoutV2() async throws {
        let whales = (1...3).map { Fixtures.address(0x3F0 + $0) }
        let start = Int64(Date().timeIntervalSince1970) - 600
        let exchange = SimExchange(trades: Scenario.consensus(signals: 2, wallets: whales, start: start))
        try await withSimulator(exchange) { base, _ in
            await exchange.publishNext(6)
            let transport = HTTPTransport(logger: Logger(label: "test.catalog"))
            defer { Task { try? await transport.shutdown() } }
            let gamma = GammaClient(baseURL: base + "/gamma", transport: transport)
            let data = DataAPIClient(baseURL: base + "/data-api", transport: transport)
            let (first, second) = (Scenario.market(0), Scenario.market(1))
            let winner = try #require(exchange.markets[first]?.tokens.last)
            await exchange.resolve(conditionId: first, winner: winner, autoRedeem: true)
            let resolvedAt = try #require(await exchange.resolutionTime(first))
            try await withTestDatabase { store, _ in
                // The markets the catalog looks after: those of stored trades.
                _ = try await store.trades.insertBatch(exchange.history)
                let catalog = MarketCatalogService(
                    store: store, gamma: gamma, dataAPI: data, logger: Logger(label: "test.catalog"))
                #expect(await catalog.once(refresh: true) == 2)
                let markets = try await store.markets.get([first, second])
                #expect(markets[first]?.winningToken == winner && markets[first]?.resolvedAt == resolvedAt)
                #expect(markets[second]?.winningToken == nil, "still open")
                // A Data API without v2: Gamma's record stands.
                var f = SimFaults()
                f.noDataV2 = true
                await exchange.setFaults(f)
                await exchange.resolve(
                    conditionId: second, winner: try #require(exchange.markets[second]?.tokens.first), autoRedeem: true)
                #expect(await catalog.once(refresh: true) >= 1)
                let after = try await store.markets.get([second])
                // Gamma shows the winner by its prices; it gives no `closedTime` here, so no resolution time is invented.
                #expect(after[second]?.winningToken == exchange.markets[second]?.tokens.first)
                #expect(after[second]?.resolvedAt == nil)
            }
        }
    }

    /// The CLOB market channel's `market_resolved` (a trigger: no payouts) makes the catalog read the market at once,
    /// long before its next pass; markets traded later are added on the open connection, resolved ones leave it.
    @Test func aMarketResolvedEventResolvesTheMarketBeforeTheCatalogsNextPass() async throws {
        let whales = (1...3).map { Fixtures.address(0x3F8 + $0) }
        let start = Int64(Date().timeIntervalSince1970) - 600
        let exchange = SimExchange(trades: Scenario.consensus(signals: 2, wallets: whales, start: start))
        try await withSimulator(exchange) { base, ws in
            await exchange.publishNext(6)
            let transport = HTTPTransport(logger: Logger(label: "test.watch"))
            defer { Task { try? await transport.shutdown() } }
            let (first, second) = (Scenario.market(0), Scenario.market(1))
            try await withTestDatabase { store, _ in
                _ = try await store.trades.insertBatch(exchange.history.filter { $0.conditionId == first })
                // The catalog is never run as a service here: only the trigger can make it read a market.
                let catalog = MarketCatalogService(
                    store: store, gamma: GammaClient(baseURL: base + "/gamma", transport: transport),
                    dataAPI: DataAPIClient(baseURL: base + "/data-api", transport: transport),
                    logger: Logger(label: "test.watch"))
                let clock = ReplayClock(startMs: (start + 600) * 1000)
                let watcher = ResolutionWatcher(
                    store: store, catalog: catalog, url: ws + "/clob-ws", clock: clock, interval: .seconds(60),
                    logger: Logger(label: "test.watch"))
                let task = Task { try await watcher.run() }
                defer { task.cancel() }
                #expect(await eventually { await exchange.resolutionWatchedTokens == [Scenario.token(0)] })

                // A market traded later joins the open connection at the next pass (no second connection).
                _ = try await store.trades.insertBatch(exchange.history.filter { $0.conditionId == second })
                #expect(await eventually { clock.sleepers == 1 })
                await clock.advance(to: clock.nowMs() + 60_000) {}
                #expect(await eventually { await exchange.resolutionWatchedTokens.count == 2 })
                #expect(await exchange.marketChannelConnections == 1)

                let winner = try #require(exchange.markets[first]?.tokens.last)
                await exchange.resolve(conditionId: first, winner: winner, autoRedeem: true)
                let resolvedAt = try #require(await exchange.resolutionTime(first))
                #expect(await exchange.marketResolvedSent == 1)
                let landed = try await eventually { try await store.markets.get([first])[first]?.winningToken != nil }
                #expect(landed)
                let market = try await store.markets.get([first])[first]
                #expect(market?.winningToken == winner && market?.resolvedAt == resolvedAt)
                #expect(try await store.markets.get([second])[second]?.winningToken == nil, "still open")

                // The resolved market's token leaves the connection at the next pass.
                #expect(await eventually { clock.sleepers == 1 })
                await clock.advance(to: clock.nowMs() + 60_000) {}
                #expect(await eventually { await exchange.resolutionWatchedTokens == [Scenario.token(1)] })
                #expect(await exchange.marketChannelConnections == 1)
            }
        }
    }
}
