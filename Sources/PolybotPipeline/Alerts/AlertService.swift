import Foundation
import Logging
import Metrics
import PolybotCore
import ServiceLifecycle

/// Sends alerts for signals, fills, risk halts, feed stalls and reconciliation problems to every configured sink, with
/// retries (3 attempts, backoff) and a dedupe window per alert key. A failing sink never blocks the others or the
/// pipeline: the service listens on its own bounded subscription.
package struct AlertService: Service {
    let events: PipelineEvents
    let sinks: [any AlertSink]
    let dedupeSeconds: Int64
    let retryDelay: Duration
    let logger: Logger

    /// Creates the service.
    package init(
        events: PipelineEvents, sinks: [any AlertSink], dedupeSeconds: Int64 = 600,
        retryDelay: Duration = .milliseconds(500),
        logger: Logger
    ) {
        self.events = events
        self.sinks = sinks
        self.dedupeSeconds = dedupeSeconds
        self.retryDelay = retryDelay
        self.logger = logger
    }

    package func run() async throws {
        guard !sinks.isEmpty else { return }
        let stream = events.subscribe(buffer: 1_000)
        await cancelWhenGracefulShutdown {
            var dedupe = AlertDeduper(windowSeconds: dedupeSeconds)
            for await event in stream {
                // clock-edge: alert time is wall time
                guard let alert = Alert.from(event, now: SystemPipelineClock().now()) else { continue }
                guard dedupe.admit(alert) else {
                    Counter(label: "alerts.deduped").increment()
                    continue
                }
                await withTaskGroup(of: Void.self) { group in
                    for sink in sinks { group.addTask { await deliver(alert, to: sink) } }
                }
            }
        }
    }

    /// Sends with retries; true when delivered.
    @discardableResult
    package func deliver(_ alert: Alert, to sink: any AlertSink) async -> Bool {
        for attempt in 1...3 {
            do {
                try await sink.send(alert)
                Counter(label: "alerts.sent", dimensions: [("sink", sink.name)]).increment()
                return true
            } catch {
                logger.warning(
                    "alert not delivered",
                    metadata: ["sink": "\(sink.name)", "attempt": "\(attempt)", "error": "\(error)"])
                if attempt < 3 { try? await Task.sleep(for: retryDelay * attempt) }  // clock-edge: HTTP retry backoff
            }
        }
        Counter(label: "alerts.failed", dimensions: [("sink", sink.name)]).increment()
        return false
    }
}
