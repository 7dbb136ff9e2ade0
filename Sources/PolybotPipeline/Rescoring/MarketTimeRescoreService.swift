import Logging
import Metrics
import PolybotCore
import PolybotStore
import ServiceLifecycle

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
        let logger = logger
        await runPeriodically(every: interval, on: clock, sleepFirst: true, initial: Int64?.none) { last in
            try await once(after: last)
        } stopped: { error in
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
