import Foundation
import Logging
import Metrics
import PolybotStore
import Polymarket
import ServiceLifecycle
import Synchronization

/// Samples what no stage reports by itself, every `interval`, for Prometheus:
/// - `database_up` (1 or 0): whether `SELECT 1` answers within `timeout` — `PolybotDatabaseDown` watches it, so a
///   dead database is seen even when no trade arrives to fail on it;
/// - `rest_requests{outcome="ok|failed"}` and `rest_rate_limited`: the REST transport's outcomes as counters —
///   `PolybotRestErrors` and `PolybotRateLimited` watch them;
/// - `clob_signer_tokens{bucket="orders|cancels"}`: what the live signer's buckets hold (live trading only).
package struct HealthSampler: Service {
    /// The database to ping.
    let database: Database
    /// The REST transport's running totals (succeeded, failed, rate-limited); zeros when the daemon has no transport.
    let restStats: @Sendable () -> (ok: Int, failed: Int, rateLimited: Int)
    /// How often to sample.
    var interval: Duration = .seconds(15)
    /// How long the ping may take before the database counts as down.
    var timeout: Duration = .seconds(5)
    let logger: Logger
    /// The live signer's per-signer buckets, when trading live.
    var signerLimits: SignerRateLimiter?

    package func run() async throws {
        let signerGauges = SignerBucket.allCases.map {
            ($0, Gauge(label: "clob.signer_tokens", dimensions: [("bucket", $0.rawValue)]))
        }
        let up = Gauge(label: "database.up")
        let ok = Counter(label: "rest.requests", dimensions: [("outcome", "ok")])
        let failed = Counter(label: "rest.requests", dimensions: [("outcome", "failed")])
        let limited = Counter(label: "rest.rate_limited")
        // A graceful shutdown cancels the wait: that is a normal end.
        try? await cancelWhenGracefulShutdown {
            var last = (ok: 0, failed: 0, rateLimited: 0)
            var wasUp = true
            while !Task.isCancelled {
                let answered = await Self.ping(database, timeout: timeout)
                up.record(answered ? 1 : 0)
                if answered != wasUp {
                    if answered {
                        logger.notice("database answers again")
                    } else {
                        logger.error("database does not answer", metadata: ["db.timeout": "\(timeout)"])
                    }
                    wasUp = answered
                }
                let now = restStats()
                ok.increment(by: max(0, now.ok - last.ok))
                failed.increment(by: max(0, now.failed - last.failed))
                limited.increment(by: max(0, now.rateLimited - last.rateLimited))
                last = now
                if let signerLimits {
                    for (bucket, gauge) in signerGauges { gauge.record(await signerLimits.remaining(bucket)) }
                }
                try await Task.sleep(for: interval)
            }
        }
    }

    /// `SELECT 1` raced against `timeout` (a connection attempt to a dead server can otherwise hang far longer). The
    /// answer comes at the timeout even when the ping does not end when cancelled: it is left to finish on its own
    /// (a task group would wait for it). `sleep` is the timer (tests fire it themselves); a timer that fails (cancelled)
    /// counts as the timeout.
    package static func ping(
        _ database: Database, timeout: Duration,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) async -> Bool {
        let answer = FirstAnswer()
        return await withCheckedContinuation { continuation in
            answer.install(continuation)
            let ping = Task { answer.give(await database.ping()) }
            Task {
                do { try await sleep(timeout) } catch {}  // cancelled or failed: the timeout, as when it elapses
                answer.give(false)
                ping.cancel()
            }
        }
    }
}

/// The first of several answers, handed to one waiting continuation exactly once.
private final class FirstAnswer: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<Bool, Never>?, answered: Bool)>((nil, false))

    func install(_ c: CheckedContinuation<Bool, Never>) { state.withLock { $0.continuation = c } }

    func give(_ value: Bool) {
        let waiting = state.withLock { s -> CheckedContinuation<Bool, Never>? in
            guard !s.answered, let c = s.continuation else { return nil }
            s.answered = true
            s.continuation = nil
            return c
        }
        waiting?.resume(returning: value)
    }
}
