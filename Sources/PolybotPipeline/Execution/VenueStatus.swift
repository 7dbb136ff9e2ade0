import Foundation
import Synchronization

/// What the venue's matching engine allows now, as far as our own order requests have shown (pure value, injected
/// seconds): Polymarket restarts its engine (weekly and unscheduled), answering HTTP 425 on every order endpoint for
/// about 90 s, then accepts only post-only orders and cancels for about 2 minutes.
package struct VenueWindow: Sendable, Equatable {
    /// The gate for a taker order at a time.
    package enum Gate: Sendable, Equatable {
        case open
        /// 425s seen since then; only trying again tells when it ends.
        case restarting(since: Double)
        /// Post-only mode until then.
        case postOnly(until: Double)
        /// A 429 with Retry-After: nothing is sent before then.
        case rateLimited(until: Double)
    }

    /// How long post-only mode lasts after the engine is back (seconds).
    package let postOnlySeconds: Double
    package private(set) var restartingSince: Double?
    package private(set) var postOnlyUntil: Double?
    package private(set) var holdUntil: Double?

    /// A window with no restart seen.
    package init(postOnlySeconds: Double) { self.postOnlySeconds = postOnlySeconds }

    /// An order endpoint answered 425.
    package mutating func sawRestart(now: Double) {
        restartingSince = restartingSince ?? now
        postOnlyUntil = nil
    }

    /// The engine refused a taker order because it is in post-only mode. The venue's `retry_after_seconds` says when
    /// the window ends; without it, seen right after the 425s this is the start of the window, and seen without them
    /// its start is unknown, so the whole window is assumed to be ahead (cautious).
    package mutating func sawPostOnly(now: Double, retryAfter: Double? = nil) {
        restartingSince = nil
        postOnlyUntil = max(postOnlyUntil ?? 0, now + (retryAfter ?? postOnlySeconds))
    }

    /// The engine took a taker order: it is up and not in post-only mode.
    package mutating func sawTakerAccepted() {
        restartingSince = nil
        postOnlyUntil = nil
    }

    /// A 429 asked us to wait `seconds`.
    package mutating func sawRateLimit(now: Double, retryAfter seconds: Double) {
        holdUntil = max(holdUntil ?? 0, now + seconds)
    }

    /// The gate at `now`.
    package func gate(now: Double) -> Gate {
        if let since = restartingSince { return .restarting(since: since) }
        if let until = postOnlyUntil, now < until { return .postOnly(until: until) }
        if let until = holdUntil, now < until { return .rateLimited(until: until) }
        return .open
    }
}

/// The ``VenueWindow`` shared by every placement of a gateway.
package final class VenueStatus: Sendable {
    private let window: Mutex<VenueWindow>

    /// A status with the venue's post-only length (120 s by Polymarket's documentation).
    package init(postOnlySeconds: Double = 120) { window = Mutex(VenueWindow(postOnlySeconds: postOnlySeconds)) }

    /// Applies a change and returns the result.
    @discardableResult
    package func update(_ change: (inout VenueWindow) -> Void) -> VenueWindow {
        window.withLock {
            change(&$0)
            return $0
        }
    }

    /// The gate at `now`.
    package func gate(now: Double) -> VenueWindow.Gate { window.withLock { $0.gate(now: now) } }
}
