import Foundation

/// One order's wait for the venue (pure value, injected seconds): given what the matching engine allows now (the
/// shared ``VenueWindow``'s gate) and the last moment the order may still be sent, whether to send it, wait, or end it
/// unsent. ``LiveOrderGateway`` is the I/O around it: it sleeps, posts, and tells the window what the venue answered.
///
/// - Open: send.
/// - Restarting (HTTP 425): a restart has no announced end, and what another order saw may be stale, so an order not
///   yet tried is sent at once (a 425 proves it was not taken); after that it backs off 1, 2, 4, 8, 8 … seconds.
/// - Post-only until T, or rate-limited (429 Retry-After) until T: wait until T.
/// - A wait that would outlast the order's validity ends it, with the reason.
package struct VenueWait: Sendable, Equatable {
    /// What to do now.
    package enum Step: Sendable, Equatable {
        case send
        /// Wait this long (seconds), for this reason, then send.
        case wait(seconds: Double, why: String)
        /// The venue cannot take the order before its deadline: end it unsent.
        case expire(reason: String)
    }

    /// The last moment (Unix seconds) the order may still be sent.
    package let deadline: Double
    /// The next back-off while the engine restarts (seconds).
    package private(set) var backoff: Double = 1
    /// Whether the order has been posted during this wait.
    package private(set) var tried = false

    /// The longest back-off while the engine restarts (seconds).
    package static let maxBackoff: Double = 8

    /// A wait for an order that may be sent until `deadline`.
    package init(deadline: Double) { self.deadline = deadline }

    /// The step at `now` under `gate`.
    package mutating func next(_ gate: VenueWindow.Gate, now: Double) -> Step {
        let wait: Double
        let why: String
        switch gate {
        case .open: return .send
        case .restarting where !tried && now <= deadline: return .send
        case .restarting(let since):
            wait = backoff
            backoff = min(backoff * 2, Self.maxBackoff)
            why = "the matching engine has been restarting (HTTP 425) since \(Self.time(since))"
        case .postOnly(let until):
            wait = until - now
            why = "the venue accepts only post-only orders after a matching-engine restart until \(Self.time(until))"
        case .rateLimited(let until):
            wait = until - now
            why = "the signer is rate limited (HTTP 429) until \(Self.time(until))"
        }
        guard now + wait <= deadline else {
            return .expire(reason: "not sent: \(why); the order could be sent only until \(Self.time(deadline))")
        }
        return .wait(seconds: max(0, wait), why: why)
    }

    /// The order is being posted.
    package mutating func posting() { tried = true }

    /// ISO 8601 of Unix seconds.
    package static func time(_ seconds: Double) -> String {
        Date(timeIntervalSince1970: seconds).formatted(.iso8601)
    }
}
