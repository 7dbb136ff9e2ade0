import Foundation
import Logging
import Metrics
import PolybotCore
import PolybotStore
import ServiceLifecycle

/// Runs the rescoring job every night at a UTC time, inside the daemon (stops on graceful shutdown; an
/// interrupted run resumes the next time).
package struct NightlyRescoreService: Service {
    let job: RescoringJob
    let hour: Int
    let minute: Int
    let logger: Logger
    let now: @Sendable () -> Int64

    /// Creates the service.
    package init(
        job: RescoringJob, hour: Int, minute: Int, logger: Logger,
        now: @escaping @Sendable () -> Int64 = { SystemPipelineClock().now() }
    ) {
        self.job = job
        self.hour = hour
        self.minute = minute
        self.logger = logger
        self.now = now
    }

    package func run() async throws {
        let duration = Timer(label: "rescore.duration")
        let scored = Counter(label: "rescore.wallets")
        // A graceful shutdown cancels the wait (or interrupts a run, which resumes next time): that is a normal end.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let next = NightlySchedule.next(after: now(), hour: hour, minute: minute)
                logger.info("next rescoring", metadata: ["rescore.at": "\(next)"])
                try await Task.sleep(for: .seconds(max(0, next - now())))  // clock-edge: the daemon's nightly job
                let start = ContinuousClock.now  // clock-edge: duration metric
                do {
                    // Scored as of the scheduled instant, not the moment the timer fired: one night's run is then
                    // exactly one look spacing after the last, so it can continue the last run's fold.
                    let report = try await job.run(trigger: .scheduled, now: next)
                    scored.increment(by: report.scored)
                    Counter(label: "rescore.runs", dimensions: [("outcome", "completed")]).increment()
                } catch is CancellationError {
                    Counter(label: "rescore.runs", dimensions: [("outcome", "interrupted")]).increment()
                    throw CancellationError()
                } catch {
                    Counter(label: "rescore.runs", dimensions: [("outcome", "failed")]).increment()
                    logger.error("rescoring failed", metadata: ["rescore.error": "\(error)"])
                }
                // clock-edge: metric
                duration.recordNanoseconds(Int64((ContinuousClock.now - start).components.seconds) * 1_000_000_000)
            }
        }
    }
}
