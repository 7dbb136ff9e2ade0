import Foundation
import Logging
import Metrics
import PolybotCore
import PolybotStore
import Polymarket
import ServiceLifecycle

/// Keeps the `markets` table current: a market first seen in a trade, signal or position is fetched from Gamma
/// within one pass (its title, outcomes, category and fees), and known unresolved markets are asked again so their
/// resolution lands as soon as the venue publishes it: from the Data API's `/v2/resolutions` (payouts and the
/// resolution's own time) where it has one, else from Gamma (prices and `closedTime`).
///
/// Runs on the injected clock. A failed pass is logged and counted, and the next pass tries again: titles are
/// display data and resolutions are re-read, so nothing is lost by waiting.
package struct MarketCatalogService: Service {
    let store: PolybotStore
    let gamma: GammaClient
    /// `/v2/resolutions` (nil, or a Data API without v2: Gamma alone).
    let dataAPI: DataAPIClient?
    let clock: any PipelineClock
    let interval: Duration
    let logger: Logger

    /// Creates the service (`interval`: between passes; unresolved markets are refreshed every fourth pass).
    package init(
        store: PolybotStore, gamma: GammaClient, dataAPI: DataAPIClient? = nil,
        clock: any PipelineClock = SystemPipelineClock(), interval: Duration = .seconds(15), logger: Logger
    ) {
        self.store = store
        self.gamma = gamma
        self.dataAPI = dataAPI
        self.clock = clock
        self.interval = interval
        self.logger = logger
    }

    package func run() async throws {
        let logger = logger
        await runPeriodically(every: interval, on: clock, initial: 0) { pass in
            await once(refresh: pass % 4 == 0)
            return pass + 1
        } stopped: { error in
            Counter(label: "markets.catalog.failures").increment()
            logger.error("market catalog stopped", metadata: ["markets.error": "\(error)"])
        }
    }

    /// One pass: fetch missing markets, and (when `refresh`) re-ask about unresolved ones. Returns markets written.
    @discardableResult
    package func once(refresh: Bool) async -> Int {
        do {
            var ids = try await store.insights.marketsWithoutMetadata(limit: 200)
            if refresh { ids += try await store.insights.unresolvedMarkets(since: 0, limit: 200) }
            return try await read(ids, withResolutions: refresh)
        } catch is CancellationError {
            return 0
        } catch {
            Counter(label: "markets.catalog.failures").increment()
            logger.warning("market catalog pass failed; retrying next pass", metadata: ["markets.error": "\(error)"])
            return 0
        }
    }

    /// Reads these markets now, with their resolutions (the market channel's `market_resolved` is only a trigger:
    /// it carries no payouts, so the record written is Gamma's and `/v2/resolutions`'). Returns markets written.
    ///
    /// - Throws: when Gamma or the store cannot be reached (the caller retries; the periodic pass does too).
    @discardableResult
    package func resolve(_ conditionIds: [String]) async throws -> Int {
        try await read(conditionIds, withResolutions: true)
    }

    private func read(_ ids: [String], withResolutions: Bool) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        let markets = try await gamma.markets(conditionIds: Array(Set(ids)).sorted())
        var infos = markets.map { MarketInfo(gamma: $0) }
        if withResolutions { infos = await self.withResolutions(infos) }
        if !infos.isEmpty { try await store.markets.upsert(infos) }
        Counter(label: "markets.catalog.fetched").increment(by: markets.count)
        return markets.count
    }

    /// The Data API's resolutions over the markets read (its time is the resolution's own, where Gamma's is when the
    /// market closed); when it cannot be read, Gamma's records stand (counted).
    private func withResolutions(_ infos: [MarketInfo]) async -> [MarketInfo] {
        guard let dataAPI, !infos.isEmpty else { return infos }
        let rows: [DataAPIResolution]
        do { rows = try await dataAPI.resolutions(conditionIds: infos.map(\.conditionId)) } catch {
            Counter(label: "markets.catalog.resolution_errors").increment()
            logger.debug("Data API resolutions unread; Gamma's stand", metadata: ["markets.error": "\(error)"])
            return infos
        }
        let byId = Dictionary(rows.map { ($0.conditionId, $0) }, uniquingKeysWith: { a, _ in a })
        return infos.map { m in byId[m.conditionId.lowercased()].map { m.resolved(by: $0) } ?? m }
    }
}
