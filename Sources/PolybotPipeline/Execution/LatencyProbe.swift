import Metrics
import Synchronization

/// Measures from a whale trade frame arriving at the listener to its signed order leaving the executor (the POST
/// starting, with the intent already persisted). Exported as `pipeline.frame_to_order` and kept for benchmarks.
package final class LatencyProbe: Sendable {
    private let pending = Mutex<[String: ContinuousClock.Instant]>([:])
    private let samples = Mutex<[Duration]>([])
    private let timer = Timer(label: "pipeline.frame_to_order")
    private let keep: Int

    /// Creates a probe that keeps up to `keep` samples.
    package init(keep: Int = 100_000) { self.keep = keep }

    /// The order with this idempotency key comes from a frame that arrived at `arrived`.
    package func expect(_ key: String, arrived: ContinuousClock.Instant) {
        pending.withLock { $0[key] = arrived }
    }

    /// The order with this key is being sent now.
    package func sent(_ key: String) {
        guard let arrived = pending.withLock({ $0.removeValue(forKey: key) }) else { return }
        let d = ContinuousClock.now - arrived  // clock-edge: latency metric
        timer.recordNanoseconds(Int64(d.nanoseconds))
        samples.withLock { if $0.count < keep { $0.append(d) } }
    }

    /// The samples so far.
    package func recorded() -> [Duration] { samples.withLock { $0 } }
}
