import Foundation

/// The one clock that stages, trackers, gateways and schedulers read (issue 15, "One event-time engine").
///
/// The daemon runs on ``SystemPipelineClock``; `polybot replay` and backtests run on a simulated clock that the event
/// stream advances, so copy delays, the consensus window, GTD expiry, cooldowns, the daily loss stop and marking happen
/// in **market time**, whatever the speed of the machine. Code outside the clock implementations and the HTTP/metrics
/// edges never reads `Date()`, `.now` or `Task.sleep` itself (`make lint-clock` checks).
public protocol PipelineClock: Sendable {
    /// Milliseconds since the Unix epoch on this clock.
    func nowMs() -> Int64

    /// Suspends until the clock reads `deadlineMs` or later.
    ///
    /// - Throws: `CancellationError` when the waiting task is cancelled.
    func sleep(untilMs deadlineMs: Int64) async throws

    /// Calls `tick` every `interval` until the calling task is cancelled, then returns. The first call comes one
    /// interval after registration; a tick that runs long delays the next one (never two at once).
    func every(_ interval: Duration, _ tick: @escaping @Sendable () async -> Void) async
}

extension PipelineClock {
    /// Whole seconds since the Unix epoch (floored).
    public func now() -> Int64 { nowMs().floorDivided(by: 1000) }

    /// The clock's time as a `Date` (for records that store one).
    public func date() -> Date { Date(timeIntervalSince1970: Double(nowMs()) / 1000) }

    /// Suspends for `duration` of this clock's time.
    ///
    /// - Throws: `CancellationError` when cancelled.
    public func sleep(for duration: Duration) async throws {
        try await sleep(untilMs: nowMs() + duration.wholeMilliseconds)
    }
}

/// Wall-clock time: what the daemon runs on.
public struct SystemPipelineClock: PipelineClock {
    /// Creates the clock.
    public init() {}

    public func nowMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    public func sleep(untilMs deadlineMs: Int64) async throws {
        let wait = deadlineMs - nowMs()
        if wait > 0 { try await Task.sleep(for: .milliseconds(wait)) }
    }

    public func every(_ interval: Duration, _ tick: @escaping @Sendable () async -> Void) async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { return }
            await tick()
        }
    }
}

extension Duration {
    /// Whole milliseconds (rounded toward zero).
    public var wholeMilliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}

extension Int64 {
    /// Division rounding toward negative infinity.
    func floorDivided(by d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}

extension Int64 {
    /// Floor division (towards −∞): where a clock aligns its ticks.
    public func floorDividedBy(_ d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}
