import Foundation
import Logging
import Metrics
import PolybotCore
import PolybotStore
import Polymarket
import ServiceLifecycle

/// Keeps the `markets` table current: a market first seen in a trade, signal or position is fetched from Gamma
/// within one pass (its title, outcomes, category and fees), and known unresolved markets are asked again so their
/// resolution — with Gamma's `closedTime` — lands as soon as the venue publishes it.
///
/// Runs on the injected clock. A failed pass is logged and counted, and the next pass tries again: titles are
/// display data and resolutions are re-read, so nothing is lost by waiting.
package struct MarketCatalogService: Service {
    let store: PolybotStore
    let gamma: GammaClient
    let clock: any PipelineClock
    let interval: Duration
    let logger: Logger

    /// Creates the service (`interval`: between passes; unresolved markets are refreshed every fourth pass).
    package init(
        store: PolybotStore, gamma: GammaClient, clock: any PipelineClock = SystemPipelineClock(),
        interval: Duration = .seconds(15), logger: Logger
    ) {
        self.store = store
        self.gamma = gamma
        self.clock = clock
        self.interval = interval
        self.logger = logger
    }

    package func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                var pass = 0
                while !Task.isCancelled {
                    await once(refresh: pass % 4 == 0)
                    pass += 1
                    try await clock.sleep(for: interval)
                }
            }
        } catch is CancellationError {
            // The graceful shutdown (or the group's cancellation): a normal end.
        } catch {
            Counter(label: "markets.catalog.failures").increment()
            logger.error("market catalog stopped", metadata: ["markets.error": "\(error)"])
        }
    }

    /// One pass: fetch missing markets, and (when `refresh`) re-ask about unresolved ones. Returns markets written.
    @discardableResult
    package func once(refresh: Bool) async -> Int {
        var written = 0
        do {
            var ids = try await store.insights.marketsWithoutMetadata(limit: 200)
            if refresh { ids += try await store.insights.unresolvedMarkets(since: 0, limit: 200) }
            guard !ids.isEmpty else { return 0 }
            let markets = try await gamma.markets(conditionIds: Array(Set(ids)).sorted())
            if !markets.isEmpty { try await store.markets.upsert(markets.map { MarketInfo(gamma: $0) }) }
            written = markets.count
            Counter(label: "markets.catalog.fetched").increment(by: written)
        } catch is CancellationError {
            return written
        } catch {
            Counter(label: "markets.catalog.failures").increment()
            logger.warning("market catalog pass failed; retrying next pass", metadata: ["markets.error": "\(error)"])
        }
        return written
    }
}

/// Rescoring on **market time**: every `interval` of the clock, the rescoring job scores every wallet as of the newest
/// stored trade (only trades before it, resolutions known before it), when that time has moved. A replay or the demo
/// is scored point in time as it advances; on the live feed the newest trade is about now. Off unless configured
/// (`POLYBOT_RESCORE_EVERY_SECONDS`); the nightly job runs either way.
package struct MarketTimeRescoreService: Service {
    let job: RescoringJob
    let store: PolybotStore
    let clock: any PipelineClock
    let interval: Duration
    let logger: Logger

    /// Creates the service.
    package init(
        job: RescoringJob, store: PolybotStore, clock: any PipelineClock = SystemPipelineClock(), interval: Duration,
        logger: Logger
    ) {
        self.job = job
        self.store = store
        self.clock = clock
        self.interval = interval
        self.logger = logger
    }

    package func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                var last: Int64?
                while !Task.isCancelled {
                    try await clock.sleep(for: interval)
                    last = try await once(after: last)
                }
            }
        } catch is CancellationError {
            // The graceful shutdown (or the group's cancellation): a normal end.
        } catch {
            Counter(label: "rescore.runs", dimensions: [("outcome", "failed")]).increment()
            logger.error("market-time rescoring stopped", metadata: ["rescore.error": "\(error)"])
        }
    }

    /// Scores as of the newest stored trade (+1 s) if it is newer than `after`. Returns the scoring time used.
    package func once(after: Int64?) async throws -> Int64? {
        do {
            guard let newest = try await store.insights.newestTradeTime() else { return after }
            let at = newest + 1
            guard after.map({ at > $0 }) ?? true else { return after }
            let report = try await job.run(trigger: .scheduled, now: at)
            Counter(label: "rescore.runs", dimensions: [("outcome", "completed")]).increment()
            logger.info(
                "market-time rescoring", metadata: ["rescore.at": "\(at)", "rescore.scored": "\(report.scored)"])
            return at
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            Counter(label: "rescore.runs", dimensions: [("outcome", "failed")]).increment()
            logger.error("market-time rescoring failed", metadata: ["rescore.error": "\(error)"])
            return after
        }
    }
}
